"""What the explain grader's feedback states (``lessons/quiz/03_explain.toml``), run on torch.

The feedback added with the notation readers (:mod:`gradclip_core.quiz.normtypes`,
:mod:`.arrowcond`, :mod:`.unitdir`, :mod:`.minone`): what clip_grad_norm_ returns, and why
clipping is not unbiased. See ``test_explain_feedback_claims.py`` for how these tests work.
"""

from __future__ import annotations

import torch

from tests.content.feedback_bank import said
from tests.content.grads import param_with_grad


def test_clip_grad_norm_returns_a_0_dim_tensor_not_a_python_float():
    said("returns the total norm as a 0-dim torch.Tensor, not a Python float")
    said("call .item() on it (or float(...))")
    p = param_with_grad([3.0, 4.0])
    total = torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert isinstance(total, torch.Tensor) and not isinstance(total, float)
    assert total.dim() == 0
    assert isinstance(total.item(), float) and isinstance(float(total), float)
    assert total.item() == 5.0  # the norm before clipping


def test_clipping_is_not_unbiased_the_mean_of_clipped_gradients_differs():
    said("Clipping is not unbiased", "E[clip(g)] ≠ E[g]")
    said("clipping (10, 0) and (0, 0) and averaging gives (0.5, 0), while their mean is (5, 0)")
    raws = ([10.0, 0.0], [0.0, 0.0])
    clipped = []
    for raw in raws:
        p = param_with_grad(raw)
        torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
        clipped.append(p.grad.clone())
    mean_clipped = torch.stack(clipped).mean(0)
    mean_raw = torch.tensor(raws).mean(0)
    assert torch.allclose(mean_clipped, torch.tensor([0.5, 0.0]), atol=1e-6)
    assert torch.allclose(mean_raw, torch.tensor([5.0, 0.0]))
    p = param_with_grad(mean_raw.tolist())  # nor is it the clipped mean
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert not torch.allclose(p.grad, mean_clipped)
