"""What the explain grader's feedback states, run on torch: the feedback added with the blind70
and blind72 answer sets. See ``test_explain_feedback_claims.py``.
"""

from __future__ import annotations

import math

import pytest
import torch

from tests.content.feedback_bank import said
from tests.content.grads import param_with_grad


def test_clip_grad_norm_works_with_adam_too():
    said("clip_grad_norm_ works with every optimizer, Adam included")
    said("whatever optimizer then runs reads those clipped gradients")
    p = param_with_grad([3.0, 4.0])
    opt = torch.optim.Adam([p], lr=0.1, betas=(0.9, 0.999))
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert torch.allclose(p.grad, torch.tensor([0.6, 0.8]), atol=1e-5)
    opt.step()
    # Adam's first moment holds (1 - beta1) times the gradient it read: the clipped one
    exp_avg = opt.state[p]["exp_avg"]
    assert torch.allclose(exp_avg, 0.1 * torch.tensor([0.6, 0.8]), atol=1e-5)


def test_clip_grad_value_only_clamps_and_does_not_restore_the_norm():
    said("clip_grad_value_ only clamps: each entry ends up in [-clip_value, clip_value]")
    said("(3, 4) clamped at 1 becomes (1, 1), of norm √2 ≈ 1.41, not 5.")
    p = param_with_grad([3.0, 4.0])
    torch.nn.utils.clip_grad_value_([p], clip_value=1.0)
    assert torch.equal(p.grad, torch.tensor([1.0, 1.0]))
    assert p.grad.norm().item() == pytest.approx(math.sqrt(2), abs=1e-6)
    assert p.grad.norm().item() == pytest.approx(1.41, abs=0.01)


def test_the_norm_of_n_fixed_entries_grows_like_the_square_root_of_n():
    said("a norm that grows only like √n (1000 entries of 0.1 give a norm of about 3.2)")
    g = torch.full((1000,), 0.1)
    assert g.norm().item() == pytest.approx(math.sqrt(1000) * 0.1, rel=1e-5)
    assert g.norm().item() == pytest.approx(3.2, abs=0.05)
    p = param_with_grad([0.1] * 1000)
    total = torch.nn.utils.clip_grad_norm_([p], max_norm=100.0)
    assert total.item() == pytest.approx(math.sqrt(10.0), rel=1e-5)


def test_clip_grad_norm_returns_the_l2_norm_by_default_not_the_l1():
    said("norm_type defaults to 2.0: clip_grad_norm_ measures and returns the Euclidean (L2) norm")
    said("Gradients (3, 4) give 5.0; only norm_type=1 would give 7.0.")
    p = param_with_grad([3.0, 4.0])
    assert torch.nn.utils.clip_grad_norm_([p], max_norm=100.0).item() == pytest.approx(5.0)
    p = param_with_grad([3.0, 4.0])
    total = torch.nn.utils.clip_grad_norm_([p], max_norm=100.0, norm_type=1)
    assert total.item() == pytest.approx(7.0)


def test_a_zero_based_window_test_steps_on_the_first_micro_batch():
    said("if i % accum == 0 is true on the very first micro-batch")
    said("step (and clip) when (i + 1) % accum == 0, after the window's last backward()")
    accum, loader = 4, range(12)
    early = [i for i, _ in enumerate(loader) if i % accum == 0]
    right = [i for i, _ in enumerate(loader) if (i + 1) % accum == 0]
    assert early[0] == 0  # the first update after a single micro-batch
    assert right == [3, 7, 11]  # each update closes a window of accum micro-batches
    p = torch.nn.Parameter(torch.zeros(1))
    for i, _ in enumerate(loader):
        (p * 1.0).sum().backward()
        if (i + 1) % accum == 0:
            assert p.grad.item() == pytest.approx(accum)  # .grad holds the whole window's sum
            p.grad = None
