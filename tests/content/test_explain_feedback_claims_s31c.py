"""What the explain grader's feedback states (``lessons/quiz/03_explain.toml``), run on torch.

The feedback added with the blind89 and blind90 answer sets: clip_grad_value_ is no other
implementation of clip_grad_norm_, an optimizer has no .parameters(), clip_grad_norm_ returns
the norm on every call, and the growth of a product is exponential, not linear. See
``test_explain_feedback_claims.py`` for how these tests work.
"""

from __future__ import annotations

import pytest
import torch

from tests.content.feedback_bank import said
from tests.content.grads import param_with_grad


def test_clip_grad_value_is_not_another_implementation_of_clip_grad_norm():
    said("clip_grad_value_ is not another implementation of clip_grad_norm_")
    said("it clamps each entry into [-clip_value, clip_value] on its own")
    said("With a limit of 1, (3, 4) becomes (1, 1) by value but (0.6, 0.8) by norm.")
    by_value, by_norm = param_with_grad([3.0, 4.0]), param_with_grad([3.0, 4.0])
    torch.nn.utils.clip_grad_value_([by_value], clip_value=1.0)
    torch.nn.utils.clip_grad_norm_([by_norm], max_norm=1.0)
    assert torch.equal(by_value.grad, torch.tensor([1.0, 1.0]))
    assert torch.allclose(by_norm.grad, torch.tensor([0.6, 0.8]), atol=1e-6)
    clamped = param_with_grad([-3.0, 0.5])  # each entry on its own, a negative one too
    torch.nn.utils.clip_grad_value_([clamped], clip_value=1.0)
    assert torch.equal(clamped.grad, torch.tensor([-1.0, 0.5]))


def test_an_optimizer_has_no_parameters_method_its_params_are_in_param_groups():
    said("A torch.optim optimizer has no .parameters() method (that is nn.Module's)")
    said("optimizer.parameters() raises an AttributeError")
    said("the optimizer only keeps references to those parameters in optimizer.param_groups")
    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    assert hasattr(model, "parameters") and not hasattr(optimizer, "parameters")
    with pytest.raises(AttributeError):
        optimizer.parameters()
    held = [p for group in optimizer.param_groups for p in group["params"]]
    assert all(a is b for a, b in zip(held, model.parameters(), strict=True))  # the same tensors
    model(torch.ones(1, 3)).sum().mul(100).backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    total = torch.linalg.vector_norm(torch.cat([p.grad.flatten() for p in held]))
    assert total <= 1.0 + 1e-5  # .grad of the parameters the optimizer holds: clipped


def test_clip_grad_norm_returns_the_norm_on_every_call_clipped_or_not():
    said("clip_grad_norm_ returns the total norm on every call, whether it clipped or not")
    said("gradients (0.3, 0.4) under max_norm=1 are left as they are")
    said("and the call still returns 0.5")
    said("(a tensor, never None)")
    p = param_with_grad([0.3, 0.4])
    total = torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert torch.equal(p.grad, torch.tensor([0.3, 0.4]))  # not clipped
    assert isinstance(total, torch.Tensor) and abs(total.item() - 0.5) < 1e-6
    q = param_with_grad([3.0, 4.0])
    assert torch.nn.utils.clip_grad_norm_([q], max_norm=1.0).item() == 5.0  # clipped: also


def test_a_product_of_per_step_factors_grows_like_a_power_not_linearly():
    said("You said the gradient builds up by adding terms, or grows linearly or polynomially.")
    said("so with factors above one the gradient can grow exponentially in the depth (like 1.1^n)")
    a, steps = 1.1, 100
    h0 = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    h = h0
    for _ in range(steps):  # a linear scalar RNN: one factor a per time step
        h = a * h
    h.backward()
    assert abs(h0.grad.item() - a**steps) < 1e-6 * a**steps  # about 13,781
    assert h0.grad.item() > 100 * (a * steps)  # far beyond a * T = 110


def test_a_vanilla_rnn_steps_jacobian_is_diag_tanh_prime_times_w_with_no_identity():
    said("the Jacobian of one step is diag(tanh'(a_t)) W: no identity is added")
    said("A small recurrent matrix gives small factors, and their product vanishes")
    torch.manual_seed(0)
    w, u, x = torch.randn(4, 4) * 0.1, torch.randn(4, 3), torch.randn(3)
    h = torch.randn(4)

    def step(h_prev: torch.Tensor) -> torch.Tensor:
        return torch.tanh(w @ h_prev + u @ x)

    jac = torch.autograd.functional.jacobian(step, h)
    a = w @ h + u @ x
    assert torch.allclose(jac, torch.diag(1 - torch.tanh(a) ** 2) @ w, atol=1e-6)
    assert jac.diagonal().abs().max() < 0.5  # no identity in it: its diagonal stays small
    h0 = h.clone().requires_grad_(True)
    out = h0
    for _ in range(50):  # a small recurrent matrix: the gradient vanishes
        out = step(out)
    out.sum().backward()
    assert h0.grad.abs().max() < 1e-20
