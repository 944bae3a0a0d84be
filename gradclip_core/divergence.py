"""Explaining a run that diverged: what overflowed, where, and how big it really was.

A diverging run is a lesson, not a crash (lesson 02). The trainer calls :func:`diagnose`
when a step's loss or gradient norm is non-finite; the weights are still those the failing
step started from, so its batch can be replayed to tell three cases apart:

- ``"forward"``: the forward pass overflowed and the loss is inf or nan;
- ``"gradient"``: the loss is finite, but the backward pass made an inf or nan entry;
- ``"norm"``: every gradient entry is finite, but the float32 norm overflowed (the sum of
  squares passed 3.4e38). Its true size is measured in float64, without overflow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .history import SCALARS

FLOAT32_MAX = float(torch.finfo(torch.float32).max)
CAUSES = ("forward", "gradient", "norm")


@dataclass(frozen=True)
class Divergence:
    """Why and where a run stopped.

    Attributes:
        step: the step whose loss or gradient was non-finite (steps are numbered from 1).
        where: ``"forward"`` (the loss overflowed) or ``"backward"`` (the gradient did).
        layer: forward: the first layer whose output overflowed; ``"gradient"``: the layer
            with a non-finite entry nearest the loss; ``"norm"``: the layer holding the
            largest part of the true norm. ``None`` if it could not be pinned down.
        loss: the loss at that step (may be nan or inf).
        grad_norm: the total gradient norm torch reports at that step (inf or nan).
        last_finite_norm: the last finite total gradient norm, and its step.
        time_step: for a recurrent forward overflow, the first time step that overflowed.
        cause: one of :data:`CAUSES` (see the module docstring).
        true_norm: for ``"norm"``, the gradient's L2 norm computed in float64.
        max_abs_grad: for ``"norm"``, the largest absolute gradient entry.
    """

    step: int
    where: str
    layer: str | None
    loss: float
    grad_norm: float
    last_finite_norm: float | None
    last_finite_step: int | None
    time_step: int | None = None
    cause: str = "gradient"
    true_norm: float | None = None
    max_abs_grad: float | None = None

    @property
    def reason(self) -> str:
        """One plain sentence for the CLI and the app's callout."""
        place = f" in {self.layer}" if self.layer else ""
        if self.time_step is not None:
            place += f" at time step {self.time_step}"
        if self.cause == "forward":
            what = f"the forward pass overflowed{place} and the loss became {_fmt(self.loss)}"
        elif self.cause == "norm":
            what = (
                f"every gradient entry was finite (the largest {_fmt(self.max_abs_grad)}), but "
                f"the float32 norm overflowed to inf (true norm {_fmt(self.true_norm)}, the "
                f"largest part{place})"
            )
        else:
            what = f"the gradient had inf or nan entries{place} (total norm {_fmt(self.grad_norm)})"
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
        return Divergence(step, "forward", layer, loss, grad, last_norm, last_step, t, "forward")
    names = trainer.layer_names
    replay = _replay_backward(trainer, step)
    if replay is not None:
        finite, sq, largest = replay
        if finite.all():
            # Every entry fits: the norm overflowed. Name the layer holding the largest part.
            true = float(np.sqrt(sq.sum()))
            layer = names[int(np.argmax(sq))]
            return Divergence(
                step,
                "backward",
                layer,
                loss,
                grad,
                last_norm,
                last_step,
                cause="norm",
                true_norm=true,
                max_abs_grad=largest,
            )
        bad = np.flatnonzero(~finite)
    else:  # the replay did not reproduce the step: fall back on the recorded layer norms
        bad = [j for j in range(len(names)) if not np.isfinite(layers[0, j])]
    # Backpropagation runs from the loss to the input: the overflow starts nearest the loss.
    layer = names[bad[-1]] if len(bad) else None
    return Divergence(step, "backward", layer, loss, grad, last_norm, last_step)


def _replay_backward(trainer, step: int) -> tuple[np.ndarray, np.ndarray, float] | None:
    """Run the failing step's forward and backward again, and measure its gradient safely.

    Returns:
        Per layer: whether every entry is finite ``(L,)`` and the sum of squares in float64
        ``(L,)`` (no overflow: a float32 squared fits a float64); and the largest absolute
        entry. ``None`` if the replayed norm is finite (the step did not reproduce).
        The parameters' ``.grad`` are left as they were.
    """
    params = trainer.params
    saved = [p.grad for p in params]
    try:
        for p in params:
            p.grad = None
        batch = trainer.task.sample(step - 1)  # history numbers steps from 1
        with torch.enable_grad():
            trainer.task.loss(trainer.model(batch.x), batch).backward()
        grads = [torch.zeros_like(p) if p.grad is None else p.grad.detach() for p in params]
        if math.isfinite(float(torch.nn.utils.get_total_norm(grads))):
            return None
        # float64 on the CPU (MPS has no float64): one read-back, once per run.
        grads64 = [g.cpu().double() for g in grads]
    finally:
        for p, g in zip(params, saved, strict=True):
            p.grad = g
    n_layers = len(trainer.layer_names)
    finite, sq, largest = np.ones(n_layers, bool), np.zeros(n_layers), 0.0
    for j, g in zip(trainer.model.layer_of_parameters(), grads64, strict=True):
        ok = bool(torch.isfinite(g).all())
        finite[j] &= ok
        if ok:
            sq[j] += float(g.square().sum())
            largest = max(largest, float(g.abs().max()))
    return finite, sq, largest


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
