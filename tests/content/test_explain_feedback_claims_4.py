"""What the explain grader's feedback states, run on torch: part 4 of the tests, in the order the
feedback was added. See ``test_explain_feedback_claims.py``.
"""

from __future__ import annotations

import inspect
import math
import tomllib

import numpy as np
import pytest
import torch

from tests.content.feedback_bank import EXPLAIN, said
from tests.content.grads import param_with_grad


def test_the_median_is_not_the_mean_and_90_percent_lie_below_the_90th_percentile():
    said("the median is the middle of the sorted norms (half the steps lie below it), not")
    said("the 90th percentile is the value 90 % of the steps stay below")
    norms = np.array([1.0, 1.1, 0.9, 1.2, 1.0, 0.95, 1.05, 1.15, 0.85, 40.0])  # one spike
    assert np.median(norms) == pytest.approx(1.025)
    assert norms.mean() > 4 * np.median(norms)  # a spike drags the mean up
    many = np.random.default_rng(0).lognormal(size=10_000)
    assert (many < np.percentile(many, 90)).mean() == pytest.approx(0.9, abs=0.001)


def test_max_norm_0_zeroes_every_gradient_and_inf_leaves_them():
    said(
        "max_norm=0 does not turn clipping off: clip_grad_norm_ multiplies every gradient by "
        "0 / (norm + 1e-6), so all the gradients become zero",
        "pass max_norm=float('inf'), which leaves the gradients as they are",
        "call torch.nn.utils.get_total_norm on the gradients",
    )
    zeroed, kept = param_with_grad([3.0, 4.0]), param_with_grad([3.0, 4.0])
    assert torch.nn.utils.clip_grad_norm_([zeroed], max_norm=0).item() == 5.0
    assert torch.equal(zeroed.grad, torch.zeros(2))
    torch.nn.utils.clip_grad_norm_([kept], max_norm=float("inf"))
    assert torch.equal(kept.grad, torch.tensor([3.0, 4.0]))
    assert torch.nn.utils.get_total_norm([kept.grad]).item() == 5.0


def test_norm_clipping_scales_by_the_ratio_not_its_square():
    said("not by its square", "scales the norm by that same factor", "scaled by 1/10 = 0.1")
    g = torch.tensor([6.0, 8.0])  # norm 10
    assert torch.linalg.vector_norm(0.1 * g).item() == pytest.approx(0.1 * 10.0)
    p = param_with_grad(g.tolist())
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert torch.allclose(p.grad, g / 10, atol=1e-5)
    assert torch.linalg.vector_norm(p.grad).item() == pytest.approx(1.0, abs=1e-5)


def test_a_nan_gradient_stays_nan_after_clipping_without_an_error():
    said("A nan or inf gradient gives clip_grad_norm_ a nan or inf total norm")
    p = param_with_grad([float("nan"), 1.0])
    total = torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert torch.isnan(total) and torch.isnan(p.grad).any()
    q = param_with_grad([float("inf"), 1.0])
    assert torch.isinf(torch.nn.utils.clip_grad_norm_([q], max_norm=1.0))
    assert not torch.isfinite(q.grad).all()


def test_clip_grad_norm_returns_the_norm_before_clipping_3_4_gives_5():
    said("make it return 5 while .grad is rescaled to (0.6, 0.8), of norm 1")
    said("gradients (3, 4) with max_norm=1 make it return 5 while .grad is rescaled to (0.6, 0.8)")
    p = param_with_grad([3.0, 4.0])
    assert torch.nn.utils.clip_grad_norm_([p], max_norm=1.0).item() == pytest.approx(5.0)
    assert torch.allclose(p.grad, torch.tensor([0.6, 0.8]))


def test_backward_adds_to_grad_rather_than_resetting_it():
    said("backward() does not reset or overwrite .grad: it adds the new gradients")
    said("backward() does not average: it adds each micro-batch's gradient to .grad")
    w = torch.nn.Parameter(torch.tensor([1.0]))
    (2 * w).sum().backward()
    (3 * w).sum().backward()
    assert w.grad.item() == 5.0  # the sum, not 3 (reset) or 2.5 (mean)


def test_clipping_runs_under_no_grad_so_it_records_nothing():
    said("clip_grad_norm_ and clip_grad_value_ already run under no_grad")
    src = inspect.getsource(torch.nn.utils.clip_grad)
    for name in ("clip_grad_norm_", "clip_grad_value_"):
        at = src.index(f"def {name}(")
        assert "@_no_grad" in src[src.rindex("\n\n\n", 0, at) : at]
    p = torch.nn.Parameter(torch.tensor([3.0, 4.0]))
    p.grad = torch.tensor([3.0, 4.0], requires_grad=True) * 1.0  # a grad inside a graph
    with torch.enable_grad():
        total = torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert not total.requires_grad


def test_norm_clipping_never_enlarges_a_small_gradient():
    said("one whose norm is under the threshold passes unchanged")
    p = param_with_grad([0.12, 0.16])  # norm 0.2
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert torch.allclose(p.grad, torch.tensor([0.12, 0.16]))


def test_clip_grad_norm_uses_l2_by_default_inf_and_l1_on_request():
    said("uses the L2 norm by default (norm_type=2.0), so (3, 4) has norm 5")
    said("(the largest absolute entry, 4) or the L1 norm (7)")
    sig = inspect.signature(torch.nn.utils.clip_grad_norm_)
    assert sig.parameters["norm_type"].default == 2.0
    for norm_type, want in ((2.0, 5.0), (float("inf"), 4.0), (1.0, 7.0)):
        p = param_with_grad([3.0, -4.0])
        got = torch.nn.utils.clip_grad_norm_([p], max_norm=100.0, norm_type=norm_type)
        assert got.item() == pytest.approx(want)


def test_tanh_and_sigmoid_derivative_maxima_and_a_tanh_rnn_can_explode():
    said("tanh's derivative is at most 1 (at 0) and the sigmoid's at most 0.25 (at 0)")
    said("3^20 ≈ 3.5e9 times larger over 20 steps")
    x = torch.linspace(-4, 4, 80001, dtype=torch.float64, requires_grad=True)
    torch.tanh(x).sum().backward()
    assert x.grad.max().item() == pytest.approx(1.0)
    x.grad = None
    torch.sigmoid(x).sum().backward()
    assert x.grad.max().item() == pytest.approx(0.25)
    h0 = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    w, h = 3.0 * torch.eye(2, dtype=torch.float64), h0
    for _ in range(20):
        h = torch.tanh(w @ h)  # h stays at 0, where tanh' = 1
    h.sum().backward()
    assert h0.grad[0].item() == pytest.approx(3.0**20)
    assert pytest.approx(3.5e9, rel=0.01) == 3.0**20


def test_loss_scale_multiplies_the_norm_by_s_not_s_squared():
    said("the L2 norm grows by s, not s²", "0.5 × 65,536 = 32,768")
    w = torch.nn.Parameter(torch.tensor([0.3, 0.4]))  # gradient (0.3, 0.4): norm 0.5
    scaler = torch.amp.GradScaler("cpu")
    assert scaler.get_scale() == 65536.0
    scaler.scale((w * w.detach()).sum()).backward()
    assert torch.linalg.vector_norm(w.grad).item() == pytest.approx(0.5 * 65536)
    assert 0.5 * 65536 == 32768


def test_unscale_keeps_inf_and_the_step_is_skipped_and_scale_halved():
    said("it divides the .grad tensors by the scale in place and only records whether any entry")
    said("skips optimizer.step() for that iteration and scaler.update() lowers the scale")
    w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    opt = torch.optim.SGD([w], lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=4.0)
    scaler.scale((w * torch.tensor([float("inf"), 2.0])).sum()).backward()
    scaler.unscale_(opt)
    assert torch.isinf(w.grad[0]) and w.grad[1].item() == 2.0
    before = w.detach().clone()
    scaler.step(opt)
    assert torch.equal(before, w.detach())
    scaler.update()
    assert scaler.get_scale() == 2.0


def test_the_scaled_gradients_look_larger_not_smaller():
    said("before unscale_ their norm looks far too large, not too small")
    w = torch.nn.Parameter(torch.tensor([0.3, 0.4]))
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    scaler.scale((w * w.detach()).sum()).backward()
    assert torch.linalg.vector_norm(w.grad).item() == pytest.approx(1024 * 0.5)


def test_clip_grad_norm_before_backward_sees_no_gradient_and_returns_0():
    orders = tomllib.loads(EXPLAIN.read_text(encoding="utf-8"))["prompt"]
    stated = "\n".join(r["feedback"] for p in orders for r in p.get("order", []))
    assert "(or none after zero_grad(), and returns 0)" in stated  # an order rule's feedback
    model = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    model(torch.ones(1, 2)).sum().backward()
    opt.zero_grad()  # sets .grad to None by default
    assert torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0).item() == 0.0


def test_gradient_norm_grows_like_the_square_root_of_the_count():
    said("twice the parameters, about 1.41 times the norm")
    gen = torch.Generator().manual_seed(0)
    small = torch.linalg.vector_norm(torch.randn(100_000, generator=gen))
    large = torch.linalg.vector_norm(torch.randn(200_000, generator=gen))
    assert (large / small).item() == pytest.approx(math.sqrt(2), rel=0.02)


def test_max_norm_acts_through_max_norm_over_total_norm():
    said("multiplies the gradients by max_norm / total_norm when the total norm is over max_norm")
    for max_norm, want in ((1.0, [0.6, 0.8]), (2.0, [1.2, 1.6])):
        p = param_with_grad([3.0, 4.0])
        torch.nn.utils.clip_grad_norm_([p], max_norm=max_norm)
        assert torch.allclose(p.grad, torch.tensor(want), atol=1e-5)


def test_agc_floor_is_a_max_not_a_sum_and_a_unit_is_a_row():
    said("it takes max(‖W_i‖, 1e-3), a floor", "an AGC unit is a row")
    w, g = torch.tensor(0.5), torch.tensor(0.02)
    assert g / torch.clamp(w, min=1e-3) == g / w  # the floor leaves ‖W‖ >= 1e-3 alone
    assert g / (w + 1e-3) != g / w
    lin = torch.nn.Linear(3, 2)
    assert tuple(lin.weight.shape) == (2, 3)  # (out_features, in_features)
    x = torch.randn(3)
    assert torch.allclose(lin(x)[1], lin.weight[1] @ x + lin.bias[1])  # row 1 feeds output 1


def test_clip_grad_norm_does_not_reset_grad_and_backward_adds_to_it():
    said("clip_grad_norm_ does not reset .grad: it only rescales it in place")
    said("backward() adds to whatever .grad holds, so the loop still needs optimizer.zero_grad()")
    p = torch.nn.Parameter(torch.tensor([3.0, 4.0]))
    (p * torch.tensor([3.0, 4.0])).sum().backward()
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert torch.allclose(p.grad, torch.tensor([0.6, 0.8]))  # rescaled, not cleared
    (p * torch.tensor([3.0, 4.0])).sum().backward()
    assert torch.allclose(p.grad, torch.tensor([3.6, 4.8]))  # added on top


def test_a_second_unscale_before_update_raises_it_is_not_skipped():
    said("a second call before scaler.update() raises a RuntimeError")
    said("it is not silently skipped")
    p = torch.nn.Parameter(torch.ones(2))
    opt = torch.optim.SGD([p], lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=4.0)
    scaler.scale((p * p).sum()).backward()
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match=r"already been called on this optimizer since the"):
        scaler.unscale_(opt)


def test_one_spike_drags_the_mean_not_the_median():
    said("for norms 0.5, 0.6, 0.7, 0.8 and 12 the mean is 2.92, the median 0.7")
    norms = torch.tensor([0.5, 0.6, 0.7, 0.8, 12.0])
    assert norms.mean().item() == pytest.approx(2.92)
    assert norms.median().item() == pytest.approx(0.7)
