"""Junk and extreme input for the explain grader: any text, and worked arithmetic with numbers
past a float's range, grade without raising (a learner's typo must not crash the page)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradclip_core.quiz import load_bank
from gradclip_core.quiz.grading import grade_explanation

QUIZ = Path(__file__).resolve().parents[2] / "lessons" / "quiz"
BANK = {p.id: p for p in load_bank(QUIZ).explain}


@pytest.mark.parametrize(
    "example",
    [
        "Without unscaling, the clip sees 2.0 * 65536 = 131,072 over 100 steps.",
        "Over 5000 steps 1.5 x 5000 = 7500, a power that overflows a float.",
        "1.5^5000 is about 10^880 after 5000 layers, and 1.1 ** 100000 = 2 million.",
    ],
)
def test_worked_examples_with_huge_powers_grade_without_error(example):
    # 2.0 ** 65536 overflows a float: such an example is judged on logarithms, never raises
    grade = grade_explanation(BANK["ex-rnn-explode"], example)
    assert 0 <= grade.score <= grade.total


numbers = st.builds(
    "{}{}{}".format,
    st.sampled_from(["", "-", "("]),
    st.sampled_from(["0", "1", "2", "1.5", "3,000", "65536", "0.0"]),
    st.sampled_from(["", "e-999", "e999", "e400", "e300", "e-5", "%"]),
)
operators = st.sampled_from(["^", "**", "*", "x", "/", "÷", "·", "times"])
equals = st.sampled_from(["=", "≈", "is about", ", about", "gives"])
worked = st.builds("{} {} {} {} {}".format, numbers, operators, numbers, equals, numbers)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(worked | numbers | operators, min_size=1, max_size=4),
    st.sampled_from(
        ["", "over 100 layers", "per step over 50 steps", "(6e999, 8e999) has norm 1e1000"]
    ),
    st.sampled_from(sorted(BANK)),
)
def test_any_worked_arithmetic_grades_without_error(parts, context, prompt_id):
    # numbers too big or too small for a float ("1e300 ** 2 = 5", "2 * 3 = 6e-999") are read,
    # never raise: a learner's typo must not crash the page
    grade = grade_explanation(BANK[prompt_id], f"{' '.join(parts)} {context}")
    assert 0 <= grade.score <= grade.total


PIECES = """clip step backward() unscale_ not never n't 1. 2) ( ) [ ] / > < ≤ , ; : . ! ? - ->
and then after before first once if you would unlike norm value λ e.g. 1.0 0 ||W||
2.0 1.5 x * ** ^ = 65536 131,072 steps layers 10^400 million which that scales gradient"""
pieces = st.sampled_from([*PIECES.split(), "\n"])


@pytest.mark.parametrize(
    "answer",
    [
        # A first clause that is relative ("which ..."): no clause before it to take a subject
        # from (it raised an IndexError on every prompt before the fix).
        "which scales the gradient down when its norm is too big",
        "which norm clipping keeps the direction",
        "That clips it. which is why training stays stable",
    ],
)
@pytest.mark.parametrize("prompt_id", sorted(BANK))
def test_an_answer_that_starts_with_which_grades_without_error(answer, prompt_id):
    grade = grade_explanation(BANK[prompt_id], answer)
    assert 0 <= grade.score <= grade.total


@settings(max_examples=300, deadline=None)
@given(st.lists(pieces | st.text(max_size=12), max_size=60), st.sampled_from(sorted(BANK)))
def test_any_text_grades_without_error(parts, prompt_id):
    item = BANK[prompt_id]
    grade = grade_explanation(item, " ".join(parts))
    assert 0 <= grade.score <= grade.total == len(item.concepts)
    assert set(grade.found) | {name for name, _ in grade.missing} == {c.name for c in item.concepts}
