"""The explanation grader's later rules, each on small prompts built here: a sentence that only
places the clip, adjectives and ambiguous sequences, and the rules added after the blind answer
sets (see test_grading.py for the first ones and the bank format)."""

from __future__ import annotations

import pytest

from gradclip_core.quiz import CallOrder, Misconception
from gradclip_core.quiz.grading import grade_explanation
from tests.core.grading_helpers import BANK, LOOP, earns, prompt


# --- order: a sentence that only places the clip, adjectives, ambiguous sequences --------------
@pytest.mark.parametrize(
    "answer",
    [
        "Use clip_grad_norm_(params, 1.0). The call goes right after loss.backward() and right "
        "before optimizer.step().",
        "Only once: right before optimizer.step(), after the final backward.",
        "Put it after loss.backward(), just before the step. The later clips shrink less.",
        "Unscaling first makes no sense here; call loss.backward(), clip, then step.",
    ],
)
def test_a_sentence_that_only_places_the_clip_orders_it(answer):
    grade = grade_explanation(LOOP, answer)
    assert grade.full and not grade.mistakes, grade


def test_a_subject_that_is_not_the_clip_orders_nothing():
    answer = "The loss is multiplied before backward(). Call clip_grad_norm_, then step()."
    assert "too early" not in grade_explanation(LOOP, answer).mistakes


def test_the_first_backward_is_an_adjective_not_an_order():
    answer = "Clip before the first backward(), then step."
    assert "too early" in grade_explanation(LOOP, answer).mistakes


def test_fails_to_denies_what_follows():
    item = prompt("not + limit + total")
    assert grade_explanation(item, "Clipping each part fails to limit the total.").full


@pytest.mark.parametrize(
    ("pid", "answer"),
    [
        ("cs-ex-how-loop", "After loss.backward(), call clip_grad_norm_(loss, 1.0), then step."),
        ("cs-ex-how-loop", "Call clip_grad_norm_(optimizer, 1.0) after backward, before step."),
        ("cs-ex-what-why", "It keeps the weights inside a range by clamping them after the step."),
        ("ex-amp", "The scaler divides the gradients by the scale, so unscale_ before clipping."),
        ("ex-amp", "scaler.step() already unscales them, so just clip after backward()."),
        ("ex-rnn-explode", "Products of a 0.9 factor over 100 steps grow exponentially."),
        ("ex-accumulation", "Clip before the first micro-batch's backward, then accumulate."),
        (
            "cs-ex-how-loop",
            "After backward, grads = clip_grad_norm_(model.parameters(), 1.0); copy them back "
            "into p.grad, then step.",
        ),
        (
            "ex-norm-vs-value",
            "Norm clipping always sets the norm to max_norm, even for small gradients; value "
            "clipping clamps each entry and can change the direction.",
        ),
        (
            "ex-norm-vs-value",
            "Value clipping only clamps positive entries; norm clipping scales the whole vector "
            "by one factor and keeps the direction.",
        ),
        (
            "ex-rnn-explode",
            "Each step multiplies by the same matrix, and tanh's derivative is above one, so the "
            "product grows exponentially.",
        ),
        (
            "ex-rnn-explode",
            "The same W multiplies the gradient at every step; with a spectral radius above 1 it "
            "is guaranteed to explode exponentially.",
        ),
        (
            "ex-agc",
            "Per unit, if ||G|| / max(||W||, 1e-3) exceeds λ, the gradient is rescaled so its "
            "norm equals λ.",
        ),
        (
            "ex-accumulation",
            "Clip once before step: if you clipped each micro-batch, the early ones would count "
            "more than the later ones, as the sum the optimizer uses shows.",
        ),
    ],
)
def test_misconceptions_seen_in_blind_answers_are_caught(pid, answer):
    grade = grade_explanation(BANK[pid], answer)
    assert not grade.full and grade.mistakes, grade


def test_a_clause_led_by_otherwise_only_supposes():
    ideas = (Misconception(("clip + scaled",), (), "scaled"),)
    item = prompt("unscale", misconceptions=ideas)
    assert not grade_explanation(item, "Unscale first. Otherwise you clip scaled ones.").mistakes
    assert grade_explanation(item, "Unscale later: you clip scaled ones.").mistakes


# --- rules added after the third blind set ------------------------------------------------------
ZEROED = prompt(
    "clip < step",
    order=(CallOrder("clip", "step", "too late"), CallOrder("step", "zero_grad", "zeroed")),
)


@pytest.mark.parametrize(
    ("answer", "zeroed"),
    [
        ("optimizer.zero_grad(); loss.backward(); clip_grad_norm_(p, 1.0); optimizer.step()", 0),
        ("loss.backward(), clip_grad_norm_(p, 1.0), optimizer.step(), then zero_grad()", 0),
        ("First zero the grads, then backward, then clip_grad_norm_(p, 1.0), then step.", 0),
        ("loss.backward(), then clip_grad_norm_(p, 1.0), then zero_grad(), then step()", 1),
        ("Call loss.backward(), zero the gradients, then clip_grad_norm_(p, 1.0), then step.", 1),
    ],
)
def test_zero_grad_is_in_order_before_backward_or_after_step(answer, zeroed):
    """The loop repeats: zero_grad() before backward() starts the iteration."""
    assert ("zeroed" in grade_explanation(ZEROED, answer).mistakes) is bool(zeroed)


@pytest.mark.parametrize(
    ("answer", "stated"),
    [
        ("Backward, unscale_, clip, step via the scaler, update.", True),  # a list item
        ("Clip, then scaler.step(optimizer), and then update.", True),
        ("The update is then done by scaler.step(optimizer) and scaler.update().", True),
        ("Let the scaler do the step and update the scaler.", True),  # "scaler ... update" spans
        ("Clip, then the update uses the clipped gradients.", False),  # the noun
    ],
)
def test_a_bare_update_is_a_call_only_as_a_list_item(answer, stated):
    item = prompt("step < update", order=(CallOrder("step", "update", "update first"),))
    grade = grade_explanation(item, answer)
    assert grade.full is stated and not grade.mistakes, grade


def test_across_sentences_only_calls_written_as_code_reverse_an_order():
    words = "Unscale, clip, then step. The gradients coming out of backward are scaled."
    assert "too early" not in grade_explanation(LOOP, words).mistakes
    code = "loss.backward(); optimizer.step(); clip_grad_norm_(params, 1.0)"
    assert "too late" in grade_explanation(LOOP, code).mistakes


def test_after_if_you_what_would_follow_is_asserted_with_its_subject():
    ideas = (
        Misconception(("early: count more",), (), "early"),
        Misconception(("clip + each",), (), "each"),
    )
    item = prompt("clip", misconceptions=ideas)
    said = "Clip once, because if you clipped each one the early ones would count more."
    assert grade_explanation(item, said).mistakes == ("early",)  # "clip each" only supposed


def test_even_when_stays_in_the_clause_it_qualifies():
    assert earns("norm: even + small", "Norm clipping rescales it, even when it is smaller.")
    assert not earns("norm: even + small", "Norm clipping rescales it. Even then, it is smaller.")


def test_both_after_other_words_is_not_a_subject_of_its_own():
    ideas = (Misconception(("both: keep + direction",), (), "both"),)
    item = prompt("value: not + same + direction", misconceptions=ideas)
    answer = (
        "Value clipping clamps each entry, so an entry of 4 and one of 3 both become 1, "
        "and the gradient is no longer in the same direction."
    )
    grade = grade_explanation(item, answer)
    assert grade.full and not grade.mistakes, grade


def test_a_formula_with_a_huge_power_overflows_as_a_float_and_is_left_unread():
    # Formulas in an answer are evaluated (quiz/symbolic.py), as floats only: "2^99999999999"
    # as integers would build a number of 30 billion digits and hold the server's GIL for it.
    from gradclip_core.quiz.symbolic import check, python

    expr = python("2^99999999999 · g")
    assert expr == "2.0**99999999999.0*G"
    assert check(expr, True) is None
