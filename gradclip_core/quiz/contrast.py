"""What an answer sets its subject against: "unlike value clipping, ...", "compared with
clip_grad_norm_, which uses one global norm, AGC ...".

A contrast word ("unlike", "versus", "compared", "opposed", "contrast") introduces the thing
being contrasted, not the learner's claim. Its words are *hidden* (:attr:`.text.Clause.hidden`):
no claim is matched on them, though they can lend a subject to the clause after them:

- from the contrast word up to the subject it names, when that comes within
  ``CONTRAST_SUBJECT_REACH`` words ("unlike value clipping norm clipping keeps ...");
- when it names none that close and leads its clause, to the end of the clause, at most
  ``CONTRAST_REACH`` words ("so unlike normal clipping with one fixed max_norm for the whole
  model, AGC is local"; not "the threshold is compared with scaled gradients"), and so does
  "vs." / "versus" anywhere in its clause, even when it names a subject: what follows is what
  is set against ("one common factor (clip_grad_norm_) versus per-entry clamping
  (clip_grad_value_)": the factor is not said of the value mode).

A relative clause right after a clause led by a contrast ("..., which uses the total norm of
the whole model, AGC ...") describes the thing contrasted: it is *contrasted*
(:attr:`.text.Clause.contrasted`), and a misconception without a subject is not matched there
(one with a subject still is: "unlike value clipping, which keeps the direction" says it).
So is a clause that opens its sentence with "where", "whereas" or "while" before a clause of
its own: "Where clip_grad_norm_ compares one global norm with max_norm, AGC ..." describes
what AGC is set against.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gradclip_core.quiz.claims import wordset

if TYPE_CHECKING:
    from gradclip_core.quiz.text import Clause, Tok

CONTRAST = wordset("unlike versus vs compared opposed contrast")
CONTRAST_SUBJECT_REACH = 5  # words after a contrast word in which its subject may come
CONTRAST_REACH = 12  # words a contrast with no subject close by hides, at most
# what leads a contrast: "instead of one max_norm, ...", "rather than a global threshold, ..."
_LEADING = CONTRAST | wordset("instead rather")
_FILLERS = wordset("so but and well now in as just")  # "so unlike ...", "as opposed to ..."
_RELATIVE = wordset("which that who")
_VERSUS = wordset("versus vs")  # "per-unit ratio vs. one global norm": what it is set against
_SETS_AGAINST = wordset("where whereas while")  # "Where clip_grad_norm_ uses ..., AGC ..."


def hidden(toks: list[Tok], subjects: frozenset[str]) -> set[int]:
    """Positions of a clause's words that name what a contrast word sets against (see the
    module docstring)."""
    out: set[int] = set()
    first = _first(toks)
    for j, tok in enumerate(toks):
        if tok.raw not in CONTRAST:
            continue
        span = range(j + 1, min(len(toks), j + 1 + CONTRAST_SUBJECT_REACH))
        named = next((k for k in span if toks[k].canon in subjects), None)
        if named is not None and tok.raw not in _VERSUS:
            out.update(range(j + 1, named + 1))
        elif j == first or tok.raw in _VERSUS:  # not "the threshold is compared with ..."
            out.update(range(j + 1, min(len(toks), j + 1 + CONTRAST_REACH)))
    return out


def _first(toks: list[Tok]) -> int:
    """The position of the clause's first word that is no filler ("so", "as", ...)."""
    return next((j for j, t in enumerate(toks) if t.raw not in _FILLERS), len(toks))


def leads(clause: Clause) -> bool:
    """Whether a contrast leads the clause ("so unlike ...", "compared with ...")."""
    first = _first(clause.toks)
    return first < len(clause.toks) and clause.toks[first].raw in _LEADING


def mark(found: list[Clause]) -> None:
    """Mark the relative clauses that describe what a contrast names, and the clause a
    sentence opens with "where" / "whereas" / "while" when a clause of its own follows it (in
    place)."""
    for n, clause in enumerate(found[1:], 1):
        before = found[n - 1]
        same = before.sentence == clause.sentence
        lead = clause.toks[0].raw if clause.toks else ""
        if same and lead in _RELATIVE and (leads(before) or before.contrasted):
            clause.contrasted = True
    for n, clause in enumerate(found[:-1]):
        after, opens = found[n + 1], not n or found[n - 1].sentence != clause.sentence
        lead = after.toks[0].raw if after.toks else ""
        first = clause.toks[0].raw if clause.toks else ""
        if opens and first in _SETS_AGAINST and after.sentence == clause.sentence:
            clause.contrasted = clause.contrasted or lead not in _RELATIVE
