"""What the explain grader's feedback states, run on torch: part 2 of the tests, in the order the
feedback was added (feedback added when tuning on explain_answers_blind18.toml). See
``test_explain_feedback_claims.py``.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
import torch

from tests.content.feedback_bank import said
from tests.content.grads import param_with_grad


# --- feedback added when tuning on explain_answers_blind18.toml -------------------------------
def test_the_api_checker_knows_every_keyword_torch_takes():
    """gradclip_core.quiz.api marks a keyword a call does not take; its lists must be torch's."""
    from gradclip_core.quiz.api import KEYWORDS

    calls = {
        "clip_grad_norm_": torch.nn.utils.clip_grad_norm_,
        "clip_grad_value_": torch.nn.utils.clip_grad_value_,
        "unscale_": torch.amp.GradScaler.unscale_,
        "sgd": torch.optim.SGD,
        "adam": torch.optim.Adam,
        "adamw": torch.optim.AdamW,
    }
    for name, call in calls.items():
        own = set(inspect.signature(call).parameters) - {"self"}
        assert set(KEYWORDS[name]) == own, name


def test_unknown_keywords_raise_and_optimizers_take_no_clipping_argument():
    said(
        "clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, "
        "foreach=None), clip_grad_value_(parameters, clip_value, foreach=None)",
        "AdamW has no max_grad_norm",
        "An unknown keyword raises a TypeError",
    )
    p = param_with_grad([3.0, 4.0])
    with pytest.raises(TypeError):
        torch.optim.AdamW([p], lr=1e-3, max_grad_norm=1.0)
    with pytest.raises(TypeError):
        torch.nn.utils.clip_grad_norm_([p], max_norm=1.0, scaler=None)
    params = inspect.signature(torch.nn.utils.clip_grad_norm_).parameters
    assert params["norm_type"].default == 2.0 and params["error_if_nonfinite"].default is False


def test_optimizers_never_clip_by_themselves():
    said("torch.optim's optimizers never clip by themselves and take no clipping argument")
    p = param_with_grad([30.0, 40.0])  # norm 50
    torch.optim.SGD([p], lr=1.0).step()
    assert torch.equal(p.detach(), torch.tensor([-30.0, -40.0]))  # the whole raw gradient


def test_unscale_and_clip_grad_value_return_none_clip_grad_norm_the_norm_before():
    said(
        "scaler.unscale_(optimizer) and clip_grad_value_ return None",
        "which returns the total norm before clipping",
        "clip_grad_value_ returns None: only clip_grad_norm_ returns something",
        "clip_grad_value_ clamps the .grad tensors in place, like clip_grad_norm_",
        "scaler.unscale_(optimizer) returns None: it divides",
        "scaler.unscale_(optimizer) returns None, and so does clip_grad_value_",
    )
    p = param_with_grad([3.0, 4.0])
    assert torch.nn.utils.clip_grad_value_([p], clip_value=1.0) is None
    assert torch.equal(p.grad, torch.tensor([1.0, 1.0]))  # in place
    q = param_with_grad([3.0, 4.0])
    assert torch.nn.utils.clip_grad_norm_([q], max_norm=1.0).item() == pytest.approx(5.0)
    w = torch.nn.Parameter(torch.tensor([1.0]))
    opt = torch.optim.SGD([w], lr=1.0)
    scaler = torch.amp.GradScaler("cpu")
    scaler.scale(w.sum()).backward()
    assert scaler.unscale_(opt) is None and w.grad.item() == 1.0
    assert "scaler" not in inspect.signature(torch.nn.utils.clip_grad_norm_).parameters


def test_the_default_norm_type_is_2_and_inf_takes_the_largest_entry():
    said("norm_type defaults to 2.0", "norm_type=float('inf') is the one that takes the largest")
    assert inspect.signature(torch.nn.utils.clip_grad_norm_).parameters["norm_type"].default == 2
    p, q = param_with_grad([3.0, -4.0]), param_with_grad([3.0, -4.0])
    assert torch.nn.utils.clip_grad_norm_([p], max_norm=100.0).item() == pytest.approx(5.0)
    assert torch.nn.utils.clip_grad_norm_([q], 100.0, norm_type=math.inf).item() == 4.0


def test_clipping_subtracts_nothing_and_scales_large_and_small_entries_alike():
    said(
        "a gradient (6, 8), of norm 10, with a threshold of 5 becomes (3, 4)",
        "large and small components shrink in the same proportion",
        "((6, 8) with a threshold of 5 becomes (3, 4))",
        "multiplies every entry, large or small, by the same factor max_norm / norm",
    )
    p = param_with_grad([6.0, 8.0, 0.5])
    torch.nn.utils.clip_grad_norm_([p], max_norm=5.0)
    factor = 5.0 / math.sqrt(36 + 64 + 0.25)
    assert torch.allclose(p.grad, torch.tensor([6.0, 8.0, 0.5]) * factor)
    q = param_with_grad([6.0, 8.0])
    torch.nn.utils.clip_grad_norm_([q], max_norm=5.0)
    assert torch.allclose(q.grad, torch.tensor([3.0, 4.0]))


def test_clipping_rescales_all_layers_by_one_factor_after_backward():
    said("backward() first computes every gradient in full, then clip_grad_norm_ takes one norm")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    (model(torch.randn(5, 3)) * 100).sum().backward()
    raw = [p.grad.clone() for p in model.parameters()]
    total = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.1)
    assert total.item() > 0.1
    for before, p in zip(raw, model.parameters(), strict=True):
        assert torch.allclose(p.grad, before * (0.1 / total), rtol=1e-4, atol=1e-7)


def test_clipping_cannot_repair_a_nan_gradient():
    said("leaves the entries nan", "error_if_nonfinite=True")
    p = param_with_grad([float("nan"), 1.0])
    assert torch.isnan(torch.nn.utils.clip_grad_norm_([p], max_norm=1.0))
    assert torch.isnan(p.grad).all()
    with pytest.raises(RuntimeError):
        torch.nn.utils.clip_grad_norm_([p], max_norm=1.0, error_if_nonfinite=True)


def test_the_threshold_is_compared_with_the_gradient_norm_not_the_loss():
    said("clip_grad_norm_(parameters, max_norm) only reads the .grad tensors")
    assert "loss" not in inspect.signature(torch.nn.utils.clip_grad_norm_).parameters
    for loss_scale in (1.0, 1000.0):  # the same gradient, any loss: the same clip
        w = torch.nn.Parameter(torch.tensor([2.0]))
        (w * 3.0 + loss_scale).sum().backward()
        torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)
        assert w.grad.item() == pytest.approx(1.0)


def test_entries_below_one_can_still_give_a_spectral_radius_above_one():
    said("[[0.9, 0.9], [0.9, 0.9]] has every entry below 1 but a spectral radius of 1.8")
    w = torch.tensor([[0.9, 0.9], [0.9, 0.9]], dtype=torch.float64)
    assert torch.linalg.eigvals(w).abs().max().item() == pytest.approx(1.8)
    v = torch.tensor([1.0, 1.0], dtype=torch.float64)
    assert torch.linalg.matrix_power(w, 20) @ v == pytest.approx((1.8**20 * v).tolist())
    big = torch.tensor([[3.0, 0.0], [0.0, 0.1]], dtype=torch.float64)  # a large entry
    assert (
        torch.linalg.matrix_power(big, 20) @ torch.tensor([0.0, 1.0], dtype=torch.float64)
    ).norm() < 1e-19


def test_repeated_factors_grow_exponentially_not_like_t_squared():
    said("with a factor of 1.1, 100 steps give about 13,781, whereas 100² is only 10,000")
    said("1000 steps give about 2.5e41")
    assert round(1.1**100) == 13781 and 100**2 == 10_000
    assert abs(1.1**1000 / 2.5e41 - 1) < 0.02


def test_tanh_hidden_states_stay_between_minus_one_and_one():
    said("tanh keeps every activation between -1 and 1")
    x = torch.linspace(-1e4, 1e4, 10001, dtype=torch.float64)
    assert torch.tanh(x).abs().max().item() <= 1.0


def test_unscale_may_run_once_per_step():
    said("may run only once per optimizer per step", "raises a RuntimeError")
    w = torch.nn.Parameter(torch.tensor([0.0]))
    opt = torch.optim.SGD([w], lr=1.0)
    scaler = torch.amp.GradScaler("cpu")
    scaler.scale(w.sum()).backward()
    scaler.unscale_(opt)
    scaler.scale(w.sum()).backward()  # another micro-batch
    with pytest.raises(RuntimeError):
        scaler.unscale_(opt)


def test_dividing_the_loss_by_n_makes_the_sum_the_mean_and_backward_leaves_adam_alone():
    said("makes the accumulated .grad the mean of the micro-batch gradients")
    said("Adam's moment estimates change only inside optimizer.step()")
    w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    opt = torch.optim.Adam([w], lr=0.1)
    micro = [torch.tensor([3.0, 0.0]), torch.tensor([1.0, 4.0])]
    for g in micro:
        ((w * g).sum() / len(micro)).backward()
        assert opt.state[w] == {}  # backward() never touches the optimizer's state
    assert torch.allclose(w.grad, sum(micro) / len(micro))
    opt.step()
    assert "exp_avg" in opt.state[w]


def test_a_far_too_tight_threshold_gives_small_steps_not_wild_ones():
    said("every step is clipped to a gradient of norm max_norm, so steps are small, not wild")
    for raw in ([30.0, 40.0], [0.3, -0.4], [100.0, 1.0]):
        p = param_with_grad(raw)
        torch.nn.utils.clip_grad_norm_([p], max_norm=0.01)
        assert p.grad.norm().item() == pytest.approx(0.01, rel=1e-4)


def test_the_median_of_the_example_norms_and_the_share_a_percentile_clips():
    said("for norms 0.5, 0.6, 0.7, 0.8 and 12 it is 0.7 (the mean is 2.92)")
    said("A threshold at the 90th percentile clips about 10 % of the steps, not 90 %")
    norms = [0.5, 0.6, 0.7, 0.8, 12.0]
    assert np.median(norms) == 0.7 and np.mean(norms) == pytest.approx(2.92)
    logged = np.random.default_rng(0).lognormal(size=10_000)
    assert np.mean(logged > np.percentile(logged, 90)) == pytest.approx(0.10, abs=0.001)


def test_clip_grad_norm_returns_the_total_norm_and_backward_normalises_nothing():
    said("clip_grad_norm_ returns the total norm of all the gradients together")
    said("backward() does not normalise anything")
    a, b = param_with_grad([3.0, 0.0]), param_with_grad([0.0, 4.0])
    assert torch.nn.utils.clip_grad_norm_([a, b], max_norm=100.0).item() == pytest.approx(5.0)
    for scale in (0.01, 100.0):
        w = torch.nn.Parameter(torch.ones(3))
        (w.sum() * scale).backward()
        assert w.grad.norm().item() == pytest.approx(scale * math.sqrt(3))


def test_agc_uses_a_fixed_lambda_plain_norms_and_leaves_the_weights():
    said("λ is a fixed hyperparameter you choose (e.g. 0.01)", "max(‖W_i‖, 1e-3)")
    said("AGC compares plain norms, not squared ones", "AGC never touches the weights")
    from gradclip_core.clipping import AGC_EPS, _agc_

    assert AGC_EPS == 1e-3
    w = torch.nn.Parameter(torch.tensor([[3.0, 4.0], [0.0, 0.0]]))  # row norms 5 and 0
    w.grad = torch.tensor([[30.0, 40.0], [1.0, 0.0]])
    before = w.detach().clone()
    _agc_([w], clip_factor=0.01)
    assert torch.equal(w.detach(), before)
    assert w.grad[0].norm().item() == pytest.approx(0.01 * 5.0, rel=1e-5)  # ‖G‖ / ‖W‖ = λ
    assert w.grad[1].norm().item() == pytest.approx(0.01 * 1e-3, rel=1e-4)  # the eps floor


def test_clipping_after_the_step_changes_nothing_in_that_update():
    said("once it has run the update has already used the raw ones")
    clipped_late, unclipped = param_with_grad([3.0, 4.0]), param_with_grad([3.0, 4.0])
    torch.optim.SGD([clipped_late], lr=0.1).step()
    torch.nn.utils.clip_grad_norm_([clipped_late], max_norm=1.0)  # after the step
    torch.optim.SGD([unclipped], lr=0.1).step()
    assert torch.equal(clipped_late.data, unclipped.data)
    assert torch.allclose(clipped_late.data, torch.tensor([-0.3, -0.4]))


def test_clipping_never_stretches_a_short_gradient():
    said("Clipping never stretches a short gradient", "clip_grad_norm_ never scales a gradient up")
    short = param_with_grad([0.3, 0.4])  # norm 0.5, under max_norm
    torch.nn.utils.clip_grad_norm_([short], max_norm=1.0)
    assert torch.equal(short.grad, torch.tensor([0.3, 0.4]))


def test_backprop_through_time_multiplies_by_the_transpose_not_the_inverse():
    said("by the transpose of the recurrent matrix (times the activation's derivative)")
    torch.manual_seed(0)
    w = torch.randn(3, 3, dtype=torch.float64)
    h0 = torch.randn(3, dtype=torch.float64, requires_grad=True)
    h1 = torch.tanh(w @ h0)
    upstream = torch.randn(3, dtype=torch.float64)
    (grad,) = torch.autograd.grad(h1, h0, upstream)
    expected = w.T @ ((1 - h1.detach() ** 2) * upstream)
    assert torch.allclose(grad, expected)
    assert not torch.allclose(grad, torch.linalg.inv(w) @ upstream)


def test_a_tanh_rnn_still_explodes_with_a_large_recurrent_matrix():
    said("a tanh RNN can still have exploding gradients when the recurrent matrix's spectral")
    w = 1.5 * torch.eye(4, dtype=torch.float64)  # spectral radius 1.5, tanh' at 0 is 1
    h0 = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    h = h0
    for _ in range(40):
        h = torch.tanh(w @ h)
    (grad,) = torch.autograd.grad(h.sum(), h0)
    assert grad.norm().item() > 1e6


def test_the_scaled_norm_is_the_true_norm_times_the_loss_scale():
    said("a norm of 0.5 with scale 65536 gives 0.5 × 65536 = 32768")
    assert 0.5 * 65536 == 32768
    w = torch.zeros(2, requires_grad=True)
    loss = (w * torch.tensor([0.3, 0.4])).sum()  # true gradient (0.3, 0.4), norm 0.5
    (loss * 65536).backward()
    assert w.grad.norm().item() == pytest.approx(32768.0)


def test_a_threshold_below_the_median_clips_more_than_half_the_steps():
    said("A threshold below the median clips more than half of the steps")
    norms = np.random.default_rng(0).lognormal(size=1001)
    median = np.median(norms)
    for threshold in (0.9 * median, 0.5 * median, 0.1 * median):
        assert (norms > threshold).mean() > 0.5
    assert (norms > median).mean() == pytest.approx(0.5, abs=0.001)


def test_clip_grad_norm_takes_one_total_norm_not_one_per_tensor():
    said("does not compare each parameter tensor's (or layer's) norm with max_norm")
    small, large = param_with_grad([0.3, 0.4]), param_with_grad([6.0, 8.0])  # norms 0.5, 10
    total = torch.nn.utils.clip_grad_norm_([small, large], max_norm=1.0)
    assert total.item() == pytest.approx(math.hypot(0.5, 10.0), rel=1e-6)
    factor = 1.0 / total.item()
    assert torch.allclose(small.grad, torch.tensor([0.3, 0.4]) * factor, rtol=1e-5)
    assert torch.allclose(large.grad, torch.tensor([6.0, 8.0]) * factor, rtol=1e-5)


def test_norm_clipping_keeps_the_direction_of_a_tight_clip():
    said("Norm clipping does not change the direction")
    p = param_with_grad([2.0, -5.0, 1.0])
    raw = p.grad.clone()
    torch.nn.utils.clip_grad_norm_([p], max_norm=0.01)
    cosine = torch.nn.functional.cosine_similarity(p.grad, raw, dim=0)
    assert cosine.item() == pytest.approx(1.0, abs=1e-6)
    assert p.grad.norm().item() == pytest.approx(0.01, rel=1e-4)


def test_the_defaults_checker_and_its_feedback_match_torch_signatures():
    """gradclip_core.quiz.defaults marks a false stated default; its table must be torch's."""
    from gradclip_core.quiz.defaults import DEFAULTS, REQUIRED

    said(
        "clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, "
        "foreach=None) has no default max_norm",
        "clip_grad_value_(parameters, clip_value, foreach=None) has no default clip_value",
        "GradScaler starts at init_scale=65536.0 (2^16) with growth_factor=2.0, "
        "backoff_factor=0.5 and growth_interval=2000",
    )
    params = {
        **inspect.signature(torch.nn.utils.clip_grad_norm_).parameters,
        **inspect.signature(torch.nn.utils.clip_grad_value_).parameters,
        **inspect.signature(torch.amp.GradScaler).parameters,
    }
    for name in REQUIRED:
        assert params[name].default is inspect.Parameter.empty, name
    for name, spellings in DEFAULTS.items():
        real = params[name].default
        assert str(real).lower() in spellings or float(real) == spellings[0], name
    assert 2.0**16 == 65536.0


def test_a_nan_total_norm_raises_only_with_error_if_nonfinite():
    said("raises on a nan or inf total norm only if you pass error_if_nonfinite=True")
    p = param_with_grad([float("nan"), 1.0])
    assert torch.isnan(torch.nn.utils.clip_grad_norm_([p], max_norm=1.0))
    with pytest.raises(RuntimeError):
        torch.nn.utils.clip_grad_norm_(
            [param_with_grad([float("inf")])], 1.0, error_if_nonfinite=True
        )


def test_a_total_norm_of_50_under_max_norm_1_is_scaled_by_a_fiftieth():
    said("gradients of total norm 50 with max_norm=1.0 are multiplied by 1/50 = 0.02")
    p = param_with_grad([30.0, 40.0])  # norm 50
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert torch.allclose(p.grad, torch.tensor([30.0, 40.0]) * 0.02, atol=1e-6)
    assert p.grad.norm().item() == pytest.approx(1.0, rel=1e-5)
