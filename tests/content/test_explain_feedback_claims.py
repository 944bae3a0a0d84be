"""What the explain grader's feedback states (``lessons/quiz/03_explain.toml``), run on torch.

Each misconception's feedback tells the learner what is right; every number or behaviour it
quotes is checked here, so a sentence the grader says cannot drift from what torch 2.13 does.
Each test names the feedback it backs and checks that the bank still says it (``said``). The
tests are split over ``test_explain_feedback_claims*.py`` in the order the feedback was added;
this file has the first, written with the bank.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
import torch

from tests.content.feedback_bank import said
from tests.content.grads import param_with_grad


def test_float16_tops_out_at_65504_float32_and_bfloat16_near_3_4e38():
    said("65504 is the largest float16", "reach about 3.4e38")
    assert torch.finfo(torch.float16).max == 65504.0
    for dtype in (torch.float32, torch.bfloat16):
        assert torch.finfo(dtype).max == pytest.approx(3.4e38, rel=0.01)
    assert torch.isinf(torch.tensor(65504.0 * 2, dtype=torch.float16))
    assert torch.isfinite(torch.tensor(65504.0 * 2, dtype=torch.bfloat16))


def test_norm_clipping_scales_to_max_norm_it_does_not_divide_by_it():
    said("a gradient of norm 10 with a threshold of 5 ends up with norm 5")
    p = param_with_grad([6.0, 8.0])  # norm 10
    torch.nn.utils.clip_grad_norm_([p], max_norm=5.0)
    assert p.grad.norm().item() == pytest.approx(5.0, rel=1e-6)
    assert torch.allclose(p.grad, torch.tensor([3.0, 4.0]))  # the same direction


def test_value_clipping_never_gives_a_shorter_vector_than_norm_clipping():
    said("(3, 4) with a limit of 1 becomes (1, 1), of norm 1.41")
    by_value, by_norm = param_with_grad([3.0, 4.0]), param_with_grad([3.0, 4.0])
    torch.nn.utils.clip_grad_value_([by_value], clip_value=1.0)
    torch.nn.utils.clip_grad_norm_([by_norm], max_norm=1.0)
    assert by_value.grad.norm().item() == pytest.approx(1.41, abs=0.005)
    assert by_norm.grad.norm().item() == pytest.approx(1.0, rel=1e-6)
    g = torch.Generator().manual_seed(0)
    said("clipping by value never leaves a shorter gradient than clipping by norm")
    for _ in range(200):  # any vector, an entry over the limit or not
        raw = torch.randn(5, generator=g) * 3 * torch.rand(1, generator=g)
        v, n = param_with_grad(raw.tolist()), param_with_grad(raw.tolist())
        torch.nn.utils.clip_grad_value_([v], clip_value=1.0)
        torch.nn.utils.clip_grad_norm_([n], max_norm=1.0)
        assert v.grad.norm() >= n.grad.norm() - 1e-6
        assert n.grad.norm() <= 1.0 + 1e-6
        assert v.grad.equal(raw) or v.grad.abs().max() == 1.0


def test_the_norm_of_6_6_is_sqrt_72():
    said("(6, 6) has norm √72 ≈ 8.49")
    assert torch.tensor([6.0, 6.0]).norm().item() == pytest.approx(math.sqrt(72))
    assert math.sqrt(72) == pytest.approx(8.49, abs=0.005)


def test_max_norm_has_no_default():
    said("max_norm has no default", "raises a TypeError")
    p = param_with_grad([1.0, 2.0])
    with pytest.raises(TypeError):
        torch.nn.utils.clip_grad_norm_([p])  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        torch.nn.utils.clip_grad_value_([p])  # type: ignore[call-arg]


def test_norm_type_1_is_the_sum_of_absolute_values():
    said("norm_type=1 is the L1 norm", "norm_type=float('inf') takes the largest absolute")
    grads = [torch.tensor([3.0, -4.0])]
    l1 = torch.nn.utils.get_total_norm(grads, norm_type=1.0)
    assert l1.item() == 7.0 and l1.item() > torch.nn.utils.get_total_norm(grads).item()
    assert torch.nn.utils.get_total_norm(grads, norm_type=math.inf).item() == 4.0


def test_sigmoid_derivative_peaks_at_a_quarter_tanh_at_one():
    said("the sigmoid's derivative is at most 0.25 (at 0), tanh's at most 1 (at 0)")
    x = torch.linspace(-8, 8, 16001, requires_grad=True)
    (ds,) = torch.autograd.grad(torch.sigmoid(x).sum(), x)
    (dt,) = torch.autograd.grad(torch.tanh(x).sum(), x)
    assert ds.max().item() == pytest.approx(0.25) and abs(x[ds.argmax()].item()) < 1e-3
    assert dt.max().item() == pytest.approx(1.0) and abs(x[dt.argmax()].item()) < 1e-3


def test_a_matrix_and_its_transpose_share_eigenvalues():
    said("A matrix and its transpose have the same eigenvalues")
    w = torch.randn(6, 6, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    ev = np.sort_complex(torch.linalg.eigvals(w).numpy())
    ev_t = np.sort_complex(torch.linalg.eigvals(w.T).numpy())
    np.testing.assert_allclose(ev, ev_t, atol=1e-9)
    np.testing.assert_allclose(torch.linalg.svdvals(w), torch.linalg.svdvals(w.T), atol=1e-9)


def test_one_eigenvalue_above_one_is_enough_for_the_product_to_grow():
    said("one eigenvalue above 1 is enough")
    w = torch.diag(torch.tensor([1.2, 0.5, 0.1], dtype=torch.float64))
    v = torch.ones(3, dtype=torch.float64)
    for _ in range(50):
        v = w.T @ v
    assert v.norm().item() > 1.2**50 * 0.99  # 9100: grows, whatever the small eigenvalues


def test_grad_scaler_starts_at_2_16_halves_on_inf_doubles_after_2000_good_steps():
    said("GradScaler's default init_scale is 65536 (2**16)", "doubles it after 2000 good ones")
    scaler = torch.amp.GradScaler("cpu")
    assert scaler.get_scale() == 65536.0 == 2.0**16
    assert scaler.get_backoff_factor() == 0.5 and scaler.get_growth_factor() == 2.0
    assert scaler.get_growth_interval() == 2000


def test_unscale_divides_in_place_and_cannot_bring_back_an_underflowed_gradient():
    said("unscale_ only divides them back by the scale; it cannot recover a value that")
    p = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([p], lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=4.0)
    scaler.scale(p.sum())  # the scaled backward's first step: the scale is set
    p.grad = torch.tensor([8.0, 0.0])  # the second entry underflowed to 0 before unscaling
    grad = p.grad
    scaler.unscale_(opt)
    assert p.grad is grad  # in place: the same tensor, no copy
    assert torch.equal(p.grad, torch.tensor([2.0, 0.0]))  # divided by 4; the 0 stays 0
    assert torch.tensor(1e-8, dtype=torch.float16).item() == 0.0  # fp16 underflows there


def test_compounding_examples_in_the_feedback_are_right():
    said("1.1^50 ≈ 117, 1.1^100 ≈ 13,781, 1.2^30 ≈ 237")
    powers = torch.tensor([1.1, 1.1, 1.2], dtype=torch.float64) ** torch.tensor([50, 100, 30])
    assert [round(x) for x in powers.tolist()] == [117, 13781, 237]


def test_the_trace_can_be_small_while_the_product_explodes():
    said("The trace does not decide it: it is the sum of the eigenvalues")
    w = torch.diag(torch.tensor([2.0, -1.5], dtype=torch.float64))  # trace 0.5
    v = torch.ones(2, dtype=torch.float64)
    for _ in range(30):
        v = w.T @ v
    assert torch.trace(w).item() == 0.5 and v.norm().item() > 1e9  # 2^30: it explodes


def test_value_clipping_does_not_bound_the_total_norm():
    said("so with n entries the norm can be up to √n times the limit", "of norm 1.41. Only")
    p = param_with_grad([3.0, 4.0, -5.0, 6.0])
    torch.nn.utils.clip_grad_value_([p], clip_value=1.0)
    assert p.grad.norm().item() == pytest.approx(math.sqrt(4))  # √n times the limit, n = 4
    q = param_with_grad([3.0, 4.0])
    torch.nn.utils.clip_grad_value_([q], clip_value=1.0)
    assert q.grad.norm().item() == pytest.approx(1.41, abs=0.005)


def test_clip_grad_value_takes_clip_value_not_max_norm():
    said("clip_grad_value_ has no max_norm", "passing max_norm= raises a TypeError")
    p = param_with_grad([3.0, -4.0])
    with pytest.raises(TypeError):
        torch.nn.utils.clip_grad_value_([p], max_norm=1.0)  # type: ignore[call-arg]
    torch.nn.utils.clip_grad_value_([p], clip_value=1.0)
    assert torch.equal(p.grad, torch.tensor([1.0, -1.0]))


def test_grad_scaler_has_no_max_norm_and_never_clips():
    said("its constructor takes only device, init_scale, growth_factor, backoff_factor")
    params = list(inspect.signature(torch.amp.GradScaler.__init__).parameters)[1:]
    assert params == [
        "device",
        "init_scale",
        "growth_factor",
        "backoff_factor",
        "growth_interval",
        "enabled",
    ]
    with pytest.raises(TypeError):
        torch.amp.GradScaler("cpu", max_norm=1.0)  # type: ignore[call-arg]
    w = torch.nn.Parameter(torch.tensor([0.0]))
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    scaler.scale(w.sum() * 100.0).backward()  # a gradient of 100, however large max_norm is
    scaler.step(torch.optim.SGD([w], lr=1.0))
    assert w.item() == pytest.approx(-100.0)  # unscaled, not clipped


def test_step_does_not_divide_gradients_unscale_has_already_unscaled():
    said("so scaler.step(optimizer) does not divide them again")
    w = torch.nn.Parameter(torch.tensor([0.0]))
    opt = torch.optim.SGD([w], lr=1.0)
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    scaler.scale(w.sum()).backward()
    assert w.grad.item() == 1024.0
    scaler.unscale_(opt)
    scaler.step(opt)
    assert w.grad.item() == 1.0 and w.item() == -1.0  # divided once, by 1024, not twice


def test_max_norm_zero_wipes_the_gradients_get_total_norm_only_measures():
    said("which sets them all to zero", "call torch.nn.utils.get_total_norm on the gradients")
    said("once it overflows to inf, inf / inf turns every gradient into nan")
    p = param_with_grad([3.0, 4.0])
    assert torch.nn.utils.clip_grad_norm_([p], max_norm=0).item() == 5.0
    assert torch.equal(p.grad, torch.zeros(2))
    q = param_with_grad([3.0, 4.0])
    assert torch.nn.utils.get_total_norm([q.grad]).item() == 5.0
    assert torch.equal(q.grad, torch.tensor([3.0, 4.0]))
    r = param_with_grad([3.0, 4.0])  # max_norm=inf: untouched while the norm is finite
    assert torch.nn.utils.clip_grad_norm_([r], max_norm=math.inf).item() == 5.0
    assert torch.equal(r.grad, torch.tensor([3.0, 4.0]))
    huge = param_with_grad([3e38, 3e38])  # finite entries, but the float32 norm overflows
    assert math.isinf(torch.nn.utils.clip_grad_norm_([huge], max_norm=math.inf).item())
    assert torch.isnan(huge.grad).all()


def test_norm_clipping_keeps_proportions_it_does_not_take_signs():
    said("(that is signSGD, a different method)", "becomes (0.6, 0.8), not (1, 1)), and a")
    p = param_with_grad([3.0, 4.0])
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert torch.allclose(p.grad, torch.tensor([0.6, 0.8]))
    assert not torch.equal(p.grad, torch.sign(torch.tensor([3.0, 4.0])))
    small = param_with_grad([0.3, 0.4])  # under the threshold: left as it is
    torch.nn.utils.clip_grad_norm_([small], max_norm=1.0)
    assert torch.equal(small.grad, torch.tensor([0.3, 0.4]))


def test_the_default_norm_is_euclidean_l1_is_the_sum_of_absolute_values():
    said("by default (norm_type=2.0): (3, 4) has norm 5", "(7 for (3, 4))")
    default = inspect.signature(torch.nn.utils.clip_grad_norm_).parameters["norm_type"].default
    assert default == 2.0
    assert torch.nn.utils.clip_grad_norm_([param_with_grad([3.0, 4.0])], 100.0).item() == 5.0
    l1 = torch.nn.utils.clip_grad_norm_([param_with_grad([3.0, 4.0])], 100.0, norm_type=1)
    assert l1.item() == 7.0


def test_norm_type_inf_still_scales_by_one_factor():
    said("so (3, 4) with max_norm 1 becomes (0.75, 1), not (1, 1)")
    p = param_with_grad([3.0, 4.0])
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0, norm_type=math.inf)
    assert torch.allclose(p.grad, torch.tensor([0.75, 1.0]), atol=1e-5)


def test_tanh_activations_stay_bounded_while_the_gradient_explodes():
    said("With tanh the activations stay between -1 and 1 whatever the weights, yet the")
    w = 1.5 * torch.eye(4, dtype=torch.float64)  # spectral radius 1.5
    h0 = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    h, states = h0, []
    for _ in range(50):
        h = torch.tanh(w @ h)
        states.append(h)
    (grad,) = torch.autograd.grad(h.sum(), h0)
    assert max(s.abs().max().item() for s in states) <= 1.0
    assert grad.norm().item() > 1.5**50  # 1.5^50 * 2: it explodes


def test_the_scaler_multiplies_and_unscale_divides():
    said("scaler.scale(loss) multiplies the loss, and so every gradient, by the loss scale")
    w = torch.nn.Parameter(torch.tensor([1.0]))
    opt = torch.optim.SGD([w], lr=1.0)
    scaler = torch.amp.GradScaler("cpu")
    loss = w.sum() * 3.0
    assert scaler.scale(loss).item() == 3.0 * 65536  # the loss, multiplied by the scale
    scaler.scale(loss).backward()
    assert w.grad.item() == 3.0 * 65536
    scaler.unscale_(opt)
    assert w.grad.item() == 3.0  # divided by the scale, back to its true size


def test_unscale_twice_before_update_raises():
    said("a second call before scaler.update() raises a RuntimeError")
    w = torch.nn.Parameter(torch.tensor([0.0]))
    opt = torch.optim.SGD([w], lr=1.0)
    scaler = torch.amp.GradScaler("cpu")
    scaler.scale(w.sum()).backward()
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError):
        scaler.unscale_(opt)
    scaler.step(opt)
    scaler.update()
    scaler.scale(w.sum()).backward()
    scaler.unscale_(opt)  # once per step again after update(): fine


def test_a_clipped_step_keeps_its_direction_and_a_threshold_over_every_norm_never_clips():
    said("shortens the gradient to norm max_norm and keeps its direction", "never clips, so")
    p = param_with_grad([6.0, 8.0])
    torch.nn.utils.clip_grad_norm_([p], max_norm=2.0)
    assert p.grad.norm().item() == pytest.approx(2.0, rel=1e-5)
    assert torch.allclose(p.grad / p.grad.norm(), torch.tensor([0.6, 0.8]))
    norms = [3.0, 5.0, 10.0]  # the norms logged
    for n in norms:
        q = param_with_grad([n, 0.0])
        torch.nn.utils.clip_grad_norm_([q], max_norm=max(norms) + 1)
        assert torch.equal(q.grad, torch.tensor([n, 0.0]))


def test_clipping_each_micro_batch_scales_the_first_by_f_to_the_n():
    said("that is 1/16 for the first and 1/2 for the last")
    grads = torch.eye(4)  # four micro-batches, each its own direction, to tell them apart
    running = torch.zeros(4)
    for g in grads:
        running = (running + g) * 0.5  # each clip halves the running sum
    assert torch.equal(running, torch.tensor([1 / 16, 1 / 8, 1 / 4, 1 / 2]))
