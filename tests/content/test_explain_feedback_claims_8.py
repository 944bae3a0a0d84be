"""What the explain grader's feedback states, run on torch: part 8 of the tests, in the order the
feedback was added (round 34 (practitioners' answers): the feedback added for blind39). See
``test_explain_feedback_claims.py``.
"""

from __future__ import annotations

import inspect
import tomllib

import numpy as np
import pytest
import torch

from tests.content.feedback_bank import EXPLAIN, said
from tests.content.grads import param_with_grad


# --- round 34 (practitioners' answers): the feedback added for blind39 ---------------------------
def test_clip_grad_norm_rescales_only_over_max_norm_never_to_it_from_below():
    said("a gradient whose norm is under it passes unchanged, so the steps do not all have")
    small, large = param_with_grad([0.3, 0.4]), param_with_grad([6.0, 8.0])
    torch.nn.utils.clip_grad_norm_([small], max_norm=1.0)
    torch.nn.utils.clip_grad_norm_([large], max_norm=1.0)
    assert torch.equal(small.grad, torch.tensor([0.3, 0.4]))  # norm 0.5: untouched
    assert large.grad.norm().item() == pytest.approx(1.0, rel=1e-6)


def test_clip_grad_norm_zeroes_no_parameter_it_scales_them_all_by_one_factor():
    said("clip_grad_norm_ never zeroes a gradient or skips a parameter")
    big, small = param_with_grad([30.0, 40.0]), param_with_grad([0.0, 0.5])
    total = torch.nn.utils.clip_grad_norm_([big, small], max_norm=1.0)
    factor = 1.0 / total.item()
    assert torch.allclose(big.grad, torch.tensor([30.0, 40.0]) * factor)
    assert torch.allclose(small.grad, torch.tensor([0.0, 0.5]) * factor)
    assert big.grad.abs().sum() > 0 and small.grad.abs().sum() > 0


def test_the_norm_clip_grad_norm_uses_is_l2_not_the_plain_sum():
    said("(3, 4) has norm 5, not 7")
    p = param_with_grad([3.0, 4.0])
    assert torch.nn.utils.clip_grad_norm_([p], max_norm=100.0).item() == pytest.approx(5.0)
    assert torch.tensor([3.0, 4.0]).sum().item() == 7.0


def _scaled_grads(values):
    w = torch.nn.Parameter(torch.zeros(len(values)))
    opt = torch.optim.SGD([w], lr=0.1)
    scaler = torch.amp.GradScaler("cpu")
    scaler.scale((w * torch.tensor(values)).sum()).backward()
    return w, opt, scaler


def test_value_clipping_needs_the_unscale_too():
    said("clip_grad_value_ needs the unscale too", "(65536 at the start), so nearly every entry")
    w, _, scaler = _scaled_grads([0.01, 0.2, -0.05])
    assert scaler.get_scale() == 65536.0
    torch.nn.utils.clip_grad_value_([w], clip_value=1.0)  # still scaled: every entry clamped
    assert torch.equal(w.grad, torch.tensor([1.0, 1.0, -1.0]))
    v, opt, scaler = _scaled_grads([0.01, 0.2, -0.05])
    scaler.unscale_(opt)
    torch.nn.utils.clip_grad_value_([v], clip_value=1.0)  # true sizes: nothing clamped
    assert torch.allclose(v.grad, torch.tensor([0.01, 0.2, -0.05]))


def test_norm_clipping_is_not_scale_invariant():
    said("Norm clipping is not scale-invariant", "multiplies their norm by it")
    w, opt, scaler = _scaled_grads([0.3, 0.4])  # true norm 0.5, under max_norm 1.0
    assert w.grad.norm().item() == pytest.approx(0.5 * 65536.0)
    torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)  # clipped while scaled
    scaler.unscale_(opt)
    assert w.grad.norm().item() == pytest.approx(1.0 / 65536.0, rel=1e-4)  # far too much cut
    v, opt, scaler = _scaled_grads([0.3, 0.4])
    scaler.unscale_(opt)
    torch.nn.utils.clip_grad_norm_([v], max_norm=1.0)
    assert torch.allclose(v.grad, torch.tensor([0.3, 0.4]))  # unscaled first: left as is


def test_clip_grad_norm_clips_only_the_layer_it_is_given():
    said("given one layer's parameters, such as model.fc.parameters(), it takes the norm of")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Linear(4, 2))
    (model(torch.randn(8, 4)) * 1000).sum().backward()
    first = [p.grad.clone() for p in model[0].parameters()]
    last = torch.cat([p.grad.flatten() for p in model[1].parameters()])
    total = torch.nn.utils.clip_grad_norm_(model[1].parameters(), max_norm=1.0)
    assert total.item() == pytest.approx(last.norm().item(), rel=1e-5)  # that layer's norm alone
    assert all(torch.equal(p.grad, g) for p, g in zip(model[0].parameters(), first, strict=True))
    assert torch.cat([p.grad.flatten() for p in model[0].parameters()]).norm() > 1.0  # unclipped


def test_no_optimizer_clips_by_default_or_takes_a_clipping_argument():
    said("no optimizer clips by default or takes a clipping argument")
    for make in (torch.optim.SGD, torch.optim.Adam, torch.optim.AdamW):
        assert not {"max_norm", "clip_value", "max_grad_norm"} & set(
            inspect.signature(make).parameters
        )
    w = torch.nn.Parameter(torch.zeros(2))
    w.grad = torch.tensor([300.0, 400.0])
    torch.optim.SGD([w], lr=0.1).step()
    assert torch.allclose(w.detach(), torch.tensor([-30.0, -40.0]))  # .grad used as it was


def test_clipping_each_micro_batch_shrinks_the_early_ones_and_turns_the_update():
    said("the early micro-batches are shrunk again and again and count less than the late ones")
    micro = [torch.tensor([6.0, 0.0]), torch.tensor([0.0, 6.0]), torch.tensor([0.0, 0.0])]
    each = param_with_grad([0.0, 0.0])
    for g in micro:
        each.grad += g
        torch.nn.utils.clip_grad_norm_([each], max_norm=1.0)
    total = sum(micro)  # (6, 6): the full sum points at 45 degrees
    assert each.grad[0] < each.grad[1]  # the first micro-batch now counts less
    assert torch.cosine_similarity(each.grad, total, dim=0) < 0.99  # points elsewhere


def test_a_wider_hidden_state_adds_no_factor_to_the_product():
    said("A wider hidden state adds no factor to the product.")
    for width in (4, 64):  # W = 1.5 I: a spectral radius of 1.5 at either width
        w = 1.5 * torch.eye(width)
        h0 = torch.ones(width, requires_grad=True)
        h = h0
        for _ in range(10):  # one factor W per time step, however wide h is
            h = w @ h
        h.sum().backward()
        assert torch.allclose(h0.grad, torch.full((width,), 1.5**10))


def test_update_sets_the_scale_from_inf_or_nan_only_not_from_clipping():
    said(
        "scaler.update() takes no notice of clipping: it halves the scale (backoff_factor=0.5)",
        "doubles it (growth_factor=2.0) after growth_interval=2000 steps without them",
    )
    scales = []
    for clipped in (False, True):
        w = torch.nn.Parameter(torch.tensor([0.0, 0.0]))
        opt = torch.optim.SGD([w], lr=0.1)
        scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
        scaler.scale((w * torch.tensor([30.0, 40.0])).sum()).backward()
        scaler.unscale_(opt)
        if clipped:
            assert torch.nn.utils.clip_grad_norm_([w], max_norm=1.0).item() == 50.0
        scaler.step(opt)
        scaler.update()
        scales.append(scaler.get_scale())
    assert scales == [1024.0, 1024.0]  # a clip, like no clip, leaves the scale alone
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    assert scaler.get_backoff_factor() == 0.5 and scaler.get_growth_factor() == 2.0
    assert scaler.get_growth_interval() == 2000
    w = torch.nn.Parameter(torch.tensor([0.0]))
    opt = torch.optim.SGD([w], lr=0.1)
    scaler.scale(w.sum() * float("inf")).backward()
    scaler.step(opt)
    scaler.update()
    assert scaler.get_scale() == 512.0  # halved after a step with inf


def test_norm_clipping_multiplies_by_max_norm_over_norm_not_by_one_over_norm_squared():
    said("(3, 4) (norm 5) with max_norm 1 becomes (0.6, 0.8), of norm 1 to within 1e-6, not (0.12")
    p = param_with_grad([3.0, 4.0])
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert torch.allclose(p.grad, torch.tensor([0.6, 0.8]))
    assert 1.0 - 1e-6 <= p.grad.norm().item() < 1.0  # torch divides by the norm + 1e-6
    assert torch.allclose(torch.tensor([3.0, 4.0]) / 25, torch.tensor([0.12, 0.16]))


def test_the_grad_scaler_multiplies_the_gradients_and_unscale_divides_them_back():
    said("with a scale of 1024, a gradient entry of 0.3 becomes 307.2, not 1024.3")
    w = torch.nn.Parameter(torch.ones(1))
    opt = torch.optim.SGD([w], lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    scaler.scale((0.3 * w).sum()).backward()
    assert w.grad.item() == pytest.approx(307.2, rel=1e-6)
    scaler.unscale_(opt)
    assert w.grad.item() == pytest.approx(0.3, rel=1e-6)


def test_the_median_of_a_list_with_a_spike_is_far_below_its_mean():
    said("for 1, 2, 2, 3, 3, 4, 4, 5, 6, 70 it is 3.5, while the mean, 10, is dragged up")
    norms = torch.tensor([1.0, 2, 2, 3, 3, 4, 4, 5, 6, 70])
    assert torch.quantile(norms, 0.5).item() == pytest.approx(3.5)
    assert norms.mean().item() == pytest.approx(10.0)


def test_clip_grad_value_clamps_the_gradient_and_leaves_the_weights_alone():
    said("clip_grad_value_(model.parameters(), 1.0) clamps every .grad entry and leaves the")
    p = torch.nn.Parameter(torch.tensor([3.0, -0.5]))
    p.grad = torch.tensor([5.0, -4.0])
    torch.nn.utils.clip_grad_value_([p], 1.0)
    assert torch.equal(p.grad, torch.tensor([1.0, -1.0]))
    assert torch.equal(p.detach(), torch.tensor([3.0, -0.5]))


def test_a_clip_before_backward_leaves_the_new_gradients_unclipped():
    orders = tomllib.loads(EXPLAIN.read_text(encoding="utf-8"))["prompt"]
    stated = [r["feedback"] for p in orders for r in p.get("order", [])]
    assert any("the backward() after the clip writes them unclipped" in f for f in stated)
    w = torch.nn.Parameter(torch.zeros(2))
    torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)  # nothing to clip yet
    (w * torch.tensor([30.0, 40.0])).sum().backward()
    assert torch.equal(w.grad, torch.tensor([30.0, 40.0]))


def test_named_parameters_given_to_a_clip_raise_an_attribute_error():
    said("Not model.named_parameters() either: its (name, tensor) pairs have no .grad")
    for clip in (torch.nn.utils.clip_grad_norm_, torch.nn.utils.clip_grad_value_):
        net = torch.nn.Linear(3, 2)
        net(torch.randn(4, 3)).sum().backward()
        with pytest.raises(AttributeError):
            clip(net.named_parameters(), 1.0)


def test_lstm_and_gru_gates_are_sigmoids_between_zero_and_one():
    said("LSTM and GRU gates are sigmoids, with values between 0 and 1")
    gates = torch.sigmoid(torch.tensor([-1e4, -5.0, 0.0, 5.0, 1e4]))
    assert gates.min().item() >= 0.0 and gates.max().item() <= 1.0
    lstm = torch.nn.LSTMCell(1, 1, bias=False)  # forget gate: row 1 of the 4 gate blocks
    with torch.no_grad():
        lstm.weight_ih.fill_(50.0)
        lstm.weight_hh.zero_()
    h, c = lstm(torch.ones(1, 1), (torch.zeros(1, 1), torch.full((1, 1), 2.0)))
    # c' = f * c + i * g with f, i at most 1 and |g| at most 1: never more than c + 1
    assert c.item() <= 2.0 + 1.0 + 1e-6


def test_the_scaler_step_skips_a_step_with_inf_gradients_without_raising():
    said("scaler.step(optimizer) does not raise on inf or nan gradients: it skips")
    w = torch.nn.Parameter(torch.tensor([1.0]))
    opt = torch.optim.SGD([w], lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    scaler.scale(w.sum() * float("inf")).backward()
    scaler.unscale_(opt)
    torch.nn.utils.clip_grad_norm_([w], 1.0)
    scaler.step(opt)  # no exception
    scaler.update()
    assert w.item() == 1.0
    assert scaler.get_scale() == 512.0


def test_unscale_after_a_plain_backward_raises_or_divides_true_gradients_by_the_scale():
    said("raises an error if the scaler has never scaled anything, and otherwise divides them")
    said("by the scale anyway (65536 at the start)")
    w = torch.nn.Parameter(torch.tensor([0.0]))
    opt = torch.optim.SGD([w], lr=0.1)
    scaler = torch.amp.GradScaler("cpu")
    (3.0 * w).sum().backward()  # no scaler.scale(loss)
    with pytest.raises(AssertionError):
        scaler.unscale_(opt)
    scaler.scale(torch.tensor(1.0))  # a scaler that has scaled before (an earlier iteration)
    assert scaler.get_scale() == 65536.0
    scaler.unscale_(opt)
    assert w.grad.item() == pytest.approx(3.0 / 65536)


def test_zero_grad_sets_gradients_to_none_by_default():
    said("optimizer.zero_grad() sets every .grad to None by default (set_to_none=True)")
    said("Only zero_grad(set_to_none=False) fills them with zeros")
    assert inspect.signature(torch.optim.Optimizer.zero_grad).parameters["set_to_none"].default
    w = torch.nn.Parameter(torch.ones(2))
    opt = torch.optim.SGD([w], lr=0.1)
    w.sum().backward()
    opt.zero_grad()
    assert w.grad is None
    w.sum().backward()
    opt.zero_grad(set_to_none=False)
    assert torch.equal(w.grad, torch.zeros(2))


def test_the_norm_returned_after_accumulation_is_that_of_the_whole_sum():
    said("the norm it returns is the norm of the whole accumulated gradient")
    w = torch.nn.Parameter(torch.zeros(2))
    (w * torch.tensor([3.0, 0.0])).sum().backward()
    (w * torch.tensor([0.0, 4.0])).sum().backward()  # the last micro-batch: norm 4
    total = torch.nn.utils.clip_grad_norm_([w], max_norm=float("inf"))
    assert total.item() == pytest.approx(5.0)


def test_a_max_norm_between_the_median_and_the_90th_percentile_lies_in_that_range():
    said("with a median of 0.8 and a 90th percentile of 1.6 that is a value from 0.8 to 1.6")
    norms = np.array([0.5, 0.7, 0.8, 0.8, 0.8, 0.9, 1.2, 1.4, 1.6, 3.0])
    median, p90 = np.median(norms), np.percentile(norms, 90, method="lower")
    assert median == pytest.approx(0.85) and p90 == 1.6
    assert p90 < 5.0 and median > 0.5 and median <= 1.2 <= p90


def test_clipping_before_the_last_backward_leaves_the_sum_unclipped():
    said("the last backward() adds its gradient to .grad after the clip")
    w = torch.nn.Parameter(torch.zeros(2))
    for k, target in enumerate((torch.tensor([3.0, 4.0]), torch.tensor([3.0, 4.0]))):
        (-(w * target).sum()).backward()  # each micro-batch adds a gradient of norm 5
        if k == 0:
            torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)  # before the last backward
    assert w.grad.norm().item() == pytest.approx(6.0, rel=1e-5)  # 1 + 5: over max_norm


def test_each_iteration_computes_a_fresh_gradient_nothing_compounds_across_steps():
    said("each iteration's backward() computes a fresh gradient from the current weights")
    torch.manual_seed(0)
    rnn = torch.nn.RNN(3, 4, batch_first=True)
    x = torch.randn(2, 20, 3)
    grads = []
    for _ in range(3):  # three iterations on the same weights, no optimizer step
        rnn.zero_grad()
        rnn(x)[0].sum().backward()
        grads.append(rnn.weight_hh_l0.grad.clone())
    assert all(torch.allclose(grads[0], g) for g in grads[1:])


def test_clip_grad_value_takes_one_number_and_clamps_both_signs_alike():
    said("clip_grad_value_(parameters, clip_value) takes one number and clamps every entry")
    assert list(inspect.signature(torch.nn.utils.clip_grad_value_).parameters) == [
        "parameters",
        "clip_value",
        "foreach",
    ]
    p = param_with_grad([-3.0, 0.2, 3.0])
    torch.nn.utils.clip_grad_value_([p], clip_value=1.0)
    assert torch.equal(p.grad, torch.tensor([-1.0, 0.2, 1.0]))


def test_a_too_small_threshold_shrinks_every_step_it_does_not_blow_up():
    said("A threshold far below the typical norm does not make training diverge")
    torch.manual_seed(0)
    w = torch.nn.Parameter(torch.tensor([5.0, -5.0]))
    opt = torch.optim.SGD([w], lr=0.1)
    for _ in range(50):
        opt.zero_grad()
        (w**2).sum().backward()
        total = torch.nn.utils.clip_grad_norm_([w], max_norm=0.01)
        assert total > 0.01  # clipped on every step
        opt.step()
    assert 0 < (w.detach().norm() - 50**0.5).abs() < 0.06  # each step moves 0.001: slow, finite


def test_clip_grad_norm_raises_nothing_for_a_norm_far_above_max_norm():
    said(
        "clip_grad_norm_ raises no error however far the total norm is above max_norm",
        "It raises only with error_if_nonfinite=True, and then only for a nan or inf total norm.",
    )
    for flag in (False, True):
        p = param_with_grad([3e6, 4e6])
        assert torch.nn.utils.clip_grad_norm_([p], 1e-3, error_if_nonfinite=flag).item() > 1e6
        assert p.grad.norm().item() == pytest.approx(1e-3, rel=1e-4)
    with pytest.raises(RuntimeError):
        torch.nn.utils.clip_grad_norm_(
            [param_with_grad([float("nan"), 1.0])], 1.0, error_if_nonfinite=True
        )


def test_a_negative_eigenvalue_grows_like_its_magnitude_and_truncation_shortens_the_product():
    said("(-1.2)^T has size 1.2^T", "1.2^50 is about 9,100")
    w = torch.diag(torch.tensor([-1.2, 0.5], dtype=torch.float64))
    power = torch.linalg.matrix_power(w, 50)
    assert abs(power[0, 0].item()) == pytest.approx(1.2**50) and round(1.2**50, -2) == 9100
    assert torch.linalg.matrix_power(w, 51)[0, 0].item() < 0  # the sign alternates
    said("with a factor of 1.1 per step, 20 steps give about 6.7 while 200 give about 190 million")
    assert round(1.1**20, 1) == 6.7 and round(1.1**200, -7) == 190_000_000


def test_update_lowers_the_scale_after_inf_and_raises_it_only_after_growth_interval():
    said(
        "scaler.update() lowers the scale, multiplying it by backoff_factor (0.5 by default)",
        "by growth_factor (2.0), only after growth_interval (2000) steps in a row without inf",
    )
    default = torch.amp.GradScaler("cpu")
    assert (default.get_backoff_factor(), default.get_growth_factor()) == (0.5, 2.0)
    assert default.get_growth_interval() == 2000
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0, growth_interval=3)
    w = torch.nn.Parameter(torch.tensor([1.0]))
    opt = torch.optim.SGD([w], lr=0.1)
    scales = []
    for bad in (True, False, False, False):
        opt.zero_grad()
        scaler.scale(w.sum() * (float("inf") if bad else 1.0)).backward()
        scaler.step(opt)
        scaler.update()
        scales.append(scaler.get_scale())
    assert scales == [512.0, 512.0, 512.0, 1024.0]
