"""What the explain grader's feedback states (``lessons/quiz/03_explain.toml``), run on torch.

The feedback added with the blind93 tuning (spoken answers that repair themselves): that
clip_grad_norm_ does not know whether a step follows, and the defaults it is said to have. See
``test_explain_feedback_claims.py`` for how these tests work.
"""

from __future__ import annotations

import inspect

import pytest
import torch

from tests.content.feedback_bank import said

MICRO = ([3.0, 0.0], [0.0, 3.0])  # two micro-batch gradients of norm 3


def _accumulate(clip_every: bool) -> tuple[torch.Tensor, list[float]]:
    """.grad after two backward() calls with max_norm=1, clipped after each one or after the
    last only, and the norm clip_grad_norm_ found at each call."""
    p = torch.nn.Parameter(torch.zeros(2))
    seen = []
    for n, g in enumerate(MICRO):
        (p * torch.tensor(g)).sum().backward()  # adds g into p.grad
        if clip_every or n == len(MICRO) - 1:
            seen.append(torch.nn.utils.clip_grad_norm_([p], max_norm=1.0).item())
    return p.grad.clone(), seen


def test_clip_grad_norm_clips_every_partial_sum_it_is_called_on():
    said("clip_grad_norm_ does not know whether optimizer.step() comes next")
    said("rescales whatever .grad holds every time it is called")
    said("Left after every backward(), it clips each partial sum")
    every, seen = _accumulate(clip_every=True)
    assert seen[0] == 3.0  # the first partial sum, clipped although no step follows
    assert torch.allclose(every, torch.tensor([1 / 10**0.5, 3 / 10**0.5]), atol=1e-6)


def test_clipping_every_partial_sum_shrinks_the_early_micro_batches_more():
    said("the early micro-batches are shrunk again and again")
    said("the update differs from clipping the full sum once")
    every, _ = _accumulate(clip_every=True)
    once, _ = _accumulate(clip_every=False)
    assert torch.allclose(once, torch.tensor([1.0, 1.0]) / 2**0.5, atol=1e-6)
    assert not torch.allclose(every, once, atol=1e-3)
    assert every[0] < every[1]  # the first micro-batch's entry was shrunk twice


def test_max_norm_has_no_default_so_leaving_it_out_is_an_error():
    said("has no default max_norm")
    sig = inspect.signature(torch.nn.utils.clip_grad_norm_)
    assert sig.parameters["max_norm"].default is inspect.Parameter.empty
    p = torch.nn.Parameter(torch.zeros(2))
    p.grad = torch.ones(2)
    with pytest.raises(TypeError):
        torch.nn.utils.clip_grad_norm_([p])
