"""The CPU path's flat weight buffer and its arithmetic (used by :mod:`.trainer`).

On the CPU the parameters are views of one buffer, so a step's update and weight norms are a
few whole-buffer operations (:class:`CpuMeter`), squared without float32 overflow when weights
or updates are huge; :func:`_torch_norm_factor` reproduces torch's clipping factor bit for bit.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .clipping import _TORCH_EPS

# Below this, weights and updates square safely in float32 (max 3.4e38): an update is at
# most about 100 * lr * |g| (lr <= 10; momentum 0.99 sums up to 100 gradients), and
# 1e14 * 1000 = 1e17 < 1.8e19, the largest float32 whose square is finite.
_SQUARE_SAFE = 1e14
# Plain SGD keeps the weights after each step in a ring, squared when full: at most this many
# rows, and about this many float64 in all (1 MiB). A ring of 1.7 MB cost more than it saved:
# each step's copy went to memory out of the caches.
_RING_ROWS, _RING_FLOATS = 16, 1 << 17


class CpuMeter:
    """Measures a CPU step's update and weights, per parameter, on one flat buffer.

    The parameters become views of row 1 of a ``(2, N)`` buffer; row 0 is scratch beside
    them. :meth:`before_step` copies the weights into it, :meth:`squares` turns it into the
    update and sums the squares of both rows over each parameter's run. Timed inside a training
    step, the number of calls matters more than the passes over memory: four calls here (one
    BLAS dot product per tensor cost twice as much; ``torch.segment_reduce`` more still).

    With ``update_from_grads`` (plain SGD, whose update is ``-lr * g``) the update's norms
    follow from the gradients, and the weights after each step are only copied, by torch, into
    a ring of rows; they are squared in float64 a block of steps at a time (:meth:`fill`, at
    read-back, or when the ring is full). Inside a training step one NumPy call cost 10-20 us
    more than alone (its code cold after torch's), so most steps make none; a torch copy into a
    ring that stays in the caches costs about 5 us (``bench/step_overhead.py``).
    """

    def __init__(self, params: list[torch.Tensor], *, update_from_grads: bool = False):
        self.params = params
        # Plain SGD: the update is -lr * g, so its norms follow from the gradients (the
        # trainer derives them at read-back) and only the weights are measured here.
        self.update_from_grads = update_from_grads
        # Once a gradient or a weight has been past _SQUARE_SAFE, norms are squared in float64
        # for the rest of the run (momentum keeps a huge gradient in the updates for a while).
        self.huge = False
        self._flatten()
        n = len(self._flat_np)
        # Plain SGD: the weights after each step not yet squared, one float64 row a step: about
        # 1 MiB (9 rows for the default MLP, 16 at most), or one row, squared every step, for
        # a model past 131,072 weights (where a step costs far more than a NumPy call).
        rows = max(1, min(_RING_ROWS, _RING_FLOATS // n)) if update_from_grads else 0
        self._ring = torch.empty((rows, n), dtype=torch.float64)  # filled by torch's copy
        self._in_ring = 0
        self._squared: list[np.ndarray] = []  # blocks of weight squares (rows, P), oldest first

    def _flatten(self) -> None:
        pair = _flatten_(self.params)  # (2, N): row 1 the weights
        self._prev_t, self._flat_t = pair.unbind()
        self._pair_np = pair.numpy().reshape(-1)  # zero-copy, both rows
        self._prev_np, self._flat_np = pair.numpy()  # the weights before a step, then the update
        # scratch: both rows squared (plain SGD squares its ring in place instead)
        self._sq_np = np.empty(0 if self.update_from_grads else self._pair_np.shape, np.float32)
        starts = np.cumsum([0] + [p.numel() for p in self.params[:-1]])
        self._offsets = starts  # each parameter's start in a row
        self._pair_offsets = np.concatenate([starts, len(self._flat_np) + starts])  # both rows
        self._ptrs = [p.data_ptr() for p in self.params]
        self._nans = [math.nan] * (2 * len(self.params))

    def before_step(self) -> None:
        """Keep the weights before the optimizer step."""
        if [p.data_ptr() for p in self.params] != self._ptrs:
            self._flatten()  # the views were broken (a deep copy, ``p.data = ...``): rebuild
        if self.update_from_grads:
            return
        # Copy and subtract are torch's: its code is hot in the caches after the backward
        # pass, where a NumPy call pays several microseconds on its first use in a step.
        self._prev_t.copy_(self._flat_t)

    def squares(self, grad_norm: float) -> list[float]:
        """After the step: per-parameter sums of squares ``(2P,)``, the update's, the weights'.

        With ``update_from_grads`` both are nan here, for :meth:`fill` to fill in at read-back:
        the weights are kept in the ring."""
        if self.update_from_grads:
            i = self._in_ring
            if i == len(self._ring):
                self._square_ring()
                i = 0
            self._ring[i].copy_(self._flat_t)
            self._in_ring = i + 1
            return self._nans
        w, prev = self._flat_np, self._prev_np
        self.huge = self.huge or grad_norm > _SQUARE_SAFE
        if self.huge:
            # A float32 square overflows past 1.8e19: weights or updates that may be that
            # large are squared in float64, from the weights before the step.
            w64 = w.astype(np.float64)
            update = np.square(w64 - prev)  # prev is promoted: float64 throughout
            parts = (update, np.square(w64))
        else:
            torch.sub(self._flat_t, self._prev_t, out=self._prev_t)  # the update, in row 0
            with np.errstate(over="ignore"):  # weights made huge from outside: caught below
                sums = np.add.reduceat(
                    np.square(self._pair_np, out=self._sq_np), self._pair_offsets
                )
            squares = sums.tolist()  # Python floats: cheaper to test than another NumPy call
            if max(squares) < _SQUARE_SAFE**2:  # False for nan too
                return squares
            self.huge = True  # huge, inf or nan: in float64, this step and the rest of the run
            parts = (np.square(prev.astype(np.float64)), np.square(w.astype(np.float64)))
        return [x for part in parts for x in np.add.reduceat(part, self._offsets).tolist()]

    def fill(self, head: np.ndarray, norms_after: np.ndarray, lr: np.ndarray) -> None:
        """With ``update_from_grads``: the sums of squares in ``head[:, 4:4 + 2P]`` (rows: loss,
        norm before, threshold, cosine, squares), the update's from each step's learning rate
        ``lr (k,)`` and clipped gradient norms ``norms_after (k, P)``, the weights' from the
        ring; else nothing to do. ``head`` holds the ``k`` steps since the last call.

        Plain SGD moves each weight by -lr * g: the update's norms are lr times the clipped
        gradient's, as the optimizer computes them (before the weights round them to
        float32). A step skipped for a non-finite loss or norm moved nothing.
        """
        if not self.update_from_grads:
            return
        n_p = len(self.params)
        moved = np.isfinite(head[:, 0]) & np.isfinite(head[:, 1])
        with np.errstate(invalid="ignore", over="ignore"):
            update = lr[:, None] * norms_after.astype(np.float64)  # (k, P)
        head[:, 4 : 4 + n_p] = np.where(moved[:, None], np.square(update), 0.0)
        self._square_ring()
        weights = np.concatenate(self._squared) if self._squared else np.empty((0, n_p))
        self._squared = []
        if len(weights) != len(head):
            raise RuntimeError(f"{len(head)} steps to fill, {len(weights)} weights kept")
        head[:, 4 + n_p : 4 + 2 * n_p] = weights

    def _square_ring(self) -> None:
        """Square the weights kept in the ring, in place and in float64 (finite float32 squares
        stay below 1.2e77: no overflow, no warning), and sum them per parameter; the ring is
        empty after."""
        if self._in_ring:
            kept = self._ring[: self._in_ring].numpy()
            self._squared.append(np.add.reduceat(np.square(kept, out=kept), self._offsets, axis=1))
            self._in_ring = 0


def plain_sgd(optimizer: torch.optim.Optimizer) -> bool:
    """Whether every step is ``w -= lr * g`` (SGD without momentum or weight decay)."""
    return isinstance(optimizer, torch.optim.SGD) and all(
        g["momentum"] == 0 and g["weight_decay"] == 0 and not g["maximize"]
        for g in optimizer.param_groups
    )


def _torch_norm_factor(norm: np.ndarray, max_norm: np.ndarray) -> np.ndarray:
    """``clip_grads_with_norm_``'s factor min(1, max_norm / (norm + 1e-6)), bit for bit.

    Float32, as torch computes it: ``max_norm / t`` on a tensor is ``t.reciprocal() * max_norm``.
    """
    one, eps = np.float32(1.0), np.float32(_TORCH_EPS)
    with np.errstate(all="ignore"):  # inf and nan norms pass through, as in torch
        factor = (one / (norm.astype(np.float32) + eps)) * max_norm.astype(np.float32)
    return np.minimum(factor, one)


def _flatten_(params: list[torch.Tensor]) -> torch.Tensor:
    """Make ``params`` views of one buffer (same values); returns it, ``(2, N)``.

    Row 1 holds the parameters; row 0 is scratch beside them (the trainer keeps the weights
    before a step there, then the update), so both rows are squared and summed in one call.
    """
    n = sum(p.numel() for p in params)
    pair = torch.empty((2, n), dtype=params[0].dtype, device=params[0].device)
    offset = 0
    for p in params:
        view = pair[1, offset : offset + p.numel()]
        view.copy_(p.detach().reshape(-1))
        p.data = view.view_as(p)
        offset += p.numel()
    return pair
