"""The notation readers added with the blind83 answer set, on short answers of the same kind."""

from __future__ import annotations

from pathlib import Path

from gradclip_core.quiz import (
    angles,
    arrowcond,
    conditions,
    load_bank,
    minone,
    normtypes,
    unitdir,
    updates,
)
from gradclip_core.quiz.grading import grade_explanation

BANK = load_bank(Path(__file__).resolve().parents[2] / "lessons" / "quiz")
PROMPTS = {p.id: p for p in BANK.explain}


def test_typed_norms_read_as_words_unless_divided_by_or_bounded():
    assert "the inf norm" in normtypes.mark("the default norm is ‖g‖_∞ = max_i |g_i|")
    assert "the l1 norm" in normtypes.mark("by default it measures ||g||_1 = sum |g_i|")
    assert normtypes.mark("c/‖g‖₁") == "c/‖g‖₁"
    assert normtypes.mark("‖ĝ‖_∞ ≤ c") == "‖ĝ‖_∞ ≤ c"


def test_a_rule_before_an_arrow_is_read_action_first():
    assert arrowcond.mark("above λ → scale g_i so the ratio is λ.") == (
        "scale g_i when above λ so the ratio is λ."
    )
    worked = "lambda = 0.1 -> ratio 0.5 > 0.1 -> g_i rescaled to norm 0.2"
    assert arrowcond.mark(worked) == worked  # a worked example: numbers in the condition
    assert "misconditioned" in conditions.mark(arrowcond.mark("ratio < λ -> clip"))


def test_a_bare_limit_letter_and_kicks_in_are_read_by_the_condition_check():
    for wrong in ("clipping kicks in when ‖g‖₂ < c: g is rescaled", "g is rescaled when ||g|| < c"):
        assert "misconditioned" in conditions.mark(wrong)
    assert "misconditioned" not in conditions.mark("g is rescaled by c/||g|| when ||g|| > c")


def test_unit_vectors_say_the_direction():
    assert "(same direction)" in unitdir.mark("ĝ/‖ĝ‖ = g/‖g‖")
    assert "(direction changed)" in unitdir.mark("ĝ/‖ĝ‖ ≠ g/‖g‖")


def test_the_cap_of_min_is_no_word_one_and_a_named_norm_is_substituted():
    assert minone.mark("min(1, c/‖g‖)") == "min(ceil1, c/‖g‖)"
    assert "misformed" in updates.mark("each grad is multiplied by c/n² with n = ‖g‖₂ when n > c.")
    assert "misformed" not in updates.mark("each grad is multiplied by c/n with n = ‖g‖ if n > c.")


def test_an_angle_is_checked_against_the_vectors_before_it():
    assert "miscomputed" in angles.mark("(3, 4) becomes (1, 1): it rotates by 45°")
    assert "miscomputed" not in angles.mark("(3, 4) becomes (1, 1): it rotates by about 8°")


def test_notation_answers_graded():
    nvv = PROMPTS["ex-norm-vs-value"]
    good = (
        "Norm clipping: ĝ = s·g with s = min(1, c/‖g‖) a scalar common to all coordinates ⇒ "
        "ĝ/‖ĝ‖ = g/‖g‖. Value clipping: ĝ = clamp(g, −c, c) coordinate-wise ⇒ ĝ/‖ĝ‖ ≠ g/‖g‖."
    )
    assert grade_explanation(nvv, good).full
    wrong = (
        "clip_grad_norm_ by default measures ‖g‖₁ over all parameters and multiplies everything "
        "by c/‖g‖₁ if that is larger than c, so the direction is kept. clip_grad_value_ clamps "
        "each entry to [−c, c] separately, which can change the direction."
    )
    assert not grade_explanation(nvv, wrong).full
