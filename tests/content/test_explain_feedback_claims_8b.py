"""What the explain grader's feedback states, run on torch: part 8 of the tests, continued (the
feedback added for blind39). See ``test_explain_feedback_claims.py``.
"""

from __future__ import annotations

import pytest
import torch

from tests.content.feedback_bank import said
from tests.content.grads import param_with_grad


def test_max_norm_inf_leaves_finite_gradients_as_they_are_and_an_overflow_nan():
    said(
        "for a finite total norm the factor max_norm / (norm + 1e-6) is capped at 1",
        "If the total norm itself overflows to inf, inf / inf is nan and every gradient",
        "torch.nn.utils.get_total_norm measures without touching them",
    )
    p = param_with_grad([3.0, 4.0])
    assert torch.nn.utils.clip_grad_norm_([p], float("inf")).item() == pytest.approx(5.0)
    assert torch.equal(p.grad, torch.tensor([3.0, 4.0]))
    big = param_with_grad([3e38, 3e38])  # each entry finite, the norm overflows float32
    assert torch.nn.utils.get_total_norm([big.grad]).item() == float("inf")
    assert torch.equal(big.grad, torch.tensor([3e38, 3e38]))  # measuring touched nothing
    assert torch.nn.utils.clip_grad_norm_([big], float("inf")).item() == float("inf")
    assert torch.isnan(big.grad).all()


def test_a_clip_before_the_last_micro_batch_leaves_the_sum_unbounded():
    said("clipped any earlier, the gradients still to come are added to .grad after the clip")
    p = param_with_grad([0.0, 0.0])
    for k, g in enumerate((torch.tensor([3.0, 0.0]), torch.tensor([0.0, 4.0]))):
        p.grad += g
        if k == 0:  # after the second-to-last micro-batch
            torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert p.grad.norm().item() > 1.0 + 3
