"""What the explain grader's feedback states, run on torch: the feedback added with the blind64
and blind65 answer sets. See ``test_explain_feedback_claims.py``.
"""

from __future__ import annotations

import pytest
import torch

from tests.content.feedback_bank import said
from tests.content.grads import param_with_grad


def test_adam_steps_are_not_what_clip_grad_norm_clips():
    said("not on the update the optimizer computes from them")
    said("with Adam the moment-normalised step itself is never clipped")
    steps = []
    for max_norm in (1.0, 0.01):
        p = param_with_grad([3.0, 4.0])
        torch.nn.utils.clip_grad_norm_([p], max_norm=max_norm)
        assert p.grad.norm().item() == pytest.approx(max_norm, rel=1e-4)
        torch.optim.Adam([p], lr=0.1).step()
        steps.append(p.detach().clone())
    # the first Adam step is about lr per entry whatever the clip: its update was not capped
    assert torch.allclose(steps[0], steps[1], atol=1e-4)
    assert steps[0].norm().item() > 0.1


def test_clip_grad_norm_scales_in_place_and_returns_the_norm_before():
    said("clip_grad_norm_ does more than measure")
    said("so (3, 4) with max_norm=1 becomes (0.6, 0.8) without any further code")
    p = param_with_grad([3.0, 4.0])
    total = torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert total.item() == pytest.approx(5.0)
    assert torch.allclose(p.grad, torch.tensor([0.6, 0.8]), atol=1e-5)


def test_the_norm_clipping_factor_is_max_norm_over_the_norm():
    said("The factor of clipping by norm is max_norm / total_norm (torch adds 1e-6 to the norm)")
    said("(3, 4) with max_norm=1 gets the factor 1/5 and becomes (0.6, 0.8)")
    p = param_with_grad([3.0, 4.0])
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert torch.allclose(p.grad, torch.tensor([3.0, 4.0]) * (1.0 / (5.0 + 1e-6)))
    assert torch.allclose(torch.tensor([3.0, 4.0]) * (1.0 * 5.0), torch.tensor([15.0, 20.0]))


def test_the_spectral_radius_not_the_average_entry_decides_growth():
    said("[[2, -2], [-2, 2]] has entries that average 0, yet its spectral radius is 4")
    w = torch.tensor([[2.0, -2.0], [-2.0, 2.0]])
    assert w.mean().item() == 0.0
    assert torch.linalg.eigvals(w).abs().max().item() == pytest.approx(4.0)
    v = torch.tensor([1.0, -1.0])
    assert torch.allclose(w @ v, 4 * v)


def test_growth_is_exponential_in_the_steps_even_for_one_weight():
    said("even a single recurrent weight of 1.1 grows the gradient 1.1^100 ≈ 13,781-fold")
    h = torch.zeros(1, requires_grad=True)
    out = h
    for _ in range(100):
        out = out * 1.1
    out.sum().backward()
    assert h.grad.item() == pytest.approx(13780.6, rel=1e-3)


def test_one_direction_grows_whatever_the_smallest_singular_value():
    said("[[2, 0], [0, 0.1]] doubles (1, 0) at every step (1024-fold after 10)")
    w = torch.tensor([[2.0, 0.0], [0.0, 0.1]])
    assert torch.linalg.svdvals(w).min().item() == pytest.approx(0.1)
    power = torch.linalg.matrix_power(w, 10)
    assert torch.allclose(power @ torch.tensor([1.0, 0.0]), torch.tensor([1024.0, 0.0]))
    assert (power @ torch.tensor([0.0, 1.0])).norm().item() < 1e-9


def test_bounded_tanh_activations_can_carry_an_exploding_gradient():
    said("The forward activations need not grow at all: with tanh they stay between -1 and 1")
    w = 2.0 * torch.eye(3)
    h0 = torch.zeros(3, requires_grad=True)
    h, states = h0, []
    for _ in range(10):
        h = torch.tanh(w @ h)
        states.append(h.detach())
    h.sum().backward()
    assert all(s.abs().max().item() <= 1.0 for s in states)
    assert torch.allclose(h0.grad, torch.full((3,), 2.0**10))


def test_clamping_each_micro_batch_is_not_clamping_the_sum():
    said("clamp(a) + clamp(b) need not equal clamp(a + b)")
    said("two micro-batch entries of 0.8 stay 0.8 each and sum to 1.6")
    said("entries 2 and -2 clamp to 1 and -1, summing to 0")
    per_batch = param_with_grad([0.0])
    summed = torch.zeros(1)
    for entry in (0.8, 0.8):
        g = torch.tensor([entry])
        summed += g
        per_batch.grad = torch.tensor([entry])
        torch.nn.utils.clip_grad_value_([per_batch], clip_value=1.0)
        assert per_batch.grad.item() == pytest.approx(entry)
    assert summed.item() == pytest.approx(1.6)
    once = param_with_grad([1.6])
    torch.nn.utils.clip_grad_value_([once], clip_value=1.0)
    assert once.grad.item() == pytest.approx(1.0)
    assert torch.clamp(torch.tensor([2.0, -2.0]), -1, 1).sum().item() == 0.0


def test_norm_clipping_every_step_keeps_the_ratios_unlike_sign_sgd():
    said("Clipping by norm never turns into sign SGD")
    said("(3, 0.5) with max_norm 1 becomes about (0.99, 0.16)")
    p = param_with_grad([3.0, 0.5])
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert torch.allclose(p.grad, torch.tensor([0.99, 0.16]), atol=0.01)
    assert (p.grad[0] / p.grad[1]).item() == pytest.approx(6.0, rel=1e-4)


def test_a_tiny_max_norm_clips_every_step_and_a_huge_one_never():
    said("a max_norm far too small is below every step's norm, so every step is clipped")
    said("it is a max_norm far too large that never clips")
    for norm in (0.5, 2.0, 8.0):
        tiny, huge = param_with_grad([norm, 0.0]), param_with_grad([norm, 0.0])
        torch.nn.utils.clip_grad_norm_([tiny], max_norm=0.01)
        torch.nn.utils.clip_grad_norm_([huge], max_norm=1e6)
        assert tiny.grad.norm().item() == pytest.approx(0.01, rel=1e-3)
        assert huge.grad[0].item() == norm


def test_clip_grad_norm_returns_one_total_norm_for_all_parameters():
    said("clip_grad_norm_ returns one number, a 0-dim tensor: the total norm of all the gradients")
    a, b = param_with_grad([3.0]), param_with_grad([4.0])
    total = torch.nn.utils.clip_grad_norm_([a, b], max_norm=float("inf"))
    assert isinstance(total, torch.Tensor) and total.dim() == 0
    assert total.item() == pytest.approx(5.0)
    assert [p.grad.norm().item() for p in (a, b)] == [3.0, 4.0]
