"""What the explain grader's feedback states, run on torch: the feedback added in session 30's
tuning round B (blind84, written by contrast, and blind85, a Socratic self-dialogue). See
``test_explain_feedback_claims.py``.
"""

from __future__ import annotations

import pytest
import torch

from tests.content.feedback_bank import said
from tests.content.grads import agc_unit, param_with_grad


def test_unscale_divides_the_gradients_by_the_loss_scale():
    said(
        "scaler.unscale_(optimizer) divides every .grad by the current loss scale",
        "multiplying them by the scale would make them larger still",
    )
    w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    opt = torch.optim.SGD([w], lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    scaler.scale((w * torch.tensor([3.0, 4.0])).sum()).backward()
    assert torch.equal(w.grad, torch.tensor([3072.0, 4096.0]))  # scaled by 1024
    scaler.unscale_(opt)
    assert torch.equal(w.grad, torch.tensor([3.0, 4.0]))  # divided back to true size


def test_a_bigger_batch_does_not_make_the_mean_loss_gradient_larger():
    said(
        "with the usual mean reduction the loss averages the per-example gradients, so a bigger"
        " batch does not make the gradient larger"
    )
    w = torch.nn.Parameter(torch.tensor([0.5, -1.0]))
    x, y = torch.tensor([[1.0, 2.0]]), torch.tensor([3.0])
    torch.nn.functional.mse_loss(x @ w, y).backward()
    one = w.grad.clone()
    w.grad = None
    torch.nn.functional.mse_loss(x.repeat(512, 1) @ w, y.repeat(512)).backward()
    assert torch.allclose(w.grad, one)


def test_clip_value_is_an_absolute_bound_not_a_fraction():
    said(
        "clip_grad_value_ clamps every entry into [-clip_value, clip_value] whatever its own size",
        "so with clip_value=0.1 an entry of 5.0 becomes 0.1 and one of 0.05 stays 0.05",
    )
    p = param_with_grad([5.0, 0.05])
    torch.nn.utils.clip_grad_value_([p], clip_value=0.1)
    assert p.grad.tolist() == pytest.approx([0.1, 0.05])


def test_norm_clipping_keeps_the_signs_of_the_entries():
    said(
        "clip_grad_norm_ multiplies every entry, sign included, by the same positive factor"
        " max_norm / (total_norm + 1e-6)",
        "so (3, -4) with max_norm=1 becomes about (0.6, -0.8)",
    )
    p = param_with_grad([3.0, -4.0])
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert p.grad.tolist() == pytest.approx([0.6, -0.8], abs=1e-5)


def test_a_tiny_first_threshold_clips_every_step_down_to_it():
    said(
        "The usual first guess for max_norm is 1.0, not a tiny value such as 1e-4",
        "so clip_grad_norm_ would clip every step and shrink every gradient to norm 1e-4",
    )
    torch.manual_seed(0)
    for _ in range(20):  # gradients of a usual size: every one is clipped down to 1e-4
        p = param_with_grad(torch.randn(100).tolist())
        torch.nn.utils.clip_grad_norm_([p], max_norm=1e-4)
        assert p.grad.norm().item() == pytest.approx(1e-4, rel=1e-3)


def test_a_threshold_between_median_and_p90_clips_between_10_and_50_percent():
    said(
        "A max_norm between the median and the 90th percentile of the logged norms clips only"
        " the steps whose norm is above it, between about 10 % and 50 % of them",
        "Clipping half of the steps means max_norm sits at the median",
    )
    torch.manual_seed(0)
    norms = torch.rand(10_000).exp()  # logged norms of many steps
    median, p90 = torch.quantile(norms, 0.5), torch.quantile(norms, 0.9)
    for max_norm in torch.linspace(median.item(), p90.item(), 5):
        clipped = (norms > max_norm).float().mean().item()
        assert 0.09 <= clipped <= 0.51
    assert (norms > median).float().mean().item() == pytest.approx(0.5, abs=0.01)


def test_agc_floors_the_weight_norm_not_the_ratio():
    said(
        "The 1e-3 floor is on the weight norm, not on the ratio: AGC divides by max(‖W_i‖, 1e-3)",
        "so a unit whose weights are zero still has a limit, gradient norm λ · 1e-3",
    )
    g = torch.tensor([3.0, 4.0])
    clipped = agc_unit(torch.zeros(2), g, lam=0.01, floor=1e-3)
    assert clipped.norm().item() == pytest.approx(0.01 * 1e-3)
