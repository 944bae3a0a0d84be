"""Every clipping mode against its answer key: torch itself, timm's AGC, AutoClip's paper."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.nn.utils import clip_grad_norm_, clip_grad_value_

from gradclip_core.clipping import DEFAULT_THRESHOLDS, NormHistory, clip_gradients

MODES = tuple(DEFAULT_THRESHOLDS)


def grads_of(params):
    return [p.grad for p in params]


def assert_same_bits(ours, theirs):
    for a, b in zip(grads_of(ours), grads_of(theirs), strict=True):
        assert torch.equal(a, b), (a - b).abs().max()


# ---- norm: torch's clip_grad_norm_, to the bit ---------------------------------------------
@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n_tensors=st.integers(1, 6),
    log_scale=st.floats(-4.0, 12.0),
    log_threshold=st.floats(-3.0, 13.0),
    norm_type=st.sampled_from([2.0, math.inf]),
)
def test_norm_mode_equals_clip_grad_norm_to_the_bit(
    make_params, clone_params, seed, n_tensors, log_scale, log_threshold, norm_type
):
    shapes = tuple((3 + i, 2 + i % 3) if i % 2 == 0 else (5 + i,) for i in range(n_tensors))
    ours = make_params(seed, shapes, grad_scale=10.0**log_scale)
    theirs = clone_params(ours)
    raw = [g.clone() for g in grads_of(ours)]
    threshold = 10.0**log_threshold

    record = clip_gradients(ours, "norm", threshold, norm_type=norm_type)
    total = clip_grad_norm_(theirs, threshold, norm_type=norm_type)

    assert torch.equal(record.norm_before, total)  # the number torch reports
    assert_same_bits(ours, theirs)  # and every clipped gradient
    changed = any(not torch.equal(r, g) for r, g in zip(raw, grads_of(ours), strict=True))
    assert bool(record.clipped) == changed


def test_norm_mode_clips_to_the_threshold_and_keeps_the_direction(params):
    raw = [g.clone() for g in grads_of(params)]
    record = clip_gradients(params, "norm", 0.5)
    assert bool(record.clipped)
    assert float(record.norm_before) > 0.5
    assert float(record.norm_after) == pytest.approx(0.5, rel=1e-5)
    assert float(record.cosine) == 1.0
    assert float(record.clip_coef) == pytest.approx(0.5 / float(record.norm_before), rel=1e-5)
    for r, g in zip(raw, grads_of(params), strict=True):  # one factor for every tensor
        assert torch.allclose(g, r * float(record.clip_coef), rtol=1e-5)
    assert record.derived_after  # per-tensor norms after: from torch's factor, when read
    after = torch.stack([g.norm() for g in grads_of(params)])
    assert torch.allclose(record.param_norms_after, after, rtol=1e-5)


def test_norm_mode_under_the_threshold_changes_nothing(params):
    raw = [g.clone() for g in grads_of(params)]
    record = clip_gradients(params, "norm", 1e6)
    assert not bool(record.clipped)
    assert torch.equal(record.norm_after, record.norm_before)
    assert float(record.clip_coef) == 1.0
    assert all(torch.equal(r, g) for r, g in zip(raw, grads_of(params), strict=True))


def test_max_norm_clips_the_largest_element_to_the_threshold(params, make_params):
    record = clip_gradients(params, "norm", 0.3, norm_type=math.inf)
    assert float(record.norm_before) == max(float(g.abs().max()) for g in grads_of(make_params()))
    assert max(float(g.abs().max()) for g in grads_of(params)) == pytest.approx(0.3, rel=1e-5)
    # The coefficient is a ratio of L2 norms, so it is the factor applied (not L2 over max).
    assert float(record.clip_coef) == pytest.approx(0.3 / float(record.norm_before), rel=1e-5)


# ---- value: torch's clip_grad_value_ -------------------------------------------------------
def test_value_mode_equals_clip_grad_value_and_turns_the_gradient(params, clone_params):
    theirs = clone_params(params)
    raw = torch.cat([g.flatten() for g in grads_of(params)])
    record = clip_gradients(params, "value", 0.5)
    clip_grad_value_(theirs, 0.5)
    assert_same_bits(params, theirs)
    clipped = torch.cat([g.flatten() for g in grads_of(params)])
    assert (raw.abs() > 0.5).any() and (raw.abs() < 0.5).any()  # some clamped, some not
    assert bool(record.clipped)
    expected = torch.nn.functional.cosine_similarity(raw, clipped, dim=0)
    assert float(record.cosine) == pytest.approx(float(expected), rel=1e-5)
    assert float(record.cosine) < 0.999
    assert float(record.norm_after) == pytest.approx(float(clipped.norm()), rel=1e-5)


def test_value_mode_above_every_element_keeps_cosine_one(params):
    record = clip_gradients(params, "value", 100.0)
    assert not bool(record.clipped)
    assert float(record.cosine) == pytest.approx(1.0, abs=1e-6)


# ---- layer-norm: the norm rule on each tensor by itself ------------------------------------
@pytest.mark.parametrize("threshold", [0.05, 0.8, 3.0])
def test_layer_norm_clips_each_tensor_on_its_own(threshold, make_params, clone_params):
    ours = make_params(3, grad_scale=0.5)
    theirs = clone_params(ours)
    record = clip_gradients(ours, "layer-norm", threshold)
    for p in theirs:
        clip_grad_norm_([p], threshold)
    assert_same_bits(ours, theirs)  # torch's rule, tensor by tensor
    for g in grads_of(ours):
        assert float(g.norm()) <= threshold * (1 + 1e-5)
    per_after = torch.stack([g.norm() for g in grads_of(ours)])
    assert torch.allclose(record.param_norms_after, per_after, rtol=1e-5)
    flat = torch.cat([g.flatten() for g in grads_of(ours)])
    raw = torch.cat([g.flatten() for g in grads_of(make_params(3, grad_scale=0.5))])
    expected = torch.nn.functional.cosine_similarity(raw, flat, dim=0)
    assert float(record.cosine) == pytest.approx(float(expected), rel=1e-5)


# ---- AGC: timm's adaptive_clip_grad is the answer key --------------------------------------
def timm_unitwise_norm(x, norm_type=2.0):
    # timm/utils/agc.py (Apache-2.0), copied as the reference.
    if x.ndim <= 1:
        return x.norm(norm_type)
    return x.norm(norm_type, dim=tuple(range(1, x.ndim)), keepdim=True)


def timm_adaptive_clip_grad(parameters, clip_factor=0.01, eps=1e-3, norm_type=2.0):
    # timm/utils/agc.py: Brock et al. 2021, "High-Performance Large-Scale Image Recognition
    # Without Normalization", unit-wise gradient clipping.
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    for p in parameters:
        if p.grad is None:
            continue
        p_data = p.detach()
        g_data = p.grad.detach()
        max_norm = timm_unitwise_norm(p_data, norm_type=norm_type).clamp_(min=eps).mul_(clip_factor)
        grad_norm = timm_unitwise_norm(g_data, norm_type=norm_type)
        clipped_grad = g_data * (max_norm / grad_norm.clamp(min=1e-6))
        new_grads = torch.where(grad_norm < max_norm, g_data, clipped_grad)
        p.grad.detach().copy_(new_grads)


@pytest.mark.parametrize("clip_factor", [0.001, 0.01, 0.1, 1.0])
def test_agc_equals_timm(clip_factor, make_params, clone_params):
    shapes = ((6, 4), (6,), (4, 3, 2, 2), (2, 6))  # linear, bias, conv kernel, readout
    ours = make_params(5, shapes, grad_scale=0.3, weight_scale=0.2)
    ours[1].data.zero_()  # a zero bias: eps sets its limit
    theirs = clone_params(ours)
    record = clip_gradients(ours, "agc", clip_factor)
    timm_adaptive_clip_grad(theirs, clip_factor, eps=1e-3)
    assert_same_bits(ours, theirs)
    assert float(record.threshold) == pytest.approx(clip_factor)


def test_agc_default_is_timms_clip_factor(params, clone_params):
    theirs = clone_params(params)
    clip_gradients(params, "agc")
    timm_adaptive_clip_grad(theirs)
    assert_same_bits(params, theirs)


# ---- AutoClip: percentile of this run's norm history, then clip by norm ----------------------
@pytest.mark.parametrize("percentile", [10.0, 50.0, 90.0])
def test_autoclip_clips_at_the_percentile_of_the_norms_seen_so_far(
    percentile, make_params, clone_params
):
    history, seen = NormHistory(), []
    for step, scale in enumerate([1.0, 5.0, 0.2, 30.0, 2.0, 0.7, 8.0]):
        ours = make_params(step, grad_scale=scale)
        theirs = clone_params(ours)
        record = clip_gradients(ours, "autoclip", percentile, history=history)
        # Seetharaman et al. 2020: append the current norm, clip at the percentile.
        seen.append(float(torch.stack([g.norm() for g in grads_of(theirs)]).norm()))
        expected = float(np.percentile(seen, percentile))
        clip_grad_norm_(theirs, expected)
        assert float(record.threshold) == pytest.approx(expected, rel=1e-5)
        for a, b in zip(grads_of(ours), grads_of(theirs), strict=True):
            assert torch.allclose(a, b, rtol=1e-5, atol=1e-12)
    assert history.count == 7


def test_autoclip_history_skips_non_finite_norms():
    history = NormHistory()
    for value in (1.0, math.inf, 3.0, math.nan):
        history.append(torch.tensor(value))
    assert float(history.percentile(50.0)) == pytest.approx(2.0)


# ---- every mode: defaults, none, non-finite gradients ------------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_threshold_none_means_the_modes_default(mode, make_params):
    a, b = make_params(1), make_params(1)
    ra = clip_gradients(a, mode, None)
    rb = clip_gradients(b, mode, DEFAULT_THRESHOLDS[mode])
    assert_same_bits(a, b)
    assert torch.equal(ra.norm_after, rb.norm_after)


def test_none_measures_only(params, clone_params):
    raw = [g.clone() for g in grads_of(params)]
    record = clip_gradients(params, "none", 0.001)
    assert all(torch.equal(r, g) for r, g in zip(raw, grads_of(params), strict=True))
    assert not bool(record.clipped)
    assert math.isnan(float(record.threshold))  # no threshold in force, whatever was passed
    assert torch.equal(record.norm_before, clip_grad_norm_(clone_params(params), 1e9))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("bad", [math.inf, math.nan])
def test_non_finite_gradient_is_reported_not_raised(mode, bad, params):
    params[2].grad[0, 1] = bad
    record = clip_gradients(params, mode, 0.5)
    before = float(record.norm_before)
    assert not math.isfinite(before)
    assert math.isnan(before) if math.isnan(bad) else math.isinf(before)
    assert not bool(record.clipped)
    assert "ClipRecord" in repr(record)


def test_unknown_mode_names_the_modes(params):
    with pytest.raises(ValueError, match="use one of .*'agc'"):
        clip_gradients(params, "clip-harder", 1.0)


def test_a_single_tensor_and_tensors_without_gradients(make_params, clone_params):
    p = make_params(2)
    frozen = torch.zeros(3, requires_grad=True)  # no .grad: skipped, as torch does
    theirs = clone_params(p)
    record = clip_gradients([*p, frozen], "norm", 0.1)
    clip_grad_norm_(theirs, 0.1)
    assert_same_bits(p, theirs)
    assert record.param_norms_before.shape == (len(p),)
    assert frozen.grad is None
    single = make_params(4, ((5, 5),))[0]
    assert bool(clip_gradients(single, "norm", 0.01).clipped)
    assert float(single.grad.norm()) == pytest.approx(0.01, rel=1e-4)
    empty = clip_gradients([frozen], "norm", 1.0)
    assert float(empty.norm_before) == 0.0 and not bool(empty.clipped)
