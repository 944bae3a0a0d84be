"""What the explain grader's feedback states, run on torch: the feedback added with the blind61
answer set. See ``test_explain_feedback_claims.py``.
"""

from __future__ import annotations

import pytest
import torch

from tests.content.feedback_bank import said
from tests.content.grads import param_with_grad


def test_clip_grad_value_clamps_each_entry_and_shares_no_factor():
    said("clip_grad_value_ rescales nothing: it clamps each entry on its own")
    said("(3, 0.5) with clip_value=1 becomes (1, 0.5)")
    said("One factor shared by all the entries is what clip_grad_norm_ applies")
    by_value, by_norm = param_with_grad([3.0, 0.5]), param_with_grad([3.0, 0.5])
    assert torch.nn.utils.clip_grad_value_([by_value], clip_value=1.0) is None
    assert torch.equal(by_value.grad, torch.tensor([1.0, 0.5]))
    torch.nn.utils.clip_grad_norm_([by_norm], max_norm=1.0)
    ratios = by_norm.grad / torch.tensor([3.0, 0.5])
    assert ratios[0].item() == pytest.approx(ratios[1].item())


def test_a_sum_reduction_multiplies_the_gradient_by_the_batch_size():
    said("with reduction='sum' every gradient is the batch size times the one with")
    said("a max_norm tuned for one reduction or batch size does not carry over")
    torch.manual_seed(0)
    norms = {}
    for batch in (8, 64):
        x, y = torch.randn(batch, 4), torch.randn(batch, 1)
        for reduction in ("mean", "sum"):
            model = torch.nn.Linear(4, 1)
            torch.nn.init.constant_(model.weight, 0.5)
            torch.nn.init.zeros_(model.bias)
            torch.nn.functional.mse_loss(model(x), y, reduction=reduction).backward()
            norms[batch, reduction] = torch.nn.utils.clip_grad_norm_(
                model.parameters(), max_norm=float("inf")
            ).item()
        assert norms[batch, "sum"] == pytest.approx(batch * norms[batch, "mean"], rel=1e-5)
    assert norms[64, "sum"] > 4 * norms[8, "sum"]  # a sum grows with the batch size
