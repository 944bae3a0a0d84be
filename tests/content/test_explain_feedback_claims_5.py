"""What the explain grader's feedback states, run on torch: part 5 of the tests, in the order the
feedback was added (blind27 / round24). See ``test_explain_feedback_claims.py``.
"""

from __future__ import annotations

import inspect
import math

import pytest
import torch

from tests.content.feedback_bank import said
from tests.content.grads import agc_unit, param_with_grad


# --- blind27 / round24 --------------------------------------------------------------------------
def test_each_clip_acts_on_that_steps_gradients_nothing_carries_over():
    said("clip_grad_norm_ measures the norm of that step's gradients", "Nothing carries over")
    p = param_with_grad([3.0, 4.0])
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    p.grad = torch.tensor([30.0, 40.0])  # the next step's gradients, not clipped by the last call
    assert p.grad.norm().item() == pytest.approx(50.0)
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert p.grad.norm().item() == pytest.approx(1.0, rel=1e-5)


def test_a_float32_product_of_large_factors_blows_up_too():
    said("a float32 gradient can blow up just as well")
    g = torch.ones(4, dtype=torch.float32)
    for _ in range(300):
        g = 1.5 * g
    assert torch.isinf(g).all()


def test_value_clipping_changes_the_length_too():
    said("(1, 1), whose norm is about 1.41 instead of 5")
    p = param_with_grad([3.0, 4.0])
    assert p.grad.norm().item() == pytest.approx(5.0)
    torch.nn.utils.clip_grad_value_([p], clip_value=1.0)
    assert torch.equal(p.grad, torch.tensor([1.0, 1.0]))
    assert p.grad.norm().item() == pytest.approx(1.41, abs=0.005)


def test_norm_clipping_fires_on_the_norm_not_on_one_entry():
    said("(0.8, 0.8) with max_norm = 1 has no entry over 1 but a norm of about 1.13")
    p = param_with_grad([0.8, 0.8])
    total = torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert total.item() == pytest.approx(1.13, abs=0.005)
    assert p.grad.norm().item() == pytest.approx(1.0, rel=1e-5)


def test_norm_clipping_shrinks_big_and_small_entries_in_the_same_proportion():
    said("big and small entries shrink in the same proportion")
    raw = torch.tensor([0.1, 2.0, 30.0])
    p = param_with_grad(raw.tolist())
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    ratios = p.grad / raw
    assert torch.allclose(ratios, ratios[0].expand(3))


def test_feed_forward_layers_each_have_their_own_matrix():
    said("The layers of a feed-forward network each have their own weight matrix")
    net = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Linear(4, 4))
    assert net[0].weight.data_ptr() != net[1].weight.data_ptr()


def test_distant_time_steps_get_the_most_factors():
    said("goes through k factors of the recurrent matrix", "the most recent ones hardly at all")
    w = torch.tensor([[1.2, 0.0], [0.0, 1.2]], requires_grad=True)
    h0 = torch.ones(2, requires_grad=True)
    hs = [h0]
    for _ in range(10):
        hs.append(w @ hs[-1])
        hs[-1].retain_grad()
    for h in hs:
        h.retain_grad()
    hs[-1].sum().backward()
    norms = [h.grad.norm().item() for h in hs]
    assert norms[0] == pytest.approx(math.sqrt(2) * 1.2**10, rel=1e-5)  # 10 factors back
    assert norms[-2] == pytest.approx(math.sqrt(2) * 1.2, rel=1e-5)  # one factor back


def test_scaler_step_updates_the_weights_update_only_the_scale():
    said("scaler.step(optimizer) is the call that updates the weights")
    said("scaler.update() changes no weight; it only adjusts the loss scale")
    p = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    opt = torch.optim.SGD([p], lr=0.1)
    scaler = torch.amp.GradScaler("cpu")
    scaler.scale((p**2).sum()).backward()
    before = p.detach().clone()
    scaler.step(opt)
    after_step = p.detach().clone()
    assert not torch.equal(before, after_step)
    scaler.update()
    assert torch.equal(p.detach(), after_step)


def test_a_clipped_finite_step_is_not_skipped_by_the_scaler():
    said("skips the update only when the gradients hold inf or NaN")
    said("a clipped, finite step is applied as usual")
    p = torch.nn.Parameter(torch.tensor([10.0, 20.0]))
    opt = torch.optim.SGD([p], lr=0.1)
    scaler = torch.amp.GradScaler("cpu")
    scaler.scale((p**2).sum()).backward()
    scaler.unscale_(opt)
    total = torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert total.item() > 1.0  # it was clipped
    before = p.detach().clone()
    scaler.step(opt)
    assert not torch.equal(p.detach(), before)


def test_bfloat16_has_float32s_exponent_fp16_ends_at_65504():
    said("bfloat16 has the same 8-bit exponent as float32, so it reaches about 3.4e38")
    said("whose range ends at 65504")
    assert torch.finfo(torch.bfloat16).max == pytest.approx(3.4e38, rel=0.01)
    assert torch.finfo(torch.bfloat16).tiny == torch.finfo(torch.float32).tiny
    assert torch.finfo(torch.float16).max == 65504.0


def test_backward_adds_each_micro_batch_into_grad():
    said("backward() does not overwrite .grad: it adds each micro-batch's gradient")
    w = torch.nn.Parameter(torch.tensor([1.0, 1.0]))
    (2 * w).sum().backward()
    (3 * w).sum().backward()
    assert torch.equal(w.grad, torch.tensor([5.0, 5.0]))


def test_the_norm_of_a_sum_is_at_most_the_sum_of_the_norms():
    said("4 micro-batch gradients of norm 0.5 add up to a norm of 2.0 only when they all point")
    said("(1.0 if they are orthogonal)")
    aligned = sum([torch.tensor([0.5, 0.0, 0.0, 0.0])] * 4)
    orthogonal = sum(0.5 * torch.eye(4))
    assert aligned.norm().item() == pytest.approx(2.0)
    assert orthogonal.norm().item() == pytest.approx(1.0)


def test_a_bigger_batch_does_not_grow_the_gradient_norm():
    said("a bigger batch gives a less noisy gradient of similar or smaller norm")
    g = torch.Generator().manual_seed(0)
    x, noise = torch.randn(4096, 8, generator=g), torch.randn(4096, generator=g)
    y = x @ torch.ones(8) + 3 * noise

    def norm(n: int) -> float:
        w = torch.zeros(8, requires_grad=True)
        torch.nn.functional.mse_loss(x[:n] @ w, y[:n]).backward()
        return w.grad.norm().item()

    assert norm(4096) <= norm(16) * 1.1


def test_clip_grad_norm_with_infinite_max_norm_only_measures():
    said("with max_norm=float('inf') it only measures and clips nothing")
    p = param_with_grad([3.0, 4.0])
    total = torch.nn.utils.clip_grad_norm_([p], max_norm=float("inf"))
    assert total.item() == pytest.approx(5.0)
    assert torch.equal(p.grad, torch.tensor([3.0, 4.0]))


def test_the_agc_floor_lifts_only_small_weight_norms():
    said("max(‖W‖, 1e-3) only lifts a weight norm below 1e-3 up to 1e-3")
    said("AGC's floor is ε = 1e-3")
    norms = torch.tensor([0.0, 1e-4, 0.5, 40.0])
    floored = torch.clamp(norms, min=1e-3)
    assert torch.equal(floored, torch.tensor([1e-3, 1e-3, 0.5, 40.0]))


# --- blind25 / round23 --------------------------------------------------------------------------
def test_the_clipping_factor_is_max_norm_over_norm_below_1_not_its_inverse():
    said("every gradient is multiplied by max_norm / norm, which is below 1, so the norm comes")
    said("Multiplied by norm / max_norm, it would grow.")
    p = param_with_grad([3.0, 4.0])  # norm 5
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert torch.allclose(p.grad, torch.tensor([3.0, 4.0]) * (1.0 / 5.0))
    assert p.grad.norm().item() == pytest.approx(1.0)
    assert (torch.tensor([3.0, 4.0]) * (5.0 / 1.0)).norm().item() == pytest.approx(25.0)


def test_norm_clipping_keeps_the_direction():
    said("Clipping by norm keeps the direction: it multiplies every entry by the same factor")
    raw = torch.tensor([3.0, -4.0, 12.0])
    p = param_with_grad(raw.tolist())
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    cos = torch.nn.functional.cosine_similarity(p.grad, raw, dim=0)
    assert cos.item() == pytest.approx(1.0)
    assert p.grad.norm().item() == pytest.approx(1.0)


def test_agc_multiplies_by_lambda_over_ratio_and_floors_at_1e_3():
    said("AGC multiplies the unit's gradient by λ / ratio, not ratio / λ")
    said("may still take a gradient of norm up to λ × 1e-3, a thousand times more than a floor")
    w, g, lam = torch.tensor([3.0, 4.0]), torch.tensor([1.0, 0.0]), 0.01  # ratio 0.2
    clipped = agc_unit(w, g, lam, 1e-3)
    assert (clipped.norm() / w.norm()).item() == pytest.approx(lam)  # brought down to λ
    assert (g * (0.2 / lam)).norm().item() > g.norm().item()  # ratio / λ would enlarge it
    zero = torch.zeros(2)
    big = torch.tensor([5.0, 0.0])
    at_3 = agc_unit(zero, big, lam, 1e-3).norm().item()
    at_6 = agc_unit(zero, big, lam, 1e-6).norm().item()
    assert at_3 == pytest.approx(lam * 1e-3)
    assert at_3 / at_6 == pytest.approx(1000.0, rel=1e-4)


def test_scaler_step_unscales_by_itself_and_unscale_leaves_the_scale():
    said("scaler.step(optimizer) does unscale the gradients itself when unscale_ was not called")
    said("unscale_ only divides the optimizer's gradients by the current scale")
    said("backoff_factor=0.5 after a step with inf or nan, and by growth_factor=2.0 after")
    said("growth_interval=2000 clean steps")
    w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    opt = torch.optim.SGD([w], lr=1.0)
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    scaler.scale((w * torch.tensor([0.5, 0.25])).sum()).backward()
    scaler.step(opt)  # no unscale_ before: the step unscales itself
    assert torch.allclose(w.detach(), torch.tensor([0.5, 1.75]))
    w2 = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    opt2 = torch.optim.SGD([w2], lr=1.0)
    scaler2 = torch.amp.GradScaler("cpu", init_scale=1024.0)
    scaler2.scale((w2 * torch.tensor([0.5, 0.25])).sum()).backward()
    scaler2.unscale_(opt2)
    assert torch.allclose(w2.grad, torch.tensor([0.5, 0.25]))
    assert scaler2.get_scale() == 1024.0  # the scale itself is untouched
    sig = inspect.signature(torch.amp.GradScaler.__init__).parameters
    assert sig["backoff_factor"].default == 0.5
    assert sig["growth_factor"].default == 2.0
    assert sig["growth_interval"].default == 2000


def test_accumulated_grad_is_the_sum_and_clipping_each_micro_batch_turns_it():
    said("after several backward() calls that is the sum of all the micro-batches' gradients")
    said("so the early micro-batches are shrunk again and again and count less than the late ones")
    p = torch.nn.Parameter(torch.zeros(2))
    micro = [torch.tensor([6.0, 0.0]), torch.tensor([0.0, 6.0])]
    for g in micro:
        (p * g).sum().backward()
    total = torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert total.item() == pytest.approx(torch.stack(micro).sum(0).norm().item())  # the sum
    q = torch.nn.Parameter(torch.zeros(2))
    for g in micro:
        (q * g).sum().backward()
        torch.nn.utils.clip_grad_norm_([q], max_norm=1.0)
    assert q.grad[0].item() < q.grad[1].item()  # the first micro-batch counts less
    once = p.grad / p.grad.norm()
    each = q.grad / q.grad.norm()
    assert torch.nn.functional.cosine_similarity(once, each, dim=0).item() < 0.99  # turned


def test_clip_grad_norm_returns_the_norm_not_its_square_and_it_grows_with_size():
    said("clip_grad_norm_ returns the total norm itself, measured before clipping, not its square")
    said("with the default norm_type=2.0 that is the square root of the sum of the squared")
    said("so the typical norm depends on the model and grows with its size")
    p = param_with_grad([3.0, 4.0])
    assert torch.nn.utils.clip_grad_norm_([p], max_norm=1.0).item() == pytest.approx(5.0)
    small = param_with_grad([1.0] * 100)
    large = param_with_grad([1.0] * 10_000)
    assert torch.nn.utils.clip_grad_norm_([small], max_norm=1e9).item() == pytest.approx(10.0)
    assert torch.nn.utils.clip_grad_norm_([large], max_norm=1e9).item() == pytest.approx(100.0)


def test_sgd_steps_by_lr_times_the_gradient_length_and_all():
    said("Plain SGD uses the gradient's length as well as its direction")
    said("the step is lr × gradient")
    for scale in (1.0, 0.1):
        w = torch.nn.Parameter(torch.zeros(2))
        w.grad = torch.tensor([3.0, 4.0]) * scale
        torch.optim.SGD([w], lr=0.5).step()
        assert w.detach().norm().item() == pytest.approx(0.5 * 5.0 * scale)
