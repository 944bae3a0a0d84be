"""What the explain grader now accepts or flags in worked examples and suppositions, run on torch
and on the grader (blind54 / blind56 tuning, session 25). See ``test_explain_feedback_claims.py``.

Each torch test checks a number or a behaviour that a reader rule added here takes as true (a
per-micro-batch run of clips, one tensor of several scaled by max_norm / total norm, a loss-scaled
norm written with thousands separators) or that a claim added to an existing misconception
relies on (zero_grad()'s default, clip_grad_value_'s return value). The grader tests use short
answers written for them, not copied from the answer sets.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from gradclip_core.quiz import load_bank
from gradclip_core.quiz.grading import grade_explanation
from tests.content.feedback_bank import said
from tests.content.grads import param_with_grad

PROMPTS = {
    p.id: p for p in load_bank(Path(__file__).resolve().parents[2] / "lessons" / "quiz").explain
}


def _grade(pid: str, answer: str):
    return grade_explanation(PROMPTS[pid], answer)


# --- torch: the numbers the new reader rules accept ----------------------------------------------
def _per_micro_batch(grads: list[list[float]], max_norm: float) -> torch.Tensor:
    p = torch.nn.Parameter(torch.zeros(len(grads[0])))
    for g in grads:  # backward() adds into .grad; the clip runs after every one
        p.grad = torch.tensor(g) if p.grad is None else p.grad + torch.tensor(g)
        torch.nn.utils.clip_grad_norm_([p], max_norm=max_norm)
    return p.grad


def test_clipping_each_partial_sum_ends_elsewhere_than_clipping_the_sum_once():
    said("You clipped after each micro-batch. That shrinks the running sum again and again")
    grads = [[3.0, 0.0], [0.0, 3.0], [0.0, 3.0], [0.0, 3.0]]
    each = _per_micro_batch(grads, max_norm=3.0)
    assert each.tolist() == pytest.approx([0.585, 2.942], abs=1e-3)
    once = param_with_grad([3.0, 9.0])
    torch.nn.utils.clip_grad_norm_([once], max_norm=3.0)
    assert once.grad.tolist() == pytest.approx([0.949, 2.846], abs=1e-3)
    first = _per_micro_batch([[4.0, 0.0], [4.0, 0.0], [0.0, 4.0]], max_norm=4.0)
    assert first.tolist() == pytest.approx([2.828, 2.828], abs=1e-3)
    small = _per_micro_batch([[2.0, 0.0], [0.0, 2.0], [0.0, 2.0]], max_norm=2.0)  # the test below
    assert small.tolist() == pytest.approx([0.765, 1.848], abs=1e-3)


def test_one_tensor_of_several_is_scaled_by_max_norm_over_the_total_norm():
    a, b = param_with_grad([1.0, 2.0]), param_with_grad([2.0])
    total = torch.nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
    assert total.item() == pytest.approx(3.0)
    assert a.grad.tolist() == pytest.approx([1 / 3, 2 / 3], rel=1e-5)  # not norm 1 on its own
    assert a.grad.norm().item() == pytest.approx(math.sqrt(5) / 3, rel=1e-5)


def test_a_loss_scale_of_65536_turns_a_norm_of_3_into_196608():
    said("a norm of 0.5 with scale 65536 gives 0.5 × 65536 = 32768")
    assert torch.amp.GradScaler("cpu").get_scale() == 65536.0
    p = param_with_grad([3.0 * 65536.0, 0.0])
    assert torch.nn.utils.clip_grad_norm_([p], max_norm=1.0).item() == pytest.approx(196_608.0)


def test_zero_grad_sets_grad_to_none_by_default_and_clip_grad_value_returns_none():
    said("optimizer.zero_grad() sets every .grad to None by default (set_to_none=True)")
    said("and returns None: there are no new tensors to assign back before optimizer.step()")
    p = param_with_grad([1.0, 2.0])
    assert torch.nn.utils.clip_grad_value_([p], clip_value=1.0) is None
    torch.optim.SGD([p], lr=0.1).zero_grad()
    assert p.grad is None


# --- the grader: false alarms gone, mistakes still caught ----------------------------------------
ACCUMULATE = (
    "Clip once per update, after the last micro-batch's backward() and right before "
    "optimizer.step(), because .grad holds the accumulated sum that the optimizer applies. "
    "With a limit of 2 and micro-batch gradients (2, 0), (0, 2), (0, 2): clipping the sum "
    "(2, 4) once gives about (0.89, 1.79), whereas per-micro-batch clipping ends at about "
    "(0.77, 1.85)."
)


def test_a_worked_per_micro_batch_result_is_a_comparison_not_a_recommendation():
    grade = _grade("ex-accumulation", ACCUMULATE)
    assert grade.full, grade.mistakes
    wrong = ACCUMULATE.replace("(0.77, 1.85)", "(0.5, 0.5)")
    assert not _grade("ex-accumulation", wrong).full


def test_clipping_after_each_micro_batch_is_still_caught_when_recommended():
    answer = (
        "Clip after each micro-batch's backward() so every partial sum stays under max_norm; "
        "then call optimizer.step() once with the accumulated .grad the optimizer uses."
    )
    assert not _grade("ex-accumulation", answer).full


def test_a_tensor_of_several_is_checked_by_direction_against_the_total_norm():
    answer = (
        "Call clip_grad_norm_(model.parameters(), max_norm=1.0) after loss.backward() and "
        "before optimizer.step(). With gradients (2, 4) and (4,), the total norm is 6, so "
        "(2, 4) becomes {}."
    )
    assert _grade("cs-ex-how-loop", answer.format("(0.333, 0.667)")).full
    assert not _grade("cs-ex-how-loop", answer.format("(0.6, 0.5)")).full


def test_a_call_in_prose_before_unscale_first_does_not_reverse_the_order():
    answer = (
        "With a GradScaler the .grad tensors hold the gradient times the loss scale. "
        "clip_grad_norm_ knows nothing about that. So you call scaler.unscale_(optimizer) first, "
        "then clip, then scaler.step(optimizer) and scaler.update()."
    )
    grade = _grade("ex-amp", answer)
    assert grade.full, grade.mistakes


def test_a_clause_led_by_not_as_denies_all_of_it():
    answer = (
        "AGC clips by the ratio of a unit's gradient norm to its weight norm, computed unit by "
        "unit, not as one norm over the whole model; when the ratio exceeds lambda, that unit's "
        "gradient is scaled back so the ratio equals lambda."
    )
    assert not _grade("ex-agc", answer).mistakes
    assert _grade("ex-agc", answer.replace("not as one norm", "as one norm")).mistakes


def test_left_as_it_is_after_a_below_the_limit_condition_is_no_misconception():
    answer = (
        "Clipping limits the gradient: if its norm is over max_norm it is scaled down to "
        "max_norm. If it is already below, the gradients are left exactly as they are. This "
        "stops exploding gradients from blowing up the updates and keeps training stable."
    )
    grade = _grade("cs-ex-what-why", answer)
    assert grade.full, grade.mistakes


def test_clip_grad_value_said_to_return_none_is_right_and_new_tensors_wrong():
    right = "clip_grad_value_ clamps each entry of .grad in place and returns None."
    wrong = "clip_grad_value_ returns new clamped gradient tensors that you assign back."
    assert not _grade("ex-norm-vs-value", right).mistakes
    assert _grade("ex-norm-vs-value", wrong).mistakes


def test_zero_grad_said_to_fill_with_zeros_is_caught():
    answer = (
        "Clip once, after the last micro-batch's backward() and before optimizer.step(), since "
        ".grad holds the accumulated sum the optimizer uses. Then optimizer.zero_grad() fills "
        "every .grad with zeros for the next window."
    )
    assert _grade("ex-accumulation", answer).mistakes
