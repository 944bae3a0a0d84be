"""What the explain grader's feedback states, run on torch: the feedback added in session 25's
tuning on explain_answers_blind57-59. See ``test_explain_feedback_claims.py``.
"""

from __future__ import annotations

import inspect

import pytest
import torch

from tests.content.feedback_bank import said
from tests.content.grads import agc_unit, param_with_grad


def _scaled_backward(p: torch.nn.Parameter) -> tuple[torch.amp.GradScaler, torch.Tensor]:
    """A CPU GradScaler that has scaled the loss ``sum(p * p)`` and run backward()."""
    scaler = torch.amp.GradScaler("cpu")
    scaled = scaler.scale((p * p).sum())
    scaled.backward()
    return scaler, scaled


def test_scaler_step_takes_no_max_norm_and_does_not_clip():
    said(
        "scaler.step(optimizer) does not clip and takes no max_norm",
        "it passes any other argument on to optimizer.step(), which takes only a closure, so "
        "scaler.step(optimizer, max_norm=1.0) raises a TypeError",
    )
    assert list(inspect.signature(torch.optim.SGD.step).parameters) == ["self", "closure"]
    assert list(inspect.signature(torch.optim.Adam.step).parameters) == ["self", "closure"]
    p = torch.nn.Parameter(torch.tensor([3.0, 4.0]))
    opt = torch.optim.SGD([p], lr=0.1)
    scaler, _ = _scaled_backward(p)
    scaler.unscale_(opt)
    with pytest.raises(TypeError, match="max_norm"):
        scaler.step(opt, max_norm=1.0)


def test_the_api_checker_lets_step_take_only_the_optimizer_and_a_closure():
    from gradclip_core.quiz.api import KEYWORDS

    scaler_step = set(inspect.signature(torch.amp.GradScaler.step).parameters)
    assert {"optimizer"} <= scaler_step  # the rest (*args, **kwargs) goes to optimizer.step
    own = set(inspect.signature(torch.optim.SGD.step).parameters) - {"self"}
    assert set(KEYWORDS["step"]) == {"optimizer"} | own


def test_scaler_step_steps_with_unclipped_gradients():
    p = torch.nn.Parameter(torch.tensor([30.0, 40.0]))
    opt = torch.optim.SGD([p], lr=1.0)
    scaler, _ = _scaled_backward(p)
    scaler.unscale_(opt)
    scaler.step(opt)
    # the gradient 2p = (60, 80), of norm 100, is used whole: nothing clipped it
    assert torch.allclose(p.detach(), torch.tensor([-30.0, -40.0]))


def test_unscale_divides_the_gradients_not_the_loss():
    said(
        "scaler.unscale_(optimizer) divides the gradients, not the loss",
        "it divides the .grad of every parameter the optimizer holds by the current scale, in "
        "place, and leaves the loss tensor as it was",
    )
    p = torch.nn.Parameter(torch.tensor([3.0, 4.0]))
    opt = torch.optim.SGD([p], lr=0.1)
    scaler, scaled = _scaled_backward(p)
    scale = scaler.get_scale()
    before = scaled.detach().clone()
    assert torch.allclose(p.grad, torch.tensor([6.0, 8.0]) * scale)
    grad = p.grad
    scaler.unscale_(opt)
    assert p.grad is grad  # in place
    assert torch.allclose(p.grad, torch.tensor([6.0, 8.0]))  # the true gradient 2p
    assert torch.equal(scaled.detach(), before)  # the loss is left as it was
    assert before.item() == pytest.approx(25.0 * scale)


def test_in_a_deep_network_the_gradient_reaching_the_first_layers_is_the_largest():
    said(
        "It is the layers furthest from the output, the earliest ones, whose gradients can explode"
        " most",
        "the last layers, next to the output, the shortest",
    )
    torch.manual_seed(0)
    width, depth = 16, 30
    layers = [torch.nn.Linear(width, width, bias=False) for _ in range(depth)]
    for layer in layers:
        torch.nn.init.orthogonal_(layer.weight)
        layer.weight.data *= 1.5  # every layer's Jacobian scales by 1.5
    out, hidden = torch.randn(4, width), []
    for layer in layers:
        out = layer(out)
        out.retain_grad()
        hidden.append(out)
    out.sum().backward()
    norms = [h.grad.norm().item() for h in hidden]
    # the gradient at layer k's output has gone back through depth - 1 - k Jacobians
    assert norms[0] == pytest.approx(norms[-1] * 1.5 ** (depth - 1), rel=1e-3)
    assert all(a > b for a, b in zip(norms, norms[1:], strict=False))


def test_clip_grad_norm_never_scales_a_small_gradient_up_to_max_norm():
    # "mislevelled" answers: every gradient brought to max_norm, small ones too
    said("clip_grad_norm_ never scales a gradient up")
    p = param_with_grad([0.3, 0.4])  # norm 0.5
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert torch.equal(p.grad, torch.tensor([0.3, 0.4]))


def test_agc_example_with_unit_norms_scales_to_lambda_times_the_weight_norm():
    # the example agcmath.clipped checks: ‖W_i‖ = 2, ‖G_i‖ = 1, λ = 0.1 gives a norm of 0.2
    w, g = torch.tensor([2.0, 0.0]), torch.tensor([0.0, 1.0])
    assert agc_unit(w, g, 0.1, 1e-3).norm().item() == pytest.approx(0.2)
