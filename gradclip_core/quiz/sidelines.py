"""Side remarks of long answers: clauses that say nothing about what clipping does.

Long answers wander: they name what is used alongside clipping, set it apart from what it is
confused with, warn about a mistake. Such a clause asserts no misconception, so all its words
are its premise (:attr:`.text.Clause.premise`); a concept is still matched there. Read by
:func:`.text.clauses`:

- a companion list: a clause led by "alongside", "together with", "next to", ..., and the short
  items after it in its sentence ("alongside AdamW, warmup and cosine learning-rate decay");
- a comparison ("it is not the same as", "differs from", "people confuse it with weight
  clipping") or a warning ("the main danger is choosing ..."), and the clauses after it in its
  sentence led by "while" / "whereas" / "which" / "as" that name no subject first ("..., while
  a lower learning rate slows every step").

A clause "X tells you Y" ("frequent clipping tells you the learning rate is too high") is split
after "tells you": what it reports is a statement of its own, not something X does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from gradclip_core.quiz.claims import wordset

if TYPE_CHECKING:
    from gradclip_core.quiz.text import Clause, Tok

ITEM_WORDS = 7  # meaningful words a list item after a companion may have
_COMPANIONS = "alongside|together with|along with|next to|combined with|paired with|in addition to"
_COMPARES = (  # and warnings
    "not the same as|not the same thing as|different from|differs from|confuse|confused|"
    "confusing|mix up|mixed up|mix it up|danger is|risk is|mistake is|pitfall is|steer clear"
)
_REPORTS = (
    "tells you|tell you|telling you|suggests that|indicates that|sign that|signals that|"
    "shows whether|show whether|tells whether"
)
_FILLERS = wordset("so but and often usually typically also just it is s")
_ABOUT_OTHER = wordset("while whereas which as")
_STARTS = wordset("but so because which that while whereas then when if since")


def _find(raws: list[str], phrases: str, start: int = 0, only: bool = False) -> int:
    """The position just after the first of ``phrases`` ("a b|c") in ``raws`` from ``start``
    (only right there when ``only``), or -1."""
    for j in range(start, start + 1 if only else len(raws)):
        for p in (p.split() for p in phrases.split("|")):
            if raws[j : j + len(p)] == p:
                return j + len(p)
    return -1


def split_reports(parts: list[list[Tok]]) -> list[list[Tok]]:
    """Word groups with "X tells you Y" split after "tells you" (see the module docstring)."""
    out = []
    for part in parts:
        at = _find([t.raw for t in part], _REPORTS)
        out.extend([part[:at], part[at:]] if 0 < at < len(part) else [part])
    return out


def _side(mode: str, raws: list[str], words: list[Tok], named: bool, subjects) -> bool:
    """Whether a clause goes on the side remark its sentence opened (``mode``)."""
    if mode == "list":  # a short list item after a companion
        return not named and len(words) <= ITEM_WORDS and raws[0] not in _STARTS
    # after a comparison, naming no subject first: "..., while a lower learning rate slows ..."
    lead = any(t.canon in subjects or t.raw.startswith("clip") for t in words[:2])
    return mode == "compare" and raws[0] in _ABOUT_OTHER and not lead


def mark(found: list[Clause], subjects: frozenset[str], meaningful: Callable) -> None:
    """Mark side remarks as wholly supposed (in place; see the module docstring)."""
    mode = ""  # "list" after a companion, "compare" after a comparison, in the same sentence
    sentence = -1
    for clause in found:
        raws = [t.raw for t in clause.toks]
        if clause.sentence != sentence:
            mode, sentence = "", clause.sentence
        named = any(t.canon in subjects for t in clause.toks)
        words = [t for t in clause.toks if meaningful(t)]
        first = next((j for j, r in enumerate(raws) if r not in _FILLERS), 0)
        if _find(raws, _COMPANIONS, first, only=True) >= 0:
            mode = "list"
        elif _find(raws, _COMPARES) >= 0:
            mode = "compare"
        elif not _side(mode, raws, words, named, subjects):
            mode = "" if mode == "list" else mode  # a comparison goes on to its sentence's end
            continue
        clause.premise = len(clause.toks)
