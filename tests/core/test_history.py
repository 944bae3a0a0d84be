"""The step history: columnar, bounded memory, spikes and the divergence row survive merging."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gradclip_core.config import CLIP_MODES
from gradclip_core.history import LAYER_STATS, SCALARS, History

GRAD = SCALARS.index("grad_norm")
LAYERS = ["layer 1", "readout"]


def rows(steps: np.ndarray, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Records for ``steps`` with the given gradient norms (other columns: the step number)."""
    scalars = np.repeat(steps[:, None].astype(float), len(SCALARS), axis=1)
    scalars[:, GRAD] = grad
    layers = np.repeat(grad[:, None, None], len(LAYER_STATS), axis=1).repeat(len(LAYERS), axis=2)
    return scalars, layers, (steps % len(CLIP_MODES)).astype(np.int8)


def test_append_and_read_back():
    h = History(LAYERS, tuple(CLIP_MODES), capacity=100)
    h.append(*rows(np.arange(1, 11), np.linspace(1, 10, 10)))
    assert len(h) == 10
    assert h.column("step").tolist() == list(range(1, 11))
    assert h.layer_matrix("grad_norm").shape == (10, 2)
    assert h.mode_names()[:3].tolist() == list(CLIP_MODES[1:4])
    assert "10 rows" in repr(h) and "last step 10" in repr(h)


def test_to_frame_has_every_scalar_per_layer_columns_and_the_mode():
    h = History(LAYERS, tuple(CLIP_MODES), capacity=100)
    h.append(*rows(np.arange(1, 6), np.ones(5)))
    frame = h.to_frame()
    expected = [*SCALARS, "mode"] + [f"{s}[{n}]" for s in LAYER_STATS for n in LAYERS]
    assert list(frame.columns) == expected
    assert frame["step"].dtype == np.int64
    assert frame["clipped"].dtype == bool
    assert len(History(LAYERS, tuple(CLIP_MODES)).to_frame()) == 0


@pytest.mark.parametrize("capacity", [2, 3, 7, 16])
@pytest.mark.parametrize("chunk", [1, 5, 64])
def test_memory_stays_bounded_and_steps_stay_increasing(capacity, chunk):
    rng = np.random.default_rng(capacity * 100 + chunk)
    grad = rng.lognormal(0.0, 2.0, size=500)
    h = History(LAYERS, tuple(CLIP_MODES), capacity=capacity)
    for start in range(0, 500, chunk):
        steps = np.arange(start + 1, min(start + chunk, 500) + 1)
        h.append(*rows(steps, grad[steps - 1]))
        assert len(h) <= capacity
    kept = h.column("step")
    assert np.all(np.diff(kept) > 0)
    # Merging keeps the larger norm of each pair, so the largest spike always survives,
    # and every kept row is still the record of its own step.
    assert grad.max() in h.column("grad_norm")
    np.testing.assert_array_equal(h.column("grad_norm"), grad[kept.astype(int) - 1])
    np.testing.assert_array_equal(h.layer_matrix("update_ratio")[:, 0], h.column("grad_norm"))


@pytest.mark.parametrize("bad", [math.inf, math.nan])
def test_the_divergence_row_survives_any_number_of_merges(bad):
    grad = np.linspace(1.0, 2.0, 300)
    grad[137] = bad
    h = History(LAYERS, tuple(CLIP_MODES), capacity=4)
    for step in range(1, 301):
        h.append(*rows(np.array([step]), grad[step - 1 : step]))
    assert 138 in h.column("step")
    assert len(h) <= 4
