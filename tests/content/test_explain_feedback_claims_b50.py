"""What the explain grader's newer feedback states (``lessons/quiz/03_explain.toml``), on torch.

The same checks as ``test_explain_feedback_claims.py``, for the misconceptions added while
tuning on ``explain_answers_blind50.toml``: each test names the feedback it backs, checks that
the bank still says it, and runs what it states on torch 2.13.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import torch

from tests.content.grads import param_with_grad

EXPLAIN = Path(__file__).resolve().parents[2] / "lessons" / "quiz" / "03_explain.toml"
FEEDBACK = "\n".join(
    m.get("feedback", "")
    for prompt in tomllib.loads(EXPLAIN.read_text(encoding="utf-8"))["prompt"]
    for m in prompt.get("misconceptions", [])
)


def _said(*phrases: str) -> None:
    for phrase in phrases:
        assert phrase in FEEDBACK, f"the bank no longer says {phrase!r}: update this test"


def test_clip_grad_norm_given_grad_tensors_clips_nothing_and_returns_zero():
    _said("Given [p.grad for p in model.parameters()]", "clips nothing and returns a norm of 0")
    model = torch.nn.Linear(3, 2)
    model(torch.ones(4, 3)).pow(2).sum().mul(100).backward()
    before = [p.grad.clone() for p in model.parameters()]
    total = torch.nn.utils.clip_grad_norm_([p.grad for p in model.parameters()], max_norm=1e-3)
    assert total.item() == 0.0
    for p, g in zip(model.parameters(), before, strict=True):
        assert torch.equal(p.grad, g)  # not clipped
    assert torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1e-3).item() > 1e-3


def test_one_eigenvalue_above_one_is_enough_to_explode():
    _said("One eigenvalue above 1 in magnitude is enough")
    w = torch.diag(torch.tensor([1.5, 0.1, 0.1, 0.1]))  # spectral radius 1.5, the rest tiny
    g = torch.ones(4)
    for _ in range(50):
        g = w.T @ g
    assert g.norm().item() > 1e8  # 1.5 ** 50 is about 6.4e8
    assert torch.linalg.eigvals(w).abs().max().item() == pytest.approx(1.5)


@pytest.mark.parametrize("cell", [torch.nn.RNN, torch.nn.LSTM, torch.nn.GRU])
def test_recurrent_modules_backpropagate_through_every_time_step(cell):
    _said("nn.RNN, nn.LSTM and nn.GRU never truncate backpropagation through time")
    torch.manual_seed(0)
    net = cell(input_size=2, hidden_size=4, batch_first=True).double()
    x = torch.randn(1, 60, 2, dtype=torch.float64, requires_grad=True)
    out = net(x)[0]
    out[:, -1].sum().backward()
    assert x.grad is not None
    assert x.grad[0, 0].abs().sum().item() > 0  # the first step still gets a gradient


def test_a_threshold_far_above_the_typical_norm_never_clips():
    _said("A max_norm far above the typical norm almost never clips")
    p = param_with_grad([0.6, 0.8])  # norm 1
    torch.nn.utils.clip_grad_norm_([p], max_norm=100.0)
    assert torch.equal(p.grad, torch.tensor([0.6, 0.8]))
    q = param_with_grad([0.6, 0.8])
    torch.nn.utils.clip_grad_norm_([q], max_norm=0.01)  # far below: clipped
    assert q.grad.norm().item() == pytest.approx(0.01, rel=1e-4)


def _agc(grad: torch.Tensor, weight: torch.Tensor, lam: float, eps: float) -> torch.Tensor:
    limit = lam * weight.norm().clamp_min(eps)  # lambda * max(||W||, eps)
    norm = grad.norm()
    return grad * (limit / norm) if norm > limit else grad


def test_agc_floor_is_for_weights_near_zero():
    _said("The floor in max(‖W‖, 1e-3) is for weights near zero", "a limit of λ · 0")
    grad, zero = torch.tensor([3.0, 4.0]), torch.zeros(2)
    assert torch.count_nonzero(_agc(grad, zero, 0.01, 0.0)).item() == 0  # no floor: nothing
    floored = _agc(grad, zero, 0.01, 1e-3)
    assert floored.norm().item() == pytest.approx(0.01 * 1e-3, rel=1e-4)
    assert torch.allclose(floored / floored.norm(), grad / grad.norm())  # same direction
