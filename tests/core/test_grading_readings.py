"""Readings of the explain grader that keep correct answers from false alarms, each with the
wrong answer next to it that must still be caught (session 25: "after that last backward", the
verb "means", a factor times a vector, clip_value as value clipping, the harm said of a practice
in the clause after it, "step 3" of a numbered list)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradclip_core.quiz import load_bank
from gradclip_core.quiz.grading import grade_explanation

QUIZ = Path(__file__).resolve().parents[2] / "lessons" / "quiz"
BANK = {p.id: p for p in load_bank(QUIZ).explain}
ONCE_AT_THE_END = (
    "Clip once per update: the clip goes in the `if (step + 1) % 8 == 0:` block, right before "
    "optimizer.step(), after that last backward. Every backward() adds into .grad, so only then "
    "does .grad hold the full sum the optimizer is going to use."
)


def grade(pid: str, answer: str):
    return grade_explanation(BANK[pid], answer)


def test_after_that_last_backward_names_the_backward_not_a_later_call():
    g = grade("ex-accumulation", ONCE_AT_THE_END)
    assert g.full, g.mistakes
    # the clip placed before that last backward is still the wrong order
    wrong = ONCE_AT_THE_END.replace("after that last backward", "before that last backward")
    assert not grade("ex-accumulation", wrong).full


def test_after_that_with_a_call_next_still_means_afterwards():
    g = grade(
        "cs-ex-how-loop",
        "Call loss.backward(), then clip_grad_norm_(model.parameters(), 1.0), and after that "
        "optimizer.step() applies the clipped gradients.",
    )
    assert g.full, g.mistakes
    g = grade(
        "cs-ex-how-loop",
        "Call loss.backward(), then optimizer.step(), and after that "
        "clip_grad_norm_(model.parameters(), 1.0) clips the gradients.",
    )
    assert not g.full


def test_the_verb_means_is_not_an_average():
    answer = (
        "Norm clipping multiplies the whole gradient by one factor, so the direction is kept. "
        "Value clipping truncates: truncating means each component is limited to [-c, c] on its "
        "own, which can change the direction: (3, 4) turns into (1, 1) with limit 1."
    )
    g = grade("ex-norm-vs-value", answer)
    assert g.full, g.mistakes
    wrong = "Norm clipping compares the mean absolute value of the entries with max_norm. " + answer
    assert not grade("ex-norm-vs-value", wrong).full


@pytest.mark.parametrize(
    ("example", "right"),
    [
        ("norm gives 0.2 * (3, 4) = (0.6, 0.8); value gives (1, 1).", True),
        ("norm gives 0.2 * (3, 4) = (0.75, 1.0); value gives (1, 1).", False),
    ],
)
def test_a_factor_times_the_source_is_no_result(example, right):
    answer = (
        "Norm clipping scales the whole gradient by one factor and keeps its direction; value "
        "clipping clamps each entry on its own to [-c, c] and can change it. c = 1, g = (3, 4): "
    )
    assert grade("ex-norm-vs-value", answer + example).full is right


@pytest.mark.parametrize(("result", "right"), [("(5, 5)", True), ("(3, 4)", False)])
def test_clip_value_names_value_clipping(result, right):
    answer = (
        "With max_norm=5, g = (6, 8) (norm 10) → (3, 4): same direction, half length. "
        f"With clip_value=5, (6, 8) → {result}: each entry clamped separately, direction changes."
    )
    assert grade("ex-norm-vs-value", answer).full is right


def test_a_practice_whose_harm_follows_is_not_recommended():
    told = (
        "Clip once per update, after the last micro-batch's backward() and right before "
        "optimizer.step(), because .grad holds the full sum the optimizer uses. "
    )
    g = grade(
        "ex-accumulation",
        told + "I tried clipping every micro-batch once by accident and the early micro-batches "
        "got squashed over and over.",
    )
    assert g.full, g.mistakes
    for wrong in (
        "Clip after every backward() so the early micro-batches are not shrunk.",
        "Clip after each micro-batch, and the running sum stays bounded, so the update is safe.",
    ):
        assert grade("ex-accumulation", wrong).mistakes


def test_step_3_of_a_numbered_list_is_not_the_optimizer_step():
    listed = (
        "1. scaler.scale(loss).backward()\n2. scaler.unscale_(optimizer): the gradients are back "
        "to their true size.\n3. torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)\n"
        "4. scaler.step(optimizer)\n5. scaler.update()\n"
    )
    g = grade(
        "ex-amp",
        listed + "Skipping step 2 means the clip sees norms inflated by the scale, so the norm "
        "is way over max_norm and it clips much too hard.",
    )
    assert g.full, g.mistakes
    g = grade(
        "ex-amp",
        listed + "scaler.step(optimizer) skips steps with a norm above max_norm.",
    )
    assert not g.full
