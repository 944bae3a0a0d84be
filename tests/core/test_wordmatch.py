"""The clause index of ``quiz.wordmatch`` finds exactly the words ``same`` matches one by one.

The grader asks each clause for the positions of every claim word of a prompt; the index
answers from the clause's words by synonym group plus its possible typos. Here it is checked
against the word-by-word reading on real answers, typos included, for every claim word; and
the shortcut that rejects a claim when a clause without possible typos lacks a synonym group it
needs is checked against matching without it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gradclip_core.quiz import load_bank, match
from gradclip_core.quiz.grading import _prepare
from gradclip_core.quiz.match import excluded, holds, pattern, slot_hits
from gradclip_core.quiz.text import clauses
from gradclip_core.quiz.wordmatch import positions, same

BANK = load_bank(Path(__file__).resolve().parents[2] / "lessons" / "quiz")
ANSWERS = (  # typos, code, a contrast, a negation, an answer in one long clause
    "Clipping rescales the gradiant so its norm is at most max_norm; the directon is kept.",
    "call loss.backward(), then torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0), "
    "then optimizer.step() - never clip after the step",
    "Value clipping clamps each entry instead of scaling the whole vector, so it doesn't "
    "preserve the direction of the gradeint, unlike norm clipping which does.",
    "unscale the gradients first with scaler.unscale_(optimizer), otherwise the threshold is "
    "compared with gradients still multiplied by the loss scale",
)


def _words(prep):
    pats = [p for pats, _ in prep.concepts for p in pats] + [
        p for ps in prep.misconceptions for p in ps
    ]
    slots = [alt for p in pats for slot in (p.subject, *p.slots, p.exclude) for alt in slot]
    return {w for alt in slots for w in alt}


@pytest.mark.parametrize("item", BANK.explain, ids=lambda p: p.id)
def test_index_finds_what_same_finds(item):
    prep = _prepare(item)
    words = _words(prep)
    typo_hits = 0
    for answer in (*ANSWERS, item.model_answer):
        for clause in clauses(answer, prep.subjects):
            for word in words:
                brute = [j for j, t in enumerate(clause.toks) if same(t, word, prep.vocab)]
                assert list(positions(clause, word, prep.vocab)) == brute, (answer, word)
                typo_hits += sum(clause.toks[j].canon != word.canon for j in brute)
    assert typo_hits, "no typo was matched: the check above never reached the typo path"


def test_a_typo_of_a_claim_word_matches_and_a_word_the_prompt_uses_does_not():
    items = {p.id: p for p in BANK.explain}
    prep = _prepare(items["ex-norm-vs-value"])
    [clause] = clauses("it rescales the gradiant", prep.subjects)
    assert slot_hits(pattern("x + gradient").slots[1], clause, prep.vocab) == [(3,)]
    prep = _prepare(items["ex-amp"])  # "scale" is the prompt's own word: not a typo of "scaler"
    [clause] = clauses("the scale is huge", prep.subjects)
    assert not excluded(pattern("x - scaler").exclude, clause, prep.vocab)
    assert excluded(pattern("x - scale").exclude, clause, prep.vocab)


@pytest.mark.parametrize("item", BANK.explain, ids=lambda p: p.id)
def test_the_synonym_group_shortcut_never_changes_whether_a_claim_holds(item, monkeypatch):
    prep = _prepare(item)
    pats = [p for ps, _ in prep.concepts for p in ps] + [
        p for ps in prep.misconceptions for p in ps
    ]
    found = [c for a in (*ANSWERS, item.model_answer) for c in clauses(a, prep.subjects)]
    quick = [[holds(p, c, None, prep.vocab) for p in pats] for c in found]
    monkeypatch.setattr(match, "canon_set", lambda clause, vocab: None)
    slow = [[holds(p, c, None, prep.vocab) for p in pats] for c in found]
    assert quick == slow
    assert any(map(any, quick)), "no claim held: the comparison says nothing"
