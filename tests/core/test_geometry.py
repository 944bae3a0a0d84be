"""The geometry of clipping: torch's own functions are the answer key, AGC its formula."""

from __future__ import annotations

import math

import pytest
import torch
from torch.nn.utils import clip_grad_norm_, clip_grad_value_

from gradclip_core.clipping import AGC_EPS
from gradclip_core.geometry import (
    angle_between,
    clip_2d,
    clip_agc_2d,
    clip_norm_2d,
    clip_value_2d,
    run_geometry,
    snapshot,
)
from gradclip_core.trainer import Trainer


def _vectors(n: int = 300, seed: int = 0) -> list[tuple[torch.Tensor, float]]:
    """Random 2-D gradients over six orders of magnitude, each with a random threshold."""
    gen = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n):
        scale = 10 ** (6 * torch.rand((), generator=gen).item() - 3)
        g = scale * torch.randn(2, generator=gen)
        threshold = 10 ** (4 * torch.rand((), generator=gen).item() - 2)
        out.append((g, threshold))
    return out


def _torch_key(g: torch.Tensor, clip) -> torch.Tensor:
    p = torch.zeros(2, requires_grad=True)
    p.grad = g.clone()
    clip([p])
    return p.grad


def test_norm_clip_is_torchs_clip_grad_norm_bit_for_bit():
    for g, c in _vectors():
        result = clip_norm_2d(g, c)
        key = _torch_key(g, lambda ps, c=c: clip_grad_norm_(ps, c))
        assert result.clipped == (key[0].item(), key[1].item()), (g, c)
        assert result.raw == (g[0].item(), g[1].item())
        # torch's factor, with its 1e-6: min(1, c / (||g|| + 1e-6)) in float32.
        norm = torch.linalg.vector_norm(g).item()
        assert result.factor == pytest.approx(min(1.0, c / (norm + 1e-6)), rel=1e-6)
        assert result.was_clipped == (norm + 1e-6 > c)


def test_value_clip_is_torchs_clip_grad_value_bit_for_bit():
    for g, c in _vectors(seed=1):
        result = clip_value_2d(g, c)
        key = _torch_key(g, lambda ps, c=c: clip_grad_value_(ps, c))
        assert result.clipped == (key[0].item(), key[1].item()), (g, c)
        c32 = torch.tensor(c).item()  # the threshold as float32 holds it
        assert max(abs(x) for x in result.clipped) <= c32


def test_norm_keeps_the_direction_for_every_vector():
    for g, c in _vectors(seed=2):
        result = clip_norm_2d(g, c)
        assert result.angle < 1e-3, result  # degrees: zero up to float32 rounding
        assert result.cosine == pytest.approx(1.0, abs=1e-9)


def test_norm_leaves_a_gradient_inside_the_circle_unchanged():
    result = clip_norm_2d((0.3, 0.4), 1.0)
    assert not result.was_clipped
    assert result.factor == 1.0
    assert result.angle == 0.0


def test_value_turns_a_vector_with_unequal_components_above_the_threshold():
    result = clip_value_2d((3.0, 1.0), 1.0)
    assert result.clipped == (1.0, 1.0)
    assert result.angle == pytest.approx(45.0 - math.degrees(math.atan2(1, 3)), abs=1e-4)
    assert result.cosine == pytest.approx(4 / math.sqrt(10 * 2), abs=1e-6)


def test_value_keeps_the_direction_when_both_entries_are_cut_alike():
    assert clip_value_2d((3.0, -3.0), 1.0).angle < 1e-6
    assert clip_value_2d((5.0, 0.0), 1.0).angle == 0.0


@pytest.mark.parametrize("seed", range(40))
def test_agc_matches_its_formula(seed):
    gen = torch.Generator().manual_seed(seed)
    g = torch.randn(2, generator=gen) * 10 ** (2 * torch.rand((), generator=gen).item() - 1)
    w = torch.randn(2, generator=gen) * 10 ** (3 * torch.rand((), generator=gen).item() - 2)
    lam = 10 ** (2 * torch.rand((), generator=gen).item() - 2)
    result = clip_agc_2d(g, w, lam)
    g_norm, w_norm = g.norm().item(), w.norm().item()
    ratio = g_norm / max(w_norm, AGC_EPS)
    expected = g * (lam * max(w_norm, AGC_EPS) / g_norm) if ratio >= lam else g
    assert result.ratio == pytest.approx(ratio, rel=1e-6)
    assert result.weight_norm == pytest.approx(w_norm, rel=1e-6)
    assert result.clipped == pytest.approx(tuple(expected.tolist()), rel=1e-5)
    assert result.limit == pytest.approx(lam * max(w_norm, AGC_EPS), rel=1e-6)
    assert result.angle < 1e-3  # one factor per unit: the direction is kept


def test_agc_floors_a_zero_weight_norm_at_eps():
    result = clip_agc_2d((3.0, 4.0), (0.0, 0.0), 0.1)
    assert result.ratio == pytest.approx(5.0 / AGC_EPS)
    assert result.clipped_norm == pytest.approx(0.1 * AGC_EPS, rel=1e-5)


def test_zero_gradient_has_no_angle_and_unknown_modes_say_what_to_use():
    result = clip_2d("value", (0.0, 0.0), 1.0)
    assert math.isnan(result.angle) and not result.was_clipped
    with pytest.raises(ValueError, match="weight="):
        clip_2d("agc", (1.0, 1.0), 0.1)
    with pytest.raises(ValueError, match="use one of"):
        clip_2d("autoclip", (1.0, 1.0), 0.1)


def test_angle_between_is_accurate_near_zero_and_symmetric():
    a = torch.tensor([1.0, 1e-9], dtype=torch.float64)
    b = torch.tensor([1.0, 0.0], dtype=torch.float64)
    assert angle_between(a, b)[1] == pytest.approx(math.degrees(1e-9), rel=1e-6)
    cos, deg = angle_between(torch.tensor([1.0, 0.0]), torch.tensor([-1.0, 0.0]))
    assert cos == -1.0 and deg == pytest.approx(180.0)


# ---- a real gradient ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "mode, threshold", [("norm", 0.5), ("value", 0.01), ("agc", 0.01), ("layer-norm", 0.1)]
)
def test_run_geometry_is_the_next_steps_clipping_and_leaves_the_run_alone(
    small_config, mode, threshold
):
    trainer = Trainer(small_config(clip_mode=mode, threshold=threshold)).run(3)
    weights = [p.detach().clone() for p in trainer.params]
    grads = [p.grad.clone() for p in trainer.params]
    geo = run_geometry(snapshot(trainer))
    assert trainer.steps_done == 3
    assert all(torch.equal(a, p) for a, p in zip(weights, trainer.params, strict=True))
    assert all(torch.equal(a, p.grad) for a, p in zip(grads, trainer.params, strict=True))
    assert geo.step == 4 and geo.size == sum(p.numel() for p in trainer.params)
    assert -1.0 <= geo.cosine <= 1.0
    # The answer key: the run's own next step measures the same gradient and cosine.
    trainer.step()
    history = trainer.history
    assert geo.raw_norm == pytest.approx(history.column("grad_norm")[-1], rel=1e-5)
    assert geo.clipped_norm == pytest.approx(history.column("clipped_grad_norm")[-1], rel=1e-4)
    assert geo.cosine == pytest.approx(history.column("cosine")[-1], abs=1e-5)
    if mode == "norm":
        assert geo.angle < 0.01
    if mode == "value":
        assert geo.angle > 1.0  # a real gradient's entries are clamped unequally


def test_run_geometry_projects_onto_the_two_largest_entries(small_config):
    trainer = Trainer(small_config(clip_mode="value", threshold=0.01)).run(2)
    snap = snapshot(trainer)
    geo = run_geometry(snap)
    snap.model.zero_grad()
    snap.loss(snap.model(snap.batch.x), snap.batch).backward()
    raw = torch.cat([p.grad.reshape(-1) for p in snap.model.parameters()])
    top = torch.topk(raw.abs(), 2).indices.tolist()
    assert list(geo.coords) == top
    assert geo.raw2 == (raw[top[0]].item(), raw[top[1]].item())
    assert all(abs(x) <= 0.01 for x in geo.clipped2)
    assert all("[" in name for name in geo.coord_names)
    assert "RunGeometry(step 3" in repr(geo)
