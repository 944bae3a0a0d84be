"""What the explain grader's feedback states (``lessons/quiz/03_explain.toml``), run on torch.

The feedback added with the blind92 answer set (code-review comments): clipping adds no noise, and
gradients can blow up late in training too, so the clip is no warmup-only tool. See
``test_explain_feedback_claims.py`` for how these tests work.
"""

from __future__ import annotations

import torch

from tests.content.feedback_bank import said
from tests.content.grads import param_with_grad


def _clipped(values, max_norm: float) -> torch.Tensor:
    p = param_with_grad(values)
    torch.nn.utils.clip_grad_norm_([p], max_norm=max_norm)
    return p.grad.clone()


def test_clipping_adds_no_noise_it_is_deterministic():
    said("Clipping adds no noise: it is deterministic.")
    said("clip_grad_norm_ multiplies every gradient by the same factor max_norm / norm")
    said("below it leaves them as they are")
    said("clipping the same gradients twice gives the same result")
    raw = [3.0, -4.0, 12.0]  # norm 13
    first, second = _clipped(raw, 1.0), _clipped(raw, 1.0)
    assert torch.equal(first, second)
    factors = first / torch.tensor(raw)
    assert torch.allclose(factors, torch.full((3,), 1.0 / 13.0), atol=1e-6)  # one factor
    assert torch.allclose(factors, factors[0].expand(3))
    assert torch.equal(_clipped(raw, 20.0), torch.tensor(raw))  # below max_norm: unchanged


def test_gradients_can_blow_up_late_in_training_and_the_clip_still_guards_them():
    said("Gradients can blow up at any point of training, not only near initialisation")
    said("a rare batch or a sharp region of the loss late in training gives a huge gradient")
    said("clip_grad_norm_ checks the norm at every step and leaves the gradients unchanged")
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    true_w = torch.tensor([[1.0, -2.0, 0.5, 3.0]])
    for _ in range(300):  # well past any warmup: the fit has converged
        x = torch.randn(32, 4)
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(x), x @ true_w.T).backward()
        opt.step()
    x = torch.randn(32, 4)
    opt.zero_grad()
    torch.nn.functional.mse_loss(model(x), x @ true_w.T).backward()
    before = [p.grad.clone() for p in model.parameters()]
    calm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    assert calm < 1.0  # a normal late step: below max_norm, left unchanged
    assert all(torch.equal(b, p.grad) for b, p in zip(before, model.parameters(), strict=True))
    x[0] = 100.0  # one rare batch late in training
    y = x @ true_w.T
    y[0] = -500.0
    opt.zero_grad()
    torch.nn.functional.mse_loss(model(x), y).backward()
    spike = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    assert spike > 100.0  # a huge gradient, hundreds of steps after initialisation
    after = torch.linalg.vector_norm(torch.cat([p.grad.flatten() for p in model.parameters()]))
    assert after <= 1.0 + 1e-4  # and the clip still cut it
