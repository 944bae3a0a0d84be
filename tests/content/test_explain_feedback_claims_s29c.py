"""What the explain grader's feedback states, run on torch: the feedback added with the blind78
answer set (long answers with tangents). See ``test_explain_feedback_claims.py``.
"""

from __future__ import annotations

import inspect

import pytest
import torch

from tests.content.feedback_bank import said
from tests.content.grads import param_with_grad


@pytest.mark.parametrize("foreach", [None, False, True])
def test_foreach_chooses_the_implementation_not_whether_it_clips(foreach):
    said("foreach only chooses how clip_grad_norm_ runs, not whether it clips")
    said("with foreach=None (the default)")
    said("clipped the same way with foreach=None, False or True")
    signature = inspect.signature(torch.nn.utils.clip_grad_norm_)
    assert signature.parameters["foreach"].default is None
    p = param_with_grad([3.0, 4.0, 0.0])
    total = torch.nn.utils.clip_grad_norm_([p], max_norm=1.0, foreach=foreach)
    assert total.item() == pytest.approx(5.0)
    assert torch.allclose(p.grad, torch.tensor([0.6, 0.8, 0.0]), atol=1e-6)


def test_rnn_modules_do_no_clipping_and_take_no_clip_argument():
    said("nn.LSTM, nn.GRU and nn.RNN do no gradient clipping and take no argument for it")
    said("(nn.LSTM(4, 4, clip=1.0) raises a TypeError)")
    for module in (torch.nn.LSTM, torch.nn.GRU, torch.nn.RNN):
        with pytest.raises(TypeError):
            module(4, 4, clip=1.0)
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(4, 4)
    out, _ = lstm(torch.randn(20, 1, 4))
    (1000.0 * out.sum()).backward()
    norm = torch.nn.utils.clip_grad_norm_(lstm.parameters(), max_norm=float("inf"))
    assert norm.item() > 1.0  # nothing inside the module capped it


def _step_with(grad: float, scaler: torch.amp.GradScaler) -> None:
    p = torch.nn.Parameter(torch.ones(2))
    opt = torch.optim.SGD([p], lr=0.1)
    scaler.scale(p.sum())  # the scaled backward's first step: the scale is set
    p.grad = torch.full((2,), grad)
    scaler.step(opt)
    scaler.update()


def test_scaler_update_backs_off_on_inf_and_grows_after_growth_interval_clean_steps():
    said("after a step with inf or NaN gradients it multiplies the scale by backoff_factor")
    said("(0.5 by default)")
    said("only after growth_interval (2000) steps in a row without them")
    said("growth_factor (2.0)")
    scaler = torch.amp.GradScaler("cpu")
    assert scaler.get_backoff_factor() == 0.5
    assert scaler.get_growth_factor() == 2.0
    assert scaler.get_growth_interval() == 2000
    start = scaler.get_scale()
    _step_with(float("inf"), scaler)
    assert scaler.get_scale() == start * 0.5
    quick = torch.amp.GradScaler("cpu", init_scale=8.0, growth_interval=3)
    for _ in range(2):
        _step_with(1.0, quick)
        assert quick.get_scale() == 8.0  # not yet
    _step_with(1.0, quick)
    assert quick.get_scale() == 16.0


def test_accumulation_happens_in_grad_and_the_optimizer_state_waits_for_step():
    said("Gradient accumulation happens in .grad: each backward() adds its gradient there")
    said("(Adam's exp_avg and exp_avg_sq) stays untouched until optimizer.step() runs")
    p = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    opt = torch.optim.Adam([p], lr=0.1)
    for _ in range(3):
        (p * p).sum().backward()
    assert len(opt.state) == 0
    assert torch.equal(p.grad, 3 * 2 * p.detach())
    opt.step()
    assert set(opt.state[p]) >= {"exp_avg", "exp_avg_sq"}


def test_adam_clips_nothing_by_itself():
    said("Adam is an optimizer and clips nothing by itself")
    p = param_with_grad([300.0, 400.0])
    opt = torch.optim.Adam([p], lr=0.1)
    opt.step()
    assert torch.equal(p.grad, torch.tensor([300.0, 400.0]))  # .grad left as it was
    with pytest.raises(TypeError):
        torch.optim.Adam([p], lr=0.1, max_grad_norm=1.0)
