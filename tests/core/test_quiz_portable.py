"""Portable misconceptions: a false statement about torch costs full marks in any prompt's answer.

The bank lends each misconception marked ``portable = true`` to every other prompt
(``gradclip_core/quiz/portable.py``); the grader judges a borrowed one as its own prompt reads
the answer, and an answer that states it keeps its concepts but not full marks.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from gradclip_core.lessons import ContentError
from gradclip_core.quiz import load_bank
from gradclip_core.quiz.grading import grade_explanation
from gradclip_core.quiz.portable import lend_portable

ROOT = Path(__file__).resolve().parents[2]
BANK = load_bank(ROOT / "lessons" / "quiz")
NO_DEFAULT = "max_norm has no default"  # a how-loop misconception, true of torch everywhere


def _plain() -> dict:
    """The bank's prompts as written, none portable, none borrowing."""
    return {
        p.id: replace(
            p,
            borrowed=(),
            misconceptions=tuple(replace(m, portable=False) for m in p.misconceptions),
        )
        for p in BANK.explain
    }


def _with_portable(home: str, start: str) -> dict:
    """The prompts with one misconception of ``home`` (its feedback starts with ``start``)
    marked portable and lent to the others."""
    prompts = _plain()
    marked = tuple(
        replace(m, portable=m.feedback.startswith(start)) for m in prompts[home].misconceptions
    )
    assert sum(m.portable for m in marked) == 1
    prompts[home] = replace(prompts[home], misconceptions=marked)
    return {p.id: p for p in lend_portable(tuple(prompts.values()))}


def test_every_other_prompt_borrows_a_portable_misconception_once():
    prompts = _with_portable("cs-ex-how-loop", NO_DEFAULT)
    assert prompts["cs-ex-how-loop"].borrowed == ()  # not from itself
    # ex-threshold has the same feedback among its own: it does not borrow it again
    owners = {
        pid
        for pid, p in prompts.items()
        if any(m.feedback.startswith(NO_DEFAULT) for m in p.misconceptions)
    }
    for pid, p in prompts.items():
        lent = [(home.id, m.feedback[:23]) for home, m in p.borrowed]
        assert lent == ([] if pid in owners else [("cs-ex-how-loop", NO_DEFAULT)]), pid


def test_a_borrowed_misconception_costs_full_marks_but_no_concept():
    prompts = _with_portable("cs-ex-how-loop", NO_DEFAULT)
    item = prompts["ex-norm-vs-value"]
    clean = grade_explanation(item, item.model_answer)
    assert clean.full and clean.slips == ()
    slipped = grade_explanation(
        item,
        item.model_answer + " You can also leave max_norm out: it defaults to 1.0.",
    )
    assert slipped.score == slipped.total == 3  # the concepts are all there
    assert not slipped.full
    assert len(slipped.slips) == 1 and slipped.slips[0].startswith(NO_DEFAULT)
    assert slipped.slips[0] in slipped.mistakes  # the feedback is shown with the others
    assert slipped.message == "You got 3/3 concepts, but one thing you said is not right"


def test_a_borrowed_misconception_is_read_as_its_own_prompt_reads_it():
    """Negated, or only a question, it is not said: the home prompt's reading decides."""
    prompts = _with_portable("cs-ex-how-loop", NO_DEFAULT)
    item = prompts["ex-norm-vs-value"]
    for tail in (
        " Note that max_norm has no default: you must always pass it.",
        " max_norm is not optional, there is no default value for it.",
    ):
        grade = grade_explanation(item, item.model_answer + tail)
        assert grade.full and grade.slips == (), tail


def test_the_bank_lends_what_it_marks_portable_once():
    marked = [m for p in BANK.explain for m in p.misconceptions if m.portable]
    for p in BANK.explain:
        assert all(home.id != p.id for home, _ in p.borrowed)
        borrowed = [m for _, m in p.borrowed]
        # what it checks: its own misconceptions, then each borrowed one in turn
        checks = list(p.misconceptions)
        for m in borrowed:
            assert not {c for k in checks for c in k.claims}.issuperset(m.claims), p.id
            assert m.feedback not in {k.feedback for k in checks}, p.id
            checks.append(m)
        # and every marked one it did not borrow, it already checks
        claims = {c for k in checks for c in k.claims}
        for m in marked:
            if m not in borrowed:
                assert m.feedback in {k.feedback for k in checks} or claims.issuperset(m.claims)


def test_a_claim_two_prompts_check_is_borrowed_once():
    """cs-ex-how-loop and ex-amp each word their own feedback for the same checker (what
    clip_grad_value_ and unscale_ return): an answer to a third prompt gets one, not both."""
    item = {p.id: p for p in BANK.explain}["cs-ex-what-why"]
    grade = grade_explanation(item, item.model_answer + " clip_grad_value_ returns the total norm.")
    assert grade.score == grade.total and not grade.full
    assert len(grade.slips) == 1 and "clip_grad_value_ return None" in grade.slips[0]
    assert grade.message == "You got 3/3 concepts, but one thing you said is not right"


def test_the_headline_counts_the_slips():
    prompts = _plain()
    home = prompts["cs-ex-how-loop"]
    marked = tuple(
        replace(m, portable=m.feedback.startswith((NO_DEFAULT, "scaler.unscale_(optimizer) and")))
        for m in home.misconceptions
    )
    assert sum(m.portable for m in marked) == 2
    prompts["cs-ex-how-loop"] = replace(home, misconceptions=marked)
    item = {p.id: p for p in lend_portable(tuple(prompts.values()))}["ex-agc"]
    tail = " You can leave max_norm out: it defaults to 1.0. clip_grad_value_ returns the norm."
    grade = grade_explanation(item, item.model_answer + tail)
    assert grade.score == grade.total and len(grade.slips) == 2
    assert grade.message == "You got 3/3 concepts, but two things you said are not right"


def test_portable_must_be_true_or_false(tmp_path):
    text = (ROOT / "lessons" / "quiz" / "03_explain.toml").read_text(encoding="utf-8")
    first = text.index("[[prompt.misconceptions]]")
    bad = text[:first] + text[first:].replace("cancels = [", 'portable = "yes"\ncancels = [', 1)
    (tmp_path / "03_explain.toml").write_text(bad, encoding="utf-8")
    with pytest.raises(ContentError, match="portable"):
        load_bank(tmp_path)
