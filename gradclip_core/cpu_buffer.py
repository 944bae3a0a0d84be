"""The CPU path's flat weight buffer and its NumPy arithmetic (used by :mod:`.trainer`).

On the CPU the parameters are views of one buffer, so a step's update and weight norms are a
few whole-buffer NumPy operations; these helpers build that buffer, square it without float32
overflow when weights or updates are huge, and reproduce torch's clipping factor bit for bit.
"""

from __future__ import annotations

import numpy as np
import torch

from .clipping import _TORCH_EPS

# Below this, weights and updates square safely in float32 (max 3.4e38): an update is at
# most about 100 * lr * |g| (lr <= 10; momentum 0.99 sums up to 100 gradients), and
# 1e14 * 1000 = 1e17 < 1.8e19, the largest float32 whose square is finite.
_SQUARE_SAFE = 1e14


def _exact_squares(w: np.ndarray, prev: np.ndarray, offsets: np.ndarray):
    """Per-parameter sums of squares of the update and the weights, in float64 (no overflow)."""
    w64 = w.astype(np.float64)
    update = np.square(w64 - prev)  # prev is promoted: float64 throughout
    return np.add.reduceat(update, offsets), np.add.reduceat(np.square(w64), offsets)


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
