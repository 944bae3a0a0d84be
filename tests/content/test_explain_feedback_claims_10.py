"""What the explain grader's feedback states, run on torch: part 10 of the tests, the
feedback added in session 24's tuning rounds (blind50-55). See
``test_explain_feedback_claims.py``.
"""

from __future__ import annotations

import pytest
import torch

from tests.content.feedback_bank import said
from tests.content.grads import param_with_grad


def test_a_parameters_generator_is_used_up_by_the_optimizer():
    said(
        "model.parameters() returns a generator, which can be gone through only once",
        "clip_grad_norm_(params, max_norm) later sees no parameters, clips nothing and returns a"
        " norm of 0",
    )
    model = torch.nn.Linear(2, 1)
    params = model.parameters()
    torch.optim.SGD(params, lr=0.1)
    for p in model.parameters():
        p.grad = torch.full_like(p, 10.0)
    with pytest.warns(UserWarning, match="empty generator"):
        assert torch.nn.utils.clip_grad_norm_(params, max_norm=1.0).item() == 0.0
    assert all(torch.all(p.grad == 10.0) for p in model.parameters())  # nothing clipped
    kept = list(model.parameters())
    torch.optim.SGD(kept, lr=0.1)
    assert torch.nn.utils.clip_grad_norm_(kept, max_norm=1.0).item() > 1.0
    assert torch.linalg.vector_norm(torch.cat([p.grad.flatten() for p in kept])).item() <= 1.0001


def test_clip_grad_value_leaves_entries_inside_the_limit_alone():
    said(
        "clip_grad_value_ leaves every entry inside [-clip_value, clip_value] as it is",
        "so with a limit of 1, (3, 0.5) becomes (1, 0.5)",
    )
    p = param_with_grad([3.0, 0.5])
    torch.nn.utils.clip_grad_value_([p], clip_value=1.0)
    assert torch.equal(p.grad, torch.tensor([1.0, 0.5]))


def test_the_total_norm_is_not_the_sum_of_the_per_parameter_norms():
    said(
        "The total norm is not the sum of the per-parameter norms",
        "(tensors with norms 3 and 4 give 5, not 7)",
    )
    p, q = param_with_grad([3.0, 0.0]), param_with_grad([0.0, 4.0])
    assert torch.nn.utils.clip_grad_norm_([p, q], max_norm=100.0).item() == pytest.approx(5.0)
