"""A run's step records: columnar NumPy arrays whose memory stays bounded.

When the buffer is full, pairs of rows merge into one, keeping the row with the larger
gradient norm, so spikes and the divergence step survive any run length (the ``step``
column keeps the real step numbers).
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd

SCALARS = (
    "step",  # 1 for the first training step
    "loss",
    "grad_norm",  # total norm before clipping: L2 (max-norm for clip by norm, norm_type inf)
    "clipped_grad_norm",  # the same norm after clipping
    "clip_coef",  # clipped_grad_norm / grad_norm (1 when nothing changed)
    "clipped",  # 1 if clipping changed the gradient
    "update_norm",  # ||delta theta|| of the optimizer step
    "weight_norm",  # ||theta|| after the step
    "update_ratio",  # update_norm / weight_norm
    "cosine",  # cos(raw gradient, clipped gradient)
    "threshold",  # the threshold in force (AutoClip: the percentile it resolved to)
    "lr",
    "spectral_radius",  # of the recurrent matrix (vanilla RNN), else nan
)
LAYER_STATS = ("grad_norm", "clipped_grad_norm", "update_ratio")


class History:
    """Step records of one run.

    Args:
        layer_names: names of the model's layers, input to output.
        modes: the clipping mode names, indexed by the ``mode`` codes appended.
        capacity: rows kept before pairs start to merge (memory is O(capacity)).
    """

    def __init__(self, layer_names: list[str], modes: tuple[str, ...], capacity: int = 20_000):
        self.layer_names = list(layer_names)
        self.modes = modes
        self.capacity = max(2, capacity)
        self._scalars = np.full((self.capacity, len(SCALARS)), np.nan)
        self._layers = np.full((self.capacity, len(LAYER_STATS), len(layer_names)), np.nan)
        self._mode = np.zeros(self.capacity, dtype=np.int8)
        self.n = 0

    def __len__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        last = f", last step {int(self._scalars[self.n - 1, 0])}" if self.n else ""
        return f"History({self.n} rows, {len(self.layer_names)} layers{last})"

    def append(self, scalars: np.ndarray, layers: np.ndarray, modes: np.ndarray) -> None:
        """Add rows: ``scalars`` (k, len(SCALARS)), ``layers`` (k, 3, L), ``modes`` (k,)."""
        for start in range(0, len(scalars), self.capacity // 2):
            chunk = slice(start, start + self.capacity // 2)
            k = len(scalars[chunk])
            if self.n + k > self.capacity:
                self._merge_pairs()
            rows = slice(self.n, self.n + k)
            self._scalars[rows] = scalars[chunk]
            self._layers[rows] = layers[chunk]
            self._mode[rows] = modes[chunk]
            self.n += k

    def _merge_pairs(self) -> None:
        n = self.n - self.n % 2
        g = self._scalars[:n, SCALARS.index("grad_norm")].reshape(-1, 2)
        # Keep the larger norm of each pair; a nan/inf row (divergence) always wins.
        score = np.where(np.isfinite(g), g, np.inf)
        keep = np.arange(0, n, 2) + (score[:, 1] > score[:, 0])
        m = len(keep)
        self._scalars[:m] = self._scalars[keep]
        self._layers[:m] = self._layers[keep]
        self._mode[:m] = self._mode[keep]
        if self.n % 2:
            self._scalars[m] = self._scalars[self.n - 1]
            self._layers[m] = self._layers[self.n - 1]
            self._mode[m] = self._mode[self.n - 1]
            m += 1
        self.n = m

    def until(self, step: float) -> History:
        """The rows up to and including ``step``: a view sharing this history's memory.

        For replaying a stopped run step by step; draw from it before training goes on
        (appending may merge rows in place).
        """
        view = copy.copy(self)
        view.n = int(np.searchsorted(self.column("step"), step, side="right"))
        return view

    def column(self, name: str) -> np.ndarray:
        """A scalar column (a view, oldest row first)."""
        return self._scalars[: self.n, SCALARS.index(name)]

    def layer_matrix(self, stat: str) -> np.ndarray:
        """``(rows, layers)`` for one of ``grad_norm, clipped_grad_norm, update_ratio``."""
        return self._layers[: self.n, LAYER_STATS.index(stat)]

    def mode_names(self) -> np.ndarray:
        return np.asarray(self.modes, dtype=object)[self._mode[: self.n]]

    def to_frame(self) -> pd.DataFrame:
        """Every column, per-layer ones named like ``grad_norm[readout]``."""
        data = {name: self.column(name).copy() for name in SCALARS}
        data["step"] = data["step"].astype(np.int64)
        data["clipped"] = data["clipped"] > 0.5
        data["mode"] = self.mode_names()
        for s, stat in enumerate(LAYER_STATS):
            for j, layer in enumerate(self.layer_names):
                data[f"{stat}[{layer}]"] = self._layers[: self.n, s, j].copy()
        return pd.DataFrame(data)
