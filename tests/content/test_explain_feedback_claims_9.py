"""What the explain grader's feedback states, run on torch: part 9 of the tests, in the order the
feedback was added (blind43 / round36 feedback). See ``test_explain_feedback_claims.py``.
"""

from __future__ import annotations

import inspect
import math

import pytest
import torch

from tests.content.feedback_bank import said
from tests.content.grads import agc_rows, param_with_grad


# --- blind43 / round36 feedback ------------------------------------------------------------------
def _sgd_step(grad: list[float], lr: float, max_norm: float) -> torch.Tensor:
    p = param_with_grad(grad)
    torch.nn.utils.clip_grad_norm_([p], max_norm=max_norm)
    torch.optim.SGD([p], lr=lr).step()
    return p.detach().clone()  # the weights started at 0: this is the step


def test_clipping_leaves_the_loss_alone_and_bounds_each_sgd_step_at_lr_times_max_norm():
    said("the loss value is the same before and after clip_grad_norm_")
    said("Clipping bounds each SGD step at lr × max_norm")
    model = torch.nn.Linear(3, 1)
    x, y = torch.randn(8, 3) * 100, torch.randn(8, 1)
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
    assert torch.nn.functional.mse_loss(model(x), y).item() == loss.item()
    assert _sgd_step([30.0, 40.0], lr=0.1, max_norm=2.0).norm().item() == pytest.approx(0.2)


def test_a_box_bounds_each_entry_not_the_norm_only_norm_clipping_caps_the_norm():
    said("(1, 1) stays (1, 1), of norm √2 > 1, and with n entries the norm can reach c√n")
    said("(3, 4) clamped at 1 becomes (1, 1), of norm √2 > 1")
    p = param_with_grad([1.0, 1.0])
    torch.nn.utils.clip_grad_value_([p], clip_value=1.0)
    assert torch.equal(p.grad, torch.tensor([1.0, 1.0])) and p.grad.norm() > 1.0
    n, c = 9, 2.0
    by_value, by_norm = param_with_grad([5.0] * n), param_with_grad([5.0] * n)
    torch.nn.utils.clip_grad_value_([by_value], clip_value=c)
    torch.nn.utils.clip_grad_norm_([by_norm], max_norm=c)
    assert by_value.grad.norm().item() == pytest.approx(c * math.sqrt(n))
    assert by_norm.grad.norm().item() == pytest.approx(c, rel=1e-5)


def test_one_total_norm_for_all_tensors_ends_at_most_max_norm():
    said("The total norm of all of them together ends up at most max_norm")
    a, b = param_with_grad([3.0, 4.0]), param_with_grad([6.0, 8.0])  # norms 5 and 10
    total = torch.nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
    assert total.item() == pytest.approx(math.sqrt(125.0))
    joint = torch.cat([a.grad, b.grad]).norm().item()
    assert joint == pytest.approx(1.0, rel=1e-5) and a.grad.norm() < 1.0 > b.grad.norm()


def test_clamping_every_entry_over_the_limit_still_turns_3_4_by_8_degrees():
    said("(3, 4) with a limit of 1 becomes (1, 1), at 45° instead of about 53°")
    p = param_with_grad([3.0, 4.0])
    torch.nn.utils.clip_grad_value_([p], clip_value=1.0)
    before = math.degrees(math.atan2(4.0, 3.0))
    after = math.degrees(math.atan2(p.grad[1].item(), p.grad[0].item()))
    assert after == pytest.approx(45.0) and round(before) == 53


def test_the_norm_is_l2_by_default_not_the_mean_absolute_value():
    said("(norm_type=2.0 by default)", "(3, 4) has L2 norm 5, while its mean absolute value is 3.5")
    sig = inspect.signature(torch.nn.utils.clip_grad_norm_)
    assert sig.parameters["norm_type"].default == 2.0
    p = param_with_grad([3.0, 4.0])
    assert torch.nn.utils.clip_grad_norm_([p], max_norm=100.0).item() == pytest.approx(5.0)
    assert torch.tensor([3.0, 4.0]).abs().mean().item() == 3.5


def test_clip_grad_value_returns_none_and_neither_limit_has_a_default():
    said("clip_grad_value_ returns None and has no default limit")
    empty = inspect.Parameter.empty
    assert (
        inspect.signature(torch.nn.utils.clip_grad_value_).parameters["clip_value"].default is empty
    )
    assert inspect.signature(torch.nn.utils.clip_grad_norm_).parameters["max_norm"].default is empty
    assert torch.nn.utils.clip_grad_value_([param_with_grad([3.0])], clip_value=1.0) is None


def test_lstm_gates_are_sigmoids_below_one():
    said("gates are sigmoid outputs, between 0 and 1: the forget gate cannot exceed 1")
    gate = torch.sigmoid(torch.linspace(-50.0, 50.0, 1001, dtype=torch.float64))
    assert gate.min() >= 0.0 and gate.max() <= 1.0
    assert torch.sigmoid(torch.tensor(5.0, dtype=torch.float64)) < 1.0


def test_an_lstm_can_still_explode_through_its_recurrent_weights():
    said("LSTMs can still explode through their recurrent weights")
    g = torch.Generator().manual_seed(0)
    lstm = torch.nn.LSTM(1, 16, batch_first=True)
    with torch.no_grad():  # large recurrent weights, no biases: the gates stay in (0, 1)
        lstm.weight_ih_l0.copy_(torch.randn(lstm.weight_ih_l0.shape, generator=g))
        lstm.weight_hh_l0.copy_(torch.randn(lstm.weight_hh_l0.shape, generator=g) * 0.75)
        lstm.bias_hh_l0.zero_()
        lstm.bias_ih_l0.zero_()
    reach = []  # the gradient that reaches the first time step, 10 and 40 steps back
    for steps in (10, 40):
        x = torch.zeros(1, steps, 1, requires_grad=True)
        out, _ = lstm(x + 0.01 * torch.randn(1, steps, 1, generator=g))
        out[0, -1].sum().backward()
        reach.append(x.grad[0, 0].abs().item())
    assert reach[1] > 100 and reach[1] > 30 * reach[0], reach  # 3.4, then 117


def test_the_earliest_steps_get_the_longest_products():
    said("the gradient of the loss at step T with respect to h_k is a product of T − k Jacobians")
    w = torch.tensor([[1.5]])
    h = [torch.ones(1, requires_grad=True)]
    for _ in range(6):
        h.append(w @ h[-1])
    grads = torch.autograd.grad(h[-1].sum(), h[:-1])
    norms = [g.norm().item() for g in grads]
    assert norms == sorted(norms, reverse=True)  # the earliest state gets the largest
    assert norms[0] == pytest.approx(1.5**6)


def test_a_determinant_below_one_can_still_stretch_a_direction():
    said("one eigenvalue 2 and one 0.1 has determinant 0.2 < 1 yet stretches its first")
    w = torch.diag(torch.tensor([2.0, 0.1]))
    assert torch.linalg.det(w).item() == pytest.approx(0.2)
    v = torch.tensor([1.0, 0.0])
    for _ in range(10):
        v = w @ v
    assert v.norm().item() == pytest.approx(2.0**10)


def test_update_halves_or_doubles_the_scale_it_never_resets_it():
    said("halves it (backoff_factor=0.5)", "doubles it (growth_factor=2.0) after growth_interval")
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=8.0, growth_interval=1)
    for grad, scale in ((1.0, 16.0), (float("inf"), 8.0), (1.0, 16.0)):
        scaler.scale(p.sum())
        p.grad = torch.tensor([grad * scaler.get_scale()])
        scaler.step(opt)
        scaler.update()
        assert scaler.get_scale() == scale  # doubled, halved, doubled: never back to 8 for good
    assert torch.amp.GradScaler("cpu").get_growth_interval() == 2000


def test_scaler_step_skips_the_update_on_inf():
    said("scaler.step(optimizer) skips optimizer.step() when they do")
    p = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([p], lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=4.0)
    scaler.scale(p.sum())
    p.grad = torch.tensor([float("inf"), 1.0])
    scaler.unscale_(opt)
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    scaler.step(opt)
    assert torch.equal(p.detach(), torch.zeros(2))  # the weights never saw the overflow
    scaler.update()
    assert scaler.get_scale() == 2.0


def test_two_orthogonal_unit_micro_batch_gradients_sum_to_norm_root_two():
    said("(1, 0) and (0, 1) each have norm 1, but their sum (1, 1) has norm √2 ≈ 1.41")
    p = param_with_grad([0.0, 0.0])
    for g in ([1.0, 0.0], [0.0, 1.0]):
        p.grad += torch.tensor(g)
    assert p.grad.norm().item() == pytest.approx(1.41, abs=0.005)


def test_dividing_each_loss_by_k_divides_the_accumulated_gradient_by_k():
    said("dividing each micro-batch loss by k divides the accumulated gradient by k too")
    grads = []
    for k in (1, 4):
        w = torch.nn.Parameter(torch.tensor([2.0]))
        for _ in range(4):
            (w * 3.0 / k).sum().backward()
        grads.append(w.grad.item())
    assert grads == [12.0, 3.0]
    clipped = param_with_grad([12.0])
    torch.nn.utils.clip_grad_norm_([clipped], max_norm=5.0)
    assert clipped.grad.item() == pytest.approx(5.0)  # the sum is cut, its k-th part is not


def test_a_tight_threshold_shortens_every_sgd_step_and_keeps_the_direction():
    said("lr × max_norm / ‖g‖, so learning slows down")
    said("clip_grad_norm_ scales it down to norm max_norm, keeping its direction")
    step = _sgd_step([3.0, 4.0], lr=0.1, max_norm=1.0)
    assert step.norm().item() == pytest.approx(0.1 * 1.0, rel=1e-5)  # lr × max_norm, < lr × 5
    assert torch.allclose(step / step.norm(), -torch.tensor([0.6, 0.8]))


def test_adam_largely_undoes_a_steady_shrink():
    said("its steps do not get shorter by the factor max_norm / ‖g‖")
    steps = []
    for factor in (1.0, 0.1):
        p = torch.nn.Parameter(torch.zeros(2))
        opt = torch.optim.Adam([p], lr=0.1)
        for _ in range(3):
            p.grad = factor * torch.tensor([1.0, -2.0])
            opt.step()
        steps.append(p.detach().clone())
    assert torch.allclose(steps[0], steps[1], rtol=1e-3)


def test_clip_grad_norm_returns_the_norm_before_clipping():
    said("with max_norm=1 and gradients of norm 5 it returns 5, not 1")
    p = param_with_grad([3.0, 4.0])
    assert torch.nn.utils.clip_grad_norm_([p], max_norm=1.0).item() == pytest.approx(5.0)
    assert p.grad.norm().item() == pytest.approx(1.0, rel=1e-5)


def test_agc_scales_a_unit_to_norm_lambda_times_its_weight_norm():
    said("so that its norm becomes λ·max(‖W‖, 1e-3) and the ratio exactly λ")
    w = torch.tensor([[3.0, 4.0], [0.0, 0.0]])  # norms 5 and 0 (floored to 1e-3)
    g = torch.tensor([[6.0, 8.0], [1.0, 0.0]])
    out = agc_rows(w, g, lam=0.1)
    assert out.norm(dim=1).tolist() == pytest.approx([0.5, 1e-4])
    assert torch.allclose(out[0] / out[0].norm(), g[0] / g[0].norm())  # one factor per unit


def test_a_small_lambda_keeps_the_relative_change_small():
    said("λ is small, around 0.01 to 0.16 depending on the batch size")
    w, g = torch.tensor([[3.0, 4.0]]), torch.tensor([[300.0, 400.0]])
    for lam in (0.01, 0.16):
        assert (agc_rows(w, g, lam).norm() / w.norm()).item() == pytest.approx(lam)


def test_norm_type_2_is_the_euclidean_norm_not_its_square():
    said("max_norm=4.0 keeps ‖g‖₂ at most 4, so the sum of the squares at most 16")
    p = param_with_grad([30.0, 40.0])
    torch.nn.utils.clip_grad_norm_([p], max_norm=4.0, norm_type=2.0)
    assert p.grad.norm().item() == pytest.approx(4.0, rel=1e-5)
    assert (p.grad**2).sum().item() == pytest.approx(16.0, rel=1e-5)


def test_state_dict_tensors_are_detached_so_clipping_them_clips_nothing():
    said("state_dict() returns detached copies of the tensors (buffers included), whose .grad")
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    model(torch.randn(4, 3) * 100).pow(2).sum().backward()
    before = [p.grad.clone() for p in model.parameters()]
    tensors = list(model.state_dict().values())
    assert len(tensors) > len(before)  # the BatchNorm buffers come along
    assert all(t.grad is None and not t.requires_grad for t in tensors)
    total = torch.nn.utils.clip_grad_norm_(tensors, max_norm=1e-3)
    assert total.item() == 0.0
    assert all(torch.equal(p.grad, b) for p, b in zip(model.parameters(), before, strict=True))


def test_clip_value_is_an_absolute_bound_not_scaled_by_a_spread():
    said("clip_grad_value_ clamps every entry to [-clip_value, clip_value] whatever the spread")
    for scale in (0.01, 1.0, 100.0):
        p = param_with_grad([3.0 * scale, -4.0 * scale, 0.5 * scale])
        expected = p.grad.clamp(-1.0, 1.0)
        torch.nn.utils.clip_grad_value_([p], clip_value=1.0)
        assert torch.equal(p.grad, expected)


def test_adam_clips_nothing_its_first_step_is_about_lr_per_entry():
    said("Adam divides each step by a running root mean square of the gradients, it clips nothing")
    for size in (1e-3, 1.0, 1e6):
        p = torch.nn.Parameter(torch.zeros(2))
        opt = torch.optim.Adam([p], lr=0.1)
        p.grad = torch.tensor([size, -size])
        opt.step()
        assert torch.allclose(p.detach().abs(), torch.full((2,), 0.1), rtol=1e-3)


def test_scaler_step_skips_only_nonfinite_gradients_not_a_large_norm():
    said(
        "scaler.step(optimizer) skips the step only when the unscaled gradients hold inf or NaN",
        "clip_grad_norm_ has already scaled such gradients down, and the step goes ahead",
    )
    w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    opt = torch.optim.SGD([w], lr=0.1)
    scaler = torch.amp.GradScaler("cpu")
    scaler.scale((w * torch.tensor([300.0, 400.0])).sum()).backward()
    scaler.unscale_(opt)
    before = torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)
    assert before.item() == pytest.approx(500.0)
    scaler.step(opt)
    scaler.update()
    assert torch.allclose(w.detach(), torch.tensor([1.0 - 0.06, 2.0 - 0.08]))
    assert scaler.get_scale() == 65536.0


def test_clip_grad_norm_takes_no_accumulate_argument():
    said(
        "clip_grad_norm_ takes no accumulate argument (its arguments are parameters, max_norm, "
        "norm_type, error_if_nonfinite and foreach)"
    )
    names = list(inspect.signature(torch.nn.utils.clip_grad_norm_).parameters)
    assert names == ["parameters", "max_norm", "norm_type", "error_if_nonfinite", "foreach"]
    with pytest.raises(TypeError):
        torch.nn.utils.clip_grad_norm_([param_with_grad([3.0, 4.0])], 1.0, accumulate=True)


def test_agc_clips_a_unit_with_zero_weights_to_lambda_times_the_floor():
    said(
        "so a unit whose weights are all zero still has its gradient clipped, "
        "to a norm of at most λ · 1e-3"
    )
    w, g = torch.zeros(1, 2), torch.tensor([[6.0, 8.0]])
    assert agc_rows(w, g, lam=0.1).norm().item() == pytest.approx(1e-4)


def test_clip_grad_value_raises_negative_entries_to_minus_clip_value():
    said(
        "clip_grad_value_ clamps every entry into [-clip_value, clip_value]: a negative entry below"
        " -clip_value is raised to -clip_value, just as a positive one above clip_value is cut"
    )
    p = param_with_grad([-2.0, -0.3, 0.3, 2.0])
    torch.nn.utils.clip_grad_value_([p], clip_value=0.5)
    assert torch.equal(p.grad, torch.tensor([-0.5, -0.3, 0.3, 0.5]))
