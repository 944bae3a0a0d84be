"""Explaining a run that diverged: the step, the layer that overflowed, the last finite norm.

A diverging run is a lesson, not a crash (lesson 02). The trainer calls :func:`diagnose`
when a step's loss or gradient is non-finite; the weights are still those the failing step
started from, so its forward pass can be replayed with hooks to find where it overflowed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .history import SCALARS

FLOAT32_MAX = float(torch.finfo(torch.float32).max)


@dataclass(frozen=True)
class Divergence:
    """Why and where a run stopped.

    Attributes:
        step: the step whose loss or gradient was non-finite (steps are numbered from 1).
        where: ``"forward"`` (the loss overflowed) or ``"backward"`` (a gradient did).
        layer: the layer that overflowed first (forward: input to output; backward: from the
            loss back), or ``None`` if it could not be pinned down.
        loss: the loss at that step (may be nan or inf).
        grad_norm: the total gradient norm at that step (inf or nan).
        last_finite_norm: the last finite total gradient norm, and its step.
        time_step: for a recurrent forward overflow, the first time step that overflowed.
    """

    step: int
    where: str
    layer: str | None
    loss: float
    grad_norm: float
    last_finite_norm: float | None
    last_finite_step: int | None
    time_step: int | None = None

    @property
    def reason(self) -> str:
        """One plain sentence for the CLI and the app's callout."""
        place = f" in {self.layer}" if self.layer else ""
        if self.time_step is not None:
            place += f" at time step {self.time_step}"
        if self.where == "forward":
            what = f"the forward pass overflowed{place} and the loss became {_fmt(self.loss)}"
        else:
            what = f"the gradient overflowed{place} (total norm {_fmt(self.grad_norm)})"
        last = (
            f"; the last finite gradient norm was {self.last_finite_norm:.3g} at step "
            f"{self.last_finite_step}"
            if self.last_finite_norm is not None
            else "; no step before it had a finite gradient"
        )
        return f"diverged at step {self.step}: {what}{last}"

    def __str__(self) -> str:
        return self.reason


def _fmt(x: float) -> str:
    return "nan" if math.isnan(x) else ("inf" if math.isinf(x) else f"{x:.3g}")


def diagnose(trainer, scalars: np.ndarray, layers: np.ndarray, last_finite) -> Divergence:
    """Build the :class:`Divergence` for the failing step's record.

    Args:
        trainer: the :class:`~gradclip_core.trainer.Trainer` (its weights are those the failing
            step started from).
        scalars: the failing step's scalar record, in ``history.SCALARS`` order.
        layers: its ``(3, L)`` per-layer record (row 0: gradient norms before clipping).
        last_finite: ``(step, norm)`` of the last finite gradient norm, or ``None``.
    """
    step = int(scalars[0])
    loss = float(scalars[SCALARS.index("loss")])
    grad = float(scalars[SCALARS.index("grad_norm")])
    last_step, last_norm = last_finite if last_finite else (None, None)
    if not math.isfinite(loss):
        layer, t = _forward_overflow(trainer, step)
        return Divergence(step, "forward", layer, loss, grad, last_norm, last_step, t)
    names = trainer.layer_names
    bad = [j for j in range(len(names)) if not np.isfinite(layers[0, j])]
    # Backpropagation runs from the loss to the input: the overflow starts nearest the loss.
    layer = names[bad[-1]] if bad else None
    return Divergence(step, "backward", layer, loss, grad, last_norm, last_step)


@torch.no_grad()
def _forward_overflow(trainer, step: int) -> tuple[str | None, int | None]:
    """Replay the failing step's forward pass and find the first non-finite output."""
    model = trainer.model
    batch = trainer.task.sample(step - 1)  # history numbers steps from 1
    if hasattr(model, "hidden"):  # MLP: check after each layer's activation
        x = batch.x
        for name, layer in zip(model.layer_names(), [*model.hidden, model.head], strict=True):
            x = layer(x) if layer is model.head else model.act(layer(x))
            if not torch.isfinite(x).all():
                return name, None
        return "the loss (outputs too large to square in float32)", None
    out, _ = model.rnn(batch.x)  # (B, T, H)
    finite_t = torch.isfinite(out).flatten(start_dim=2).all(dim=2).all(dim=0)  # (T,)
    if not finite_t.all():
        return model.layer_names()[1], int((~finite_t).nonzero()[0, 0])
    return model.layer_names()[-1], None
