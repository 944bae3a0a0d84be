"""What the explain grader's feedback states, run on torch: the feedback added with the blind79
answer set. See ``test_explain_feedback_claims.py``.
"""

from __future__ import annotations

import torch

from tests.content.feedback_bank import said


def test_a_clip_given_the_parameters_data_clips_nothing():
    said("Pass the parameters themselves, model.parameters(), not their .data or .detach()")
    said("p.data is a new tensor that shares the values but not the gradient, its .grad is None")
    said("clip_grad_norm_ finds no gradients, clips nothing and returns a norm of 0")
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 2)
    model(torch.randn(8, 4)).pow(2).sum().mul(100).backward()
    before = [p.grad.clone() for p in model.parameters()]
    for p in model.parameters():
        assert p.data.grad is None and p.detach().grad is None
        assert p.data.data_ptr() == p.data_ptr()  # the same values
    for detached in (
        [p.data for p in model.parameters()],
        [p.detach() for p in model.parameters()],
    ):
        norm = torch.nn.utils.clip_grad_norm_(detached, max_norm=1.0)
        assert norm.item() == 0.0
    assert all(torch.equal(b, p.grad) for b, p in zip(before, model.parameters(), strict=True))
    assert torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0).item() > 1.0
