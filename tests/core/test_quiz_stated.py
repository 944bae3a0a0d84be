"""Stated numbers in explain answers: arithmetic (quiz.arith), API defaults (quiz.defaults), the
compounding marker of quiz.growth, and the reading rules added with them (a second case of a
condition, a relative clause that names its own subject).

What the marked words do on the real bank is in tests/content/test_explain_grader.py.
"""

from __future__ import annotations

import pytest

from gradclip_core.quiz import arith, defaults, growth
from gradclip_core.quiz.text import clauses


@pytest.mark.parametrize(
    "said",
    [
        "clipping multiplies all gradients by 1/50 = 0.05, so the new norm is 1.",
        "a typical gradient would be scaled by 0.1/0.8 = 0.0125, i.e. 80 times smaller",
        "the scale factor is λ divided by the ratio, 0.01/0.05 = 0.5, so",
        "shows up as 0.5 × 65536 = 131072 in the scaled gradients",
        "after 100 steps the gradient is 1.1^100 ≈ 110 times larger",
        "3 * 0.25 = 1.5 and 2 ** 10 = 1000000",
        "1/4 = 40 % of the steps",
    ],
)
def test_false_arithmetic_is_marked(said):
    assert arith.MARKER in arith.mark(said).split()


@pytest.mark.parametrize(
    "said",
    [
        "clipping multiplies every gradient by 1/50 = 0.02, so the norm becomes 1.",
        "norm clipping at 2 multiplies everything by 2/6.34 ≈ 0.315, giving (0.16, -1.89, 0.63)",
        "1.1^100 ≈ 13,800 and 0.9^100 ≈ 0.00003",
        "0.5 × 65536 = 32768 in the scaled gradients",
        "a ratio of 0.1/2.0 = 0.05 > 0.01",
        "max_norm/(norm + 1e-6) with norm_type = 2.0",
        "1/4 = 25 % of the steps",
        "1.1^50 is about 117",
        "agc scales that row by 0.01·2.0/0.1 = 0.2",  # a longer product: not checked
        "1/3 = 0.33",
    ],
)
def test_true_or_unchecked_arithmetic_is_left_alone(said):
    assert arith.mark(said) == said


def test_the_arithmetic_marker_is_a_word_of_its_own():
    assert arith.mark("1/50 = 0.05, so") == "1/50 = 0.05 miscomputed , so"
    assert arith.mark("is 1/50 = 0.05") == "is 1/50 = 0.05 miscomputed "


def test_the_compounding_marker_does_not_glue_to_the_next_word():
    marked = growth.powers("after 100 steps it is 1.1^100 ≈ 110 times larger")
    assert f"110 {growth.MARKER} times" in marked


@pytest.mark.parametrize(
    "said",
    [
        "since error_if_nonfinite=true is the default, it will raise an error",
        "error_if_nonfinite defaults to true, so nan gradients stop training",
        "by default norm_type is 1, the sum of absolute values",
        "the gradscaler's default init_scale is 1024",
        "growth_interval (default 100) steps without inf",
        "the default backoff_factor is 0.25",
        "max_norm defaults to 1.0 so you don't need to pass it",
        "max_norm has a default of 1.0",
        "leave error_if_nonfinite at its default of true",
        "it uses the l1 norm by default (norm_type=1), the sum",
        "the gradscaler's default initial scale is 2^8 = 256",
        "error_if_nonfinite is true by default",
    ],
)
def test_a_false_default_is_marked(said):
    assert defaults.MARKER in defaults.mark(said).split()


@pytest.mark.parametrize(
    "said",
    [
        "error_if_nonfinite=false is the default, so nothing is raised",
        "error_if_nonfinite is false by default",
        "norm_type defaults to 2.0",
        "by default the scale is 65536 (2**16)",
        "with the default scale of 65536, a norm of 0.5",
        "init_scale=2**16 is the default",
        "set error_if_nonfinite=true if you want an error",
        "norm_type=1 is not the default",
        "max_norm=1.0 is a common choice",
        "keep norm_type at its default of 2",
    ],
)
def test_a_true_default_or_a_plain_argument_is_left_alone(said):
    assert defaults.mark(said) == said


def test_a_required_argument_has_no_true_default():
    for arg in defaults.REQUIRED:
        assert defaults.MARKER in defaults.mark(f"{arg} defaults to 1.0")


def _premises(text: str) -> dict[str, int]:
    return {" ".join(t.raw for t in c.toks): c.premise for c in clauses(text, frozenset({"norm"}))}


def test_a_second_case_of_a_condition_supposes_too():
    found = _premises(
        "if the norm is under the limit, or every entry is within c, it is unchanged."
    )
    assert found["or every entry is within c"] > 0
    assert found["it is unchanged"] == 0
    alone = _premises("clip by norm, or every entry is clamped.")  # no condition before it
    assert alone["or every entry is clamped"] == 0


def test_a_relative_clause_that_names_its_own_subject_borrows_no_exclusion():
    from gradclip_core.quiz.match import pattern
    from gradclip_core.quiz.near import excluded_near

    pat = pattern("early: count more - shrink")
    subjects = frozenset({"earli"})

    def near(text: str) -> bool:
        before, clause = clauses(text, subjects)[-2:]
        return excluded_near(pat, clause, before, None, frozenset())

    assert not near("the sum is shrunk again, which makes the early batches count more.")
    assert near("the early sum is shrunk again, which makes them count more.")
