"""What one training step costs, and a budget that keeps a shared server responsive.

A class shares one laptop: one student's LSTM of width 256 over 200 steps with batch 1024 took
3.3 GB and 7-10 s a step (DESIGN.md, Live pages). :func:`step_cost` estimates a config's step
from its shape before anything is built; :func:`too_large` says, in words, when it is over the
per-step limits and what would fit; :class:`Budget` bounds the memory of the steps that run at
the same moment across every session of the server.

The estimate is a linear model fitted on a 2-core x86 machine with one torch
thread, from three counts. ``bench/step_budget.py`` measures the largest configs it allows:
measured over estimated time 0.4-1.5x, memory 0.5-1.6x; the largest allowed step took 78 ms
and 95 MB (a 2-core x86 laptop). The counts:

* ``macs``: multiply-adds of the forward pass, ``B * sum(in * out)`` per layer and time step;
* ``elements``: activations the backward pass keeps, ``B * T * gates * H`` (or ``B * width *
  depth``);
* ``weight_passes``: one weight-sized pass per time step (the gradient of the recurrent matrix
  is accumulated step by step, whatever the batch).
"""

from __future__ import annotations

import math
import threading
from contextlib import contextmanager
from dataclasses import dataclass

from .config import TrainConfig

GATES = {"rnn": 1, "gru": 3, "lstm": 4}
# Per-step limits for a shared server: a step stays near a tenth of a second and a tenth of a
# gigabyte, so one student's step cannot stall a neighbour's redraws or take the memory.
LIMIT_MS = 65.0  # estimated; measured steps run up to 1.5x the estimate (see above)
LIMIT_MB = 100.0
# Fitted coefficients (milliseconds per unit, 2-core x86, one torch thread).
_MS_PER_MAC = 4.1e-8
_MS_PER_ELEMENT = 1.25e-5
_MS_PER_WEIGHT_PASS = 6.0e-7
# Bytes kept per activation element through backward (inputs, gates, outputs and their
# gradients): measured 4.2 x 4 bytes for an LSTM; rounded up.
_BYTES_PER_ELEMENT = 4 * 5
_BYTES_PER_PARAM = 4 * 5  # weight, gradient, optimizer state, update scratch, snapshot


class TooLargeError(ValueError):
    """A config whose step is over the shared server's limits; the message says what fits."""


@dataclass(frozen=True)
class StepCost:
    """Estimated cost of one training step of a config on the CPU.

    Attributes:
        ms: CPU time of a step, forward to optimizer (one core, one torch thread).
        mb: memory the step holds at its peak (activations kept for backward, parameters
            with their gradients and optimizer state).
    """

    ms: float
    mb: float

    @property
    def fits(self) -> bool:
        return self.ms <= LIMIT_MS and self.mb <= LIMIT_MB

    def __repr__(self) -> str:
        return f"StepCost(~{self.ms:.0f} ms, ~{self.mb:.0f} MB)"


def _counts(config: TrainConfig, n_in: int) -> tuple[float, float, float, float]:
    """(macs, elements, weight_passes, parameters) of one step; see the module docstring."""
    batch = config.batch_size
    if config.model == "mlp":
        sizes = [n_in] + [config.width] * config.depth + [3]
        weights = sum(a * b for a, b in zip(sizes, sizes[1:], strict=False))
        return batch * weights, batch * sum(sizes[1:]), weights, weights + sum(sizes[1:])
    gates, hidden, steps = GATES[config.model], config.width, config.seq_len
    cell = gates * hidden * (n_in + hidden + 2)  # weights and biases of one recurrent cell
    macs = batch * steps * gates * hidden * (n_in + hidden)
    return macs, batch * steps * gates * hidden, steps * cell, cell + hidden + 1


def step_cost(config: TrainConfig) -> StepCost:
    """Estimate the time and memory of one step of ``config`` (nothing is built).

    Args:
        config: the run's settings; only its shape matters (model, sizes, batch).

    Returns:
        The estimate; compare it with :data:`LIMIT_MS` and :data:`LIMIT_MB`.
    """
    n_in = 2 if config.is_sequence else 8  # the widest input of a task the model can take
    macs, elements, passes, params = _counts(config, n_in)
    ms = macs * _MS_PER_MAC + elements * _MS_PER_ELEMENT + passes * _MS_PER_WEIGHT_PASS
    mb = (elements * _BYTES_PER_ELEMENT + params * _BYTES_PER_PARAM) / 1e6
    return StepCost(ms, mb)


_BATCHES = (1, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


def largest_batch(config: TrainConfig) -> int | None:
    """The largest batch size (from the playground's choices) that fits, other settings kept."""
    fitting = [b for b in _BATCHES if step_cost(config.replace(batch_size=b)).fits]
    return fitting[-1] if fitting else None


def too_large(config: TrainConfig) -> str | None:
    """Why ``config`` is too large for a shared server, and what would fit; ``None`` if it fits.

    Example:
        ``"This model is too large for a shared server: one step would take about 960 ms and
        310 MB; at most 65 ms and 100 MB here. With these settings a batch of at most 32 fits
        (now 1024), or make the sequence or the width smaller."``
    """
    cost = step_cost(config)
    if cost.fits:
        return None
    batch = largest_batch(config)
    sizes = "the sequence or the width" if config.is_sequence else "the depth or the width"
    if batch is None:
        fix = f"Make {sizes} smaller."
    else:
        fix = (
            f"With these settings a batch of at most {batch} fits (now "
            f"{config.batch_size}), or make {sizes} smaller."
        )
    return (
        "This model is too large for a shared server: one step would take about "
        f"{_round(cost.ms)} ms and {_round(cost.mb)} MB; at most {LIMIT_MS:.0f} ms and "
        f"{LIMIT_MB:.0f} MB here. {fix}"
    )


def _round(x: float) -> str:
    """Two significant figures: an estimate should not look more precise than it is."""
    if x < 10:
        return f"{x:.1f}"
    digits = 10 ** (int(math.log10(x)) - 1)
    return f"{round(x / digits) * digits:,.0f}"


class Budget:
    """A server-wide cap on the memory of the training steps running at the same moment.

    A job reserves its step's megabytes before it runs and gives them back after; a job that
    does not fit waits until enough is given back. One job alone always runs (its config
    already passed :func:`too_large`), so nothing waits forever.

    Args:
        capacity_mb: the megabytes that may be reserved at once.

    Attributes:
        peak_mb: the most ever reserved at once (tests and benchmarks read it).
    """

    def __init__(self, capacity_mb: float):
        self.capacity_mb = float(capacity_mb)
        self.in_use_mb = 0.0
        self.peak_mb = 0.0
        self._held = 0  # reservations now held
        self._cond = threading.Condition()

    def __repr__(self) -> str:
        return (
            f"Budget({self.in_use_mb:.0f} of {self.capacity_mb:.0f} MB in use, "
            f"peak {self.peak_mb:.0f})"
        )

    @contextmanager
    def reserve(self, mb: float):
        """Hold ``mb`` megabytes of the budget for the duration of a ``with`` block."""
        mb = max(0.0, float(mb))
        with self._cond:
            self._cond.wait_for(lambda: self._held == 0 or self.in_use_mb + mb <= self.capacity_mb)
            self._held += 1
            self.in_use_mb += mb
            self.peak_mb = max(self.peak_mb, self.in_use_mb)
        try:
            yield
        finally:
            with self._cond:
                self._held -= 1
                # Exactly 0 when nothing is held (float sums do not cancel exactly).
                self.in_use_mb = self.in_use_mb - mb if self._held else 0.0
                self._cond.notify_all()
