"""What the explain grader's feedback states, run on torch: the feedback added when the grader
was tuned on blind60. See ``test_explain_feedback_claims.py``.
"""

from __future__ import annotations

import pytest
import torch

from tests.content.feedback_bank import said
from tests.content.grads import agc_unit, param_with_grad


def test_a_mean_reduced_loss_does_not_grow_the_gradient_with_the_batch_size():
    said(
        "with the default reduction='mean' the loss is an average over the batch, so the gradient"
        " does not grow with the batch size"
    )
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    x, y = torch.randn(8, 3), torch.randn(8, 1)

    def grad_norm(reps: int) -> float:
        model.zero_grad()
        loss = torch.nn.MSELoss()(model(x.repeat(reps, 1)), y.repeat(reps, 1))
        loss.backward()
        return torch.cat([p.grad.flatten() for p in model.parameters()]).norm().item()

    assert torch.nn.MSELoss().reduction == "mean"
    assert grad_norm(4) == pytest.approx(grad_norm(1), rel=1e-5)  # a 4x batch, same gradient


def test_the_first_layers_get_the_longest_product():
    said(
        "the gradient reaching a layer is multiplied by one factor for each layer after it, so the"
        " first layers get the longest product"
    )
    scales = [torch.tensor(2.0, requires_grad=True) for _ in range(6)]
    h = torch.tensor(1.0)
    acts = []
    for s in scales:
        h = h * s
        h.retain_grad()
        acts.append(h)
    h.backward()
    grads = [a.grad.item() for a in acts]  # d out / d (output of layer k)
    assert grads == [2.0**5, 2.0**4, 2.0**3, 2.0**2, 2.0, 1.0]  # first largest, last smallest


def test_grad_scaler_uses_one_scale_for_every_gradient():
    said(
        "GradScaler keeps a single loss scale (scaler.get_scale() returns one number, 65536.0 at"
        " the start by default): every gradient is multiplied by the same factor"
    )
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 1))
    x = torch.randn(5, 3)
    model(x).sum().backward()
    plain = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    scaler = torch.amp.GradScaler("cpu")
    assert isinstance(scaler.get_scale(), float) and scaler.get_scale() == 65536.0
    scaler.scale(model(x).sum()).backward()
    for g, p in zip(plain, model.parameters(), strict=True):
        assert torch.allclose(p.grad, g * 65536.0, rtol=1e-4)  # the same factor in every layer


def test_clip_grad_norm_returns_the_norm_before_clipping():
    said(
        "clip_grad_norm_ returns the total norm of the gradients before clipping (as a tensor),"
        " not the clipped one: the clipped norm is never above max_norm"
    )
    p = param_with_grad([6.0, 8.0])
    total = torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert isinstance(total, torch.Tensor) and total.item() == pytest.approx(10.0)
    assert p.grad.norm().item() <= 1.0 + 1e-5


def test_backward_adds_into_grad_without_retain_graph():
    said(
        "each loss.backward() adds its gradients into .grad by default, it never overwrites them,"
        " so separate micro-batches (each with its own graph) sum up on their own",
        "retain_graph only keeps a graph alive for a second backward() through the same graph",
    )
    w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    (w * torch.tensor([1.0, 1.0])).sum().backward()  # micro-batch 1, its own graph
    (w * torch.tensor([2.0, 3.0])).sum().backward()  # micro-batch 2: no retain_graph needed
    assert torch.equal(w.grad, torch.tensor([3.0, 4.0]))  # summed, not overwritten
    loss = (w**2).sum()
    loss.backward()
    with pytest.raises(RuntimeError):
        loss.backward()  # a second backward through the same freed graph


def test_a_tight_threshold_shortens_every_sgd_step_by_max_norm_over_norm():
    said(
        "every step is shortened by the factor max_norm / norm, like a smaller learning rate",
        "clip_grad_norm_ accepts any positive max_norm, not only values up to 1: max_norm=5.0 clips"
        " a gradient of norm 10 down to norm 5",
    )
    p = param_with_grad([6.0, 8.0])  # norm 10
    opt = torch.optim.SGD([p], lr=0.1)
    torch.nn.utils.clip_grad_norm_([p], max_norm=5.0)
    assert p.grad.norm().item() == pytest.approx(5.0, rel=1e-5)
    opt.step()
    # the step is lr * 0.5 * g: the same as an unclipped step with lr 0.05, same direction
    assert torch.allclose(p.detach(), -0.05 * torch.tensor([6.0, 8.0]), rtol=1e-5)


def test_agc_still_clips_a_unit_whose_weights_are_below_the_floor():
    said(
        "a unit whose weights have a norm below 1e-3 (even all zero) is still clipped whenever"
        " its gradient norm exceeds λ · 1e-3"
    )
    lam = 0.01
    for w in (torch.zeros(3), torch.full((3,), 1e-5)):
        clipped = agc_unit(w, torch.tensor([0.0, 3.0, 4.0]), lam, 1e-3)
        assert clipped.norm().item() == pytest.approx(lam * 1e-3, rel=1e-5)
        small = torch.tensor([0.0, 3e-6, 4e-6])  # norm 5e-6, below λ · 1e-3 = 1e-5
        assert torch.equal(agc_unit(w, small, lam, 1e-3), small)
