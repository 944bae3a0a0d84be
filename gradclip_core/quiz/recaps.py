"""Recaps and "A vs. B" lines: clauses that take no subject from the clauses before them.

"Value clipping clamps each entry. Recap: one factor for all vs. a clamp per entry." A recap
starts over: what it says ("one factor for all") is not about the subject of the sentence before
the heading, and neither is a line that sets two things side by side with "vs." ("same factor
everywhere vs. each entry on its own"), which names both; nor is a list of steps after "the
right recipe:" ("zero the grads, forward, ..."). Such a clause keeps its own subject if it has
one; it borrows none (see :func:`.match.contexts`).
"""

from __future__ import annotations

from gradclip_core.quiz.claims import wordset
from gradclip_core.quiz.text import Clause, meaningful

HEADINGS = (  # the words of a clause that only heads a recap: "Recap:", "In short:"
    wordset("recap"),
    wordset("summary"),
    wordset("tldr"),
    wordset("tl dr"),
    wordset("short"),
    wordset("bottom line"),
    wordset("sum up"),
    wordset("nutshell"),
    wordset("recipe"),  # "the right recipe: zero the grads, ..." lists steps, it has no subject
    wordset("right recipe"),
)
_VERSUS = wordset("vs versus")


def _heading(clause: Clause) -> bool:
    said = frozenset(t.raw for t in clause.toks if meaningful(t))
    return bool(said) and said in HEADINGS


def lenders(ctx: list[tuple[Clause, Clause | None]]) -> list[tuple[Clause, Clause | None]]:
    """``ctx`` (each clause with the clause that lends it its subject) with no subject lent
    across a recap heading, nor to a clause that sets two things side by side with "vs."."""
    out, since = [], -1  # since: where the last recap heading stands among the words
    for clause, donor in ctx:
        if _heading(clause) and clause.toks:
            since = clause.toks[0].i
        across = donor is not None and donor.toks and donor.toks[0].i < since
        versus = donor is not None and _VERSUS & {t.raw for t in clause.toks}
        out.append((clause, None if across or versus else donor))
    return out
