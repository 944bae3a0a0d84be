"""What the explain grader's feedback states, run on torch: the feedback added with the blind87
answer set (worked examples first). See ``test_explain_feedback_claims.py``.
"""

from __future__ import annotations

import pytest
import torch

from tests.content.feedback_bank import said
from tests.content.grads import agc_unit, param_with_grad


def test_clip_grad_norm_returns_the_norm_before_clipping():
    said("clip_grad_norm_ returns the total norm measured before clipping, not the norm after it")
    said("(6, 8) clipped with max_norm=5 becomes (3, 4), and the call returns 10.0, not 5.0")
    p = param_with_grad([6.0, 8.0])
    total = torch.nn.utils.clip_grad_norm_([p], max_norm=5.0)
    assert total.item() == pytest.approx(10.0)
    assert p.grad.tolist() == pytest.approx([3.0, 4.0], abs=1e-5)


def test_max_norm_is_compared_with_the_norm_not_the_largest_entry():
    said("compares max_norm with the L2 norm of all the gradients taken together")
    said("(6, 8) has norm 10, so with max_norm=9 it is scaled by 9/10 to about (5.4, 7.2)")
    p = param_with_grad([6.0, 8.0])
    torch.nn.utils.clip_grad_norm_([p], max_norm=9.0)
    assert p.grad.tolist() == pytest.approx([5.4, 7.2], abs=1e-4)


def test_clipping_changes_no_optimizer_setting():
    said("clip_grad_norm_ only rescales the current .grad tensors in place")
    said("the learning rate stays what it was and the next step's gradients are measured")
    p = param_with_grad([30.0, 40.0])
    opt = torch.optim.SGD([p], lr=0.1)
    torch.nn.utils.clip_grad_norm_([p], max_norm=5.0)
    opt.step()
    assert opt.param_groups[0]["lr"] == 0.1
    assert p.data.tolist() == pytest.approx([-0.3, -0.4], abs=1e-5)
    p.grad = torch.tensor([0.3, 0.4])  # the next step: under the limit, used as it is
    before = p.data.clone()
    total = torch.nn.utils.clip_grad_norm_([p], max_norm=5.0)
    opt.step()
    assert total.item() == pytest.approx(0.5)
    assert (before - p.data).tolist() == pytest.approx([0.03, 0.04], abs=1e-6)


def test_a_threshold_above_the_norms_leaves_them_as_they_are():
    said("a threshold several times the 90th percentile clips almost nothing")
    said("leaves every gradient whose norm is under max_norm exactly as it is")
    torch.manual_seed(0)
    norms = torch.rand(1000) * 0.9 + 0.1  # logged norms, the 90th percentile about 0.9
    p90 = torch.quantile(norms, 0.9).item()
    clipped = 0
    for n in norms.tolist():
        p = param_with_grad([n, 0.0])
        torch.nn.utils.clip_grad_norm_([p], max_norm=5 * p90)
        clipped += p.grad[0].item() != n
    assert clipped == 0


def test_a_tiny_max_norm_raises_nothing():
    said("A max_norm that is too small raises no error")
    said("error_if_nonfinite=True raises only when the total norm is nan or inf")
    p = param_with_grad([3.0, 4.0])
    total = torch.nn.utils.clip_grad_norm_([p], max_norm=1e-4, error_if_nonfinite=True)
    assert total.item() == pytest.approx(5.0)
    assert p.grad.norm().item() == pytest.approx(1e-4, rel=1e-3)
    bad = param_with_grad([float("inf"), 1.0])
    with pytest.raises(RuntimeError):
        torch.nn.utils.clip_grad_norm_([bad], max_norm=1e-4, error_if_nonfinite=True)


def test_agc_floors_the_weight_norm():
    said("AGC floors the weight norm, max(‖W‖, 1e-3), instead of adding a tiny epsilon")
    said("a unit whose weights are all zero still gets a limit of λ × 1e-3")
    lam, g = 0.01, torch.tensor([3.0, 4.0])
    clipped = agc_unit(torch.zeros(2), g, lam, floor=1e-3)
    assert clipped.norm().item() == pytest.approx(lam * 1e-3, rel=1e-4)
    with_eps = g * lam * (0.0 + 1e-6) / g.norm()  # a tiny epsilon added instead: 1000x smaller
    assert with_eps.norm().item() < clipped.norm().item() / 100
