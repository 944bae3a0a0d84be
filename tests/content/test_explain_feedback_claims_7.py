"""What the explain grader's feedback states, run on torch: part 7 of the tests, in the order the
feedback was added (blind30 / round28). See ``test_explain_feedback_claims.py``.
"""

from __future__ import annotations

import inspect
import math
import tomllib

import numpy as np
import pytest
import torch

from tests.content.feedback_bank import EXPLAIN, said
from tests.content.grads import agc_unit, param_with_grad


# --- blind30 / round28 --------------------------------------------------------------------------
def test_agc_adds_nothing_to_the_weight_norm_plus_1_allows_11_times_more():
    said("AGC adds nothing to the weight norm: it divides by max(‖W_i‖, 1e-3)")
    said("a unit whose weights have norm 0.1 may take a gradient 11 times larger than λ × 0.1")
    w, g, lam = torch.tensor([0.06, 0.08]), torch.tensor([30.0, 40.0]), 0.01  # ‖w‖ = 0.1
    by_max = agc_unit(w, g, lam, 1e-3).norm().item()
    assert by_max == pytest.approx(lam * 0.1, rel=1e-5)
    padded = g * (lam * (w.norm() + 1.0) / g.norm())  # the limit if ‖w‖ + 1 were the divisor
    assert padded.norm().item() / by_max == pytest.approx(11.0, rel=1e-5)


def test_clipping_leaves_backprop_whole_it_rescales_what_backward_computed():
    said("backward() still runs through every layer and every time step")
    w = torch.tensor(1.5, requires_grad=True)
    h = torch.tensor(1.0)
    for _ in range(20):  # 20 time steps of the same weight
        h = h * w
    h.backward()
    full = w.grad.clone()
    assert full.item() == pytest.approx(20 * 1.5**19, rel=1e-5)  # every step contributed
    total = torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)
    assert total.item() == pytest.approx(full.item(), rel=1e-6)  # it saw the full gradient
    assert w.grad.item() == pytest.approx(1.0, rel=1e-5)  # then scaled it down


def test_a_threshold_scaled_up_after_unscale_counts_the_scale_twice():
    said("Multiplying the threshold by the scale as well counts the scale twice")
    said("with the initial scale of 65536, a gradient norm 65536 times over max_norm would pass")
    p = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([p], lr=0.1)
    scaler = torch.amp.GradScaler("cpu")
    scaler.scale(p.sum()).backward()  # scaled gradients: 65536 each
    assert scaler.get_scale() == 65536.0
    scaler.unscale_(opt)
    assert torch.equal(p.grad, torch.tensor([1.0, 1.0]))  # true size again
    max_norm = 1.0
    p.grad = torch.tensor([0.6, 0.8]) * 65536 * max_norm * 0.999  # just under max_norm * scale
    total = torch.nn.utils.clip_grad_norm_([p], max_norm * scaler.get_scale())
    assert total.item() > 65000 * max_norm  # tens of thousands of times over max_norm ...
    assert p.grad.norm().item() == pytest.approx(total.item())  # ... and left unclipped


# --- round 29: formulas checked by evaluating them, and claims made in symbols -----------------
def test_norm_clipping_formula_min_1_max_norm_over_norm():
    said("g ← g · min(1, max_norm / ‖g‖), so a gradient of norm 10 with max_norm 2 ends up")
    said("one under the limit passes unchanged", "an entry inside keeps its value")
    big, small = param_with_grad([6.0, 8.0]), param_with_grad([0.6, 0.8])  # norms 10 and 1
    torch.nn.utils.clip_grad_norm_([big], max_norm=2.0)
    torch.nn.utils.clip_grad_norm_([small], max_norm=2.0)
    assert big.grad.norm().item() == pytest.approx(2.0, rel=1e-5)
    assert torch.allclose(big.grad, torch.tensor([6.0, 8.0]) * min(1.0, 2.0 / 10.0))
    assert torch.equal(small.grad, torch.tensor([0.6, 0.8]))
    by_value = param_with_grad([3.0, 0.2])
    torch.nn.utils.clip_grad_value_([by_value], clip_value=1.0)
    assert torch.allclose(by_value.grad, torch.tensor([1.0, 0.2]))  # inside: kept


def test_norm_and_value_formulas_on_3_4_and_3_0_2():
    said("(3, 4) with a limit of 1 becomes (0.6, 0.8), of norm 1, and a gradient under")
    said("with a limit of 1, (3, 0.2) becomes (1, 0.2).")
    by_norm, by_value = param_with_grad([3.0, 4.0]), param_with_grad([3.0, 0.2])
    torch.nn.utils.clip_grad_norm_([by_norm], max_norm=1.0)
    torch.nn.utils.clip_grad_value_([by_value], clip_value=1.0)
    assert torch.allclose(by_norm.grad, torch.tensor([0.6, 0.8]))
    assert by_norm.grad.norm().item() == pytest.approx(1.0, rel=1e-5)
    assert torch.allclose(by_value.grad, torch.tensor([1.0, 0.2]))


def test_agc_formula_brings_the_ratio_down_to_exactly_lambda():
    said("G_i ← G_i · λ · max(‖W_i‖, 1e-3) / ‖G_i‖, which brings the ratio down to exactly λ")
    from gradclip_core.clipping import _agc_

    w = torch.nn.Parameter(torch.tensor([[6.0, 8.0]]))  # weight norm 10
    w.grad = torch.tensor([[3.0, 4.0]])  # gradient norm 5: ratio 0.5 > λ = 0.1
    _agc_([w], clip_factor=0.1)
    assert w.grad.norm().item() / 10.0 == pytest.approx(0.1, rel=1e-4)
    assert torch.allclose(w.grad, torch.tensor([[3.0, 4.0]]) * 0.1 * 10.0 / 5.0, rtol=1e-4)


def test_repeated_factors_give_a_power_not_a_product_with_t():
    said("T steps give ρ^T, a power of T, not T·ρ")
    said("1.1^100 ≈ 13,781, while 100 × 1.1 is only 110")
    w = torch.tensor(1.1, requires_grad=True)
    h = torch.tensor(1.0)
    for _ in range(100):
        h = h * w  # the same factor every step
    assert h.item() == pytest.approx(13781, rel=1e-3)
    assert pytest.approx(110) == 100 * 1.1


def test_relu_slope_is_0_or_1_the_quarter_is_sigmoid():
    said("ReLU's derivative is 0 or 1, not at most 0.25: the 0.25 bound belongs to the sigmoid")
    x = torch.linspace(-4, 4, 801, requires_grad=True)
    relu = torch.autograd.grad(torch.relu(x).sum(), x)[0]
    sigmoid = torch.autograd.grad(torch.sigmoid(x).sum(), x)[0]
    assert set(relu.tolist()) == {0.0, 1.0}
    assert sigmoid.max().item() == pytest.approx(0.25, abs=1e-6)


def test_unscale_divides_by_the_scale_65536_at_the_start():
    said("scaler.unscale_(optimizer) divides the gradients by the loss scale")
    said("it does not multiply them")
    said("(65536 at the start)")
    p = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([p], lr=0.1)
    scaler = torch.amp.GradScaler("cpu")
    scaler.scale((p * torch.tensor([3.0, 4.0])).sum()).backward()
    assert scaler.get_scale() == 65536.0
    assert torch.equal(p.grad, torch.tensor([3.0, 4.0]) * 65536)  # multiplied by backward
    scaler.unscale_(opt)
    assert torch.equal(p.grad, torch.tensor([3.0, 4.0]))  # divided by unscale_


def test_clipping_every_micro_batch_changes_the_direction():
    said("Clipping after every micro-batch changes the direction of the update, not only its")
    g1, g2 = torch.tensor([10.0, 0.0]), torch.tensor([0.0, 1.0])
    p = param_with_grad(g1.tolist())
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)  # after micro-batch 1
    p.grad += g2  # micro-batch 2 is not scaled by the first clip
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    once = (g1 + g2) / (g1 + g2).norm()
    twice = p.grad / p.grad.norm()
    assert torch.dot(once, twice).item() < 0.99  # another direction


def test_a_tight_threshold_acts_like_a_smaller_learning_rate():
    said("η · max_norm / ‖g‖, and slows learning")
    clipped, plain = param_with_grad([6.0, 8.0]), param_with_grad([6.0, 8.0])  # norm 10
    torch.nn.utils.clip_grad_norm_([clipped], max_norm=2.0)
    torch.optim.SGD([clipped], lr=0.1).step()
    torch.optim.SGD([plain], lr=0.1 * 2.0 / 10.0).step()  # η · max_norm / ‖g‖
    assert torch.allclose(clipped.data, plain.data, atol=1e-6)
    assert clipped.data.norm().item() < (0.1 * 10.0)  # a shorter step than unclipped SGD


def test_a_plain_rnn_explodes_when_its_recurrent_factors_are_above_one():
    said("A plain RNN gets exploding gradients too", "(a spectral radius above 1)")
    norms = {}
    for radius in (1.5, 0.5):
        rnn = torch.nn.RNN(4, 4, nonlinearity="relu", bias=False)
        with torch.no_grad():
            rnn.weight_ih_l0.zero_()
            rnn.weight_hh_l0.copy_(radius * torch.eye(4))  # spectral radius = radius
        h0 = torch.ones(1, 1, 4, requires_grad=True)
        out, _ = rnn(torch.zeros(30, 1, 4), h0)  # 30 time steps, relu' = 1 on positive states
        out[-1].sum().backward()
        norms[radius] = h0.grad.norm().item()
    assert norms[1.5] == pytest.approx(2 * 1.5**30, rel=1e-4)  # compounds: about 3.8e5
    assert norms[0.5] < 1e-8  # below 1 the same product vanishes


def test_clipping_after_the_step_leaves_the_update_unclipped():
    orders = [
        r["feedback"]
        for prompt in tomllib.loads(EXPLAIN.read_text(encoding="utf-8"))["prompt"]
        for r in prompt.get("order", [])
    ]
    assert any("by then the update has already used the raw gradient" in f for f in orders)
    p = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([p], lr=1.0)
    p.grad = torch.tensor([3.0, 4.0])  # norm 5
    opt.step()
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)  # too late: the step is taken
    assert torch.allclose(p.detach(), torch.tensor([-3.0, -4.0]))


# --- blind29 / round27 --------------------------------------------------------------------------
def test_zeroing_between_micro_batches_leaves_only_the_last_one():
    said("Zeroed in between, .grad would hold only the last micro-batch")
    p = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([p], lr=1.0)
    for g in (torch.tensor([1.0, 0.0]), torch.tensor([0.0, 2.0])):
        opt.zero_grad()
        (p * g).sum().backward()
    assert torch.equal(p.grad, torch.tensor([0.0, 2.0]))


def test_clip_grad_norm_keeps_no_history_of_earlier_norms():
    said("clip_grad_norm_ keeps no history: each call compares the current total norm")
    calm, fresh = param_with_grad([3.0, 4.0]), param_with_grad([3.0, 4.0])
    for _ in range(50):  # many small norms first: nothing carries over
        calm.grad = torch.tensor([0.01, 0.0])
        torch.nn.utils.clip_grad_norm_([calm], max_norm=1.0)
    calm.grad = torch.tensor([3.0, 4.0])
    for p in (calm, fresh):
        assert torch.nn.utils.clip_grad_norm_([p], max_norm=1.0).item() == pytest.approx(5.0)
        assert torch.allclose(p.grad, torch.tensor([0.6, 0.8]))


def test_the_clipped_norm_is_the_l2_norm_not_the_mean_size():
    said("(3, 4) has norm 5, while its mean absolute entry is 3.5")
    p = param_with_grad([3.0, 4.0])
    assert p.grad.abs().mean().item() == 3.5
    assert torch.nn.utils.clip_grad_norm_([p], max_norm=4.0).item() == pytest.approx(5.0)
    assert p.grad.norm().item() == pytest.approx(4.0)  # clipped: the mean 3.5 is under 4


def test_a_spike_fills_adams_moments_and_damps_the_steps_after_it():
    said("a spike that reaches Adam enters its momentum at full size")
    said("so the steps after it are damped for a long time")
    runs = []
    for clip in (False, True):
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.Adam([p], lr=0.1)
        moves, momentum = [], 0.0
        for k in range(30):
            p.grad = torch.tensor([1000.0 if k == 20 else 0.1])
            if clip:
                torch.nn.utils.clip_grad_norm_([p], max_norm=0.1)
            before = p.item()
            opt.step()
            moves.append(abs(p.item() - before))
            momentum = opt.state[p]["exp_avg"].item() if k == 20 else momentum
        runs.append((moves, momentum, opt.state[p]["exp_avg_sq"].item()))
    (raw, raw_m, raw_sq), (clipped, clipped_m, clipped_sq) = runs
    assert raw_m > 1000 * clipped_m and raw_sq > 1000 * clipped_sq
    assert raw[29] < 0.5 * clipped[29]  # nine steps on, the unclipped run still crawls


def test_a_clip_does_not_stick_the_next_backward_is_unclipped():
    said("the next backward() writes fresh, unclipped gradients")
    p = torch.nn.Parameter(torch.zeros(2))
    (p * torch.tensor([3.0, 4.0])).sum().backward()
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    p.grad = None
    (p * torch.tensor([3.0, 4.0])).sum().backward()
    assert p.grad.norm().item() == pytest.approx(5.0)


def test_an_rnn_has_the_same_parameters_for_any_sequence_length():
    said("Unrolling adds no parameters: an RNN uses the same weight matrices at every time step")
    rnn = torch.nn.RNN(3, 4)
    count = sum(p.numel() for p in rnn.parameters())
    for steps in (2, 50):
        rnn.zero_grad()
        rnn(torch.randn(steps, 1, 3))[0].sum().backward()
        assert sum(p.numel() for p in rnn.parameters()) == count
        assert rnn.weight_hh_l0.grad.shape == (4, 4)


def test_unscale_records_inf_and_does_not_raise_a_second_call_does():
    said("scaler.unscale_(optimizer) does not raise on inf or nan gradients")
    said("only a second unscale_() before update() raises")
    w = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([w], lr=1.0)
    scaler = torch.amp.GradScaler("cpu", init_scale=4.0)
    scaler.scale((w * torch.tensor([1.0, 1.0])).sum()).backward()
    w.grad[0] = float("inf")
    scaler.unscale_(opt)  # no error
    with pytest.raises(RuntimeError):
        scaler.unscale_(opt)
    scaler.step(opt)
    scaler.update()
    assert torch.equal(w.detach(), torch.zeros(2)) and scaler.get_scale() == 2.0


def test_spikes_move_the_mean_not_the_median():
    said("lifts the mean of 100 logged norms to about twice the typical value")
    norms = np.array([1.0] * 99 + [100.0])
    assert norms.mean() == pytest.approx(1.99) and np.median(norms) == 1.0


def test_clipping_is_no_weight_decay():
    said("nothing pulls the weights towards zero")
    w = torch.nn.Parameter(torch.tensor([2.0, -3.0]))
    w.grad = torch.zeros(2)
    torch.nn.utils.clip_grad_norm_([w], max_norm=1e-3)
    torch.optim.SGD([w], lr=0.1).step()
    assert torch.equal(w.detach(), torch.tensor([2.0, -3.0]))
    decayed = torch.nn.Parameter(torch.tensor([2.0, -3.0]))
    decayed.grad = torch.zeros(2)
    torch.optim.SGD([decayed], lr=0.1, weight_decay=0.1).step()
    assert decayed.detach().abs().lt(torch.tensor([2.0, 3.0])).all()


def test_torch_itself_never_clips_a_huge_gradient():
    # The Trainer's default is cited from the Transformers documentation (not a dependency here);
    # what the feedback says of torch runs: an optimizer step uses the gradient as it is.
    said("its documentation gives TrainingArguments max_grad_norm=1.0")
    said("torch itself never clips unless you call clip_grad_norm_ or clip_grad_value_")
    p = param_with_grad([3e6, 4e6])  # starts at zero; norm 5e6
    torch.optim.SGD([p], lr=0.1).step()
    assert torch.allclose(p.detach(), torch.tensor([-3e5, -4e5]))


# --- round 31 (long answers): the feedback added for blind32 ------------------------------------
def test_clip_grad_value_clamps_entries_and_computes_no_norm():
    said("clip_grad_value_ clamps each entry to [-clip_value, clip_value] on its own")
    by_value, by_norm = param_with_grad([3.0, 0.5]), param_with_grad([3.0, 0.5])
    assert torch.nn.utils.clip_grad_value_([by_value], clip_value=1.0) is None  # no norm
    torch.nn.utils.clip_grad_norm_([by_norm], max_norm=1.0)
    assert torch.equal(by_value.grad, torch.tensor([1.0, 0.5]))  # the small entry untouched
    assert torch.allclose(by_norm.grad, torch.tensor([3.0, 0.5]) / math.hypot(3.0, 0.5))


def test_norm_clipping_neither_divides_by_the_norm_nor_by_the_largest_entry():
    said(
        "becomes (0.6, 0.8), not (0.75, 1))", "so the result has a norm of max_norm (to within 1e-6"
    )
    p = param_with_grad([3.0, 4.0])
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert torch.allclose(p.grad, torch.tensor([0.6, 0.8]))
    q = param_with_grad([6.0, 8.0])
    torch.nn.utils.clip_grad_norm_([q], max_norm=2.0)  # not a unit vector: norm max_norm
    assert 2.0 - 1e-6 <= q.grad.norm().item() < 2.0  # torch divides by norm + 1e-6


def test_unscale_divides_by_the_loss_scale_not_by_the_threshold():
    said("divides the gradients by the loss scale (scaler.get_scale(), 65536 at the start)")
    w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    opt = torch.optim.SGD([w], lr=0.1)
    scaler = torch.amp.GradScaler("cpu")
    assert scaler.get_scale() == 65536.0
    scaler.scale((w * torch.tensor([3.0, 4.0])).sum()).backward()
    assert torch.allclose(w.grad, torch.tensor([3.0, 4.0]) * 65536.0)
    scaler.unscale_(opt)
    assert torch.allclose(w.grad, torch.tensor([3.0, 4.0]))


def test_clip_grad_norm_does_not_raise_on_overflow_unless_asked():
    said("error_if_nonfinite is False by default: it returns an inf or nan norm instead")
    p = param_with_grad([float("inf"), 1.0])
    assert math.isinf(torch.nn.utils.clip_grad_norm_([p], max_norm=1.0).item())
    assert (
        inspect.signature(torch.nn.utils.clip_grad_norm_).parameters["error_if_nonfinite"].default
        is False
    )
    with pytest.raises(RuntimeError):
        torch.nn.utils.clip_grad_norm_(
            [param_with_grad([float("inf")])], 1.0, error_if_nonfinite=True
        )


def test_a_clipped_sgd_step_is_at_most_lr_times_max_norm():
    said("the step's length is at most lr * max_norm")
    w = torch.nn.Parameter(torch.zeros(3))
    opt = torch.optim.SGD([w], lr=0.1)
    w.grad = torch.tensor([30.0, 40.0, 0.0])
    torch.nn.utils.clip_grad_norm_([w], max_norm=2.0)
    opt.step()
    assert w.detach().norm().item() == pytest.approx(0.1 * 2.0, rel=1e-6)
