"""What the explain grader's feedback states, run on torch: the feedback added with the blind76
and blind80 answer sets. See ``test_explain_feedback_claims.py``.
"""

from __future__ import annotations

import pytest
import torch

from tests.content.feedback_bank import said
from tests.content.grads import param_with_grad


def test_clip_grad_norm_raises_no_error_with_adam():
    said("clip_grad_norm_ works with every optimizer, Adam included, and raises no error there")
    p = param_with_grad([3.0, 4.0])
    opt = torch.optim.Adam([p], lr=0.1)
    total = torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)  # no error
    assert total.item() == pytest.approx(5.0)
    assert torch.allclose(p.grad, torch.tensor([0.6, 0.8]), atol=1e-5)
    opt.step()
    assert torch.allclose(opt.state[p]["exp_avg"], 0.1 * torch.tensor([0.6, 0.8]), atol=1e-5)


def test_clip_grad_value_never_looks_at_the_norm():
    said("clip_grad_value_ never computes a norm: it clamps each entry into")
    said("whatever the total norm, and leaves the entries inside that range as they are.")
    p = param_with_grad([0.6, 0.6, 0.6])  # norm ≈ 1.04, over the limit, every entry inside
    torch.nn.utils.clip_grad_value_([p], clip_value=1.0)
    assert torch.equal(p.grad, torch.tensor([0.6, 0.6, 0.6]))
    p = param_with_grad([0.3, 5.0])
    assert torch.nn.utils.clip_grad_value_([p], clip_value=1.0) is None
    assert torch.equal(p.grad, torch.tensor([0.3, 1.0]))  # the small entry is left as it was


def test_tanh_does_not_rule_out_an_explosion():
    said("tanh does not rule out an explosion: its derivative is at most 1")
    said("the product of W and tanh' is still above 1 at every step")
    x = torch.linspace(-5, 5, 101)
    assert (1 - torch.tanh(x) ** 2).max().item() <= 1.0

    def growth(steps: int) -> float:
        rnn = torch.nn.RNN(4, 4, nonlinearity="tanh", bias=False)
        with torch.no_grad():
            rnn.weight_ih_l0.zero_()
            rnn.weight_hh_l0.copy_(3.0 * torch.eye(4))
        h0 = torch.full((1, 1, 4), 1e-6, requires_grad=True)
        out, _ = rnn(torch.zeros(steps, 1, 4), h0)
        out[-1].sum().backward()
        return h0.grad.norm().item()

    assert growth(10) > 1e4  # about 3^10 · 2: exponential, tanh' ≈ 1 near 0
    assert growth(10) / growth(5) > 3.0**4


def test_truncated_bptt_leaves_the_recurrent_matrix_alone():
    said("Truncated BPTT does not change the recurrent matrix or its spectral radius")
    said("(by detaching the hidden state), so fewer copies of the same matrix are multiplied")
    torch.manual_seed(0)
    cell = torch.nn.RNNCell(3, 3)
    before = cell.weight_hh.detach().clone()
    h0 = torch.zeros(1, 3, requires_grad=True)
    h = h0
    for t in range(8):
        if t == 4:
            h = h.detach()  # truncate: the backward pass stops here
        h = cell(torch.randn(1, 3), h)
    h.sum().backward()
    assert h0.grad is None  # nothing flows back past the cut
    assert torch.equal(cell.weight_hh.detach(), before)
    radius = torch.linalg.eigvals(cell.weight_hh.detach()).abs().max()
    assert radius == torch.linalg.eigvals(before).abs().max()


def test_bptt_sums_the_losses_and_multiplies_the_jacobians():
    said("Backpropagation through time does not multiply the losses together")
    said("the per-step losses are summed, and it is the gradient that is multiplied")
    w, h0 = torch.tensor(1.5), torch.tensor(1.0, requires_grad=True)
    h1 = w * h0
    h2 = w * h1
    (h1 + h2).backward()  # the total loss is the sum of the per-step losses
    assert h0.grad.item() == pytest.approx(1.5 + 1.5**2)  # Jacobians multiplied along each path
    assert h0.grad.item() != pytest.approx(h1.item() * h2.item())  # not the product of losses


def test_clip_grad_norm_returns_the_norm_and_clip_grad_value_none():
    said("clip_grad_norm_ returns the total norm of the gradients, measured before clipping")
    said("It is clip_grad_value_ that returns None.")
    p = param_with_grad([3.0, 4.0])
    total = torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert isinstance(total, torch.Tensor) and total.item() == pytest.approx(5.0)
    assert torch.nn.utils.clip_grad_value_([param_with_grad([3.0, 4.0])], 1.0) is None


def test_max_norm_need_not_be_a_whole_number():
    said("max_norm can be any positive number, whole or not")
    for limit in (0.5, 1, 2.5):
        p = param_with_grad([3.0, 4.0])
        torch.nn.utils.clip_grad_norm_([p], max_norm=limit)
        assert p.grad.norm().item() == pytest.approx(limit, rel=1e-5)


def test_clipping_every_step_shrinks_every_step_like_a_smaller_lr():
    said("Clipping every step is not free: a threshold that clips (almost) every step shrinks")
    said("which with plain SGD is like a smaller learning rate and slows learning")
    lr, limit = 0.1, 0.5
    for g in ([2.0, 0.0], [0.0, 3.0], [3.0, 4.0]):  # every norm above the limit
        p = param_with_grad(g)
        norm = torch.nn.utils.clip_grad_norm_([p], max_norm=limit).item()
        torch.optim.SGD([p], lr=lr).step()
        moved = p.detach().norm().item()
        assert moved == pytest.approx(lr * limit, rel=1e-5)  # shorter than lr * norm
        assert moved == pytest.approx((lr * limit / norm) * norm, rel=1e-5)
