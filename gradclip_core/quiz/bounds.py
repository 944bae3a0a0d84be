"""A call named as a bound ("until zero_grad()") is no step of the procedure.

"The gradients accumulate in .grad till zero_grad, so after the last backward ... clip right
before optimizer.step()" names ``zero_grad`` only as where the sum stops; read as a call made
there, it put ``zero_grad()`` between a backward pass and the step, and the order rule that
forbids that fired on a correct answer. So for judging the order, a reset written right after
"until" / "till" (a determiner, "you" or "optimizer." between them aside) is read as a plain word
("wait until backward() has run" still orders the two: only the resets are bounds).
Used by :mod:`.grading` on the clauses it judges the order of; concepts still see the call.
"""

from __future__ import annotations

from dataclasses import replace

from gradclip_core.quiz.claims import wordset
from gradclip_core.quiz.text import Clause, make_clause

_UNTIL = wordset("until till")
_BETWEEN = wordset("the a next optimizer opt optim scaler model you we call calling")
_RESETS = wordset("zero_grad zero reset clear")  # "until zero_grad()", "till you zero them"


def _bound(toks: list, j: int) -> bool:
    """Whether the word at ``j`` follows "until" / "till", with at most fillers between."""
    k = j - 1
    while k >= 0 and toks[k].raw in _BETWEEN:
        k -= 1
    return k >= 0 and toks[k].raw in _UNTIL


def unbound(found: list[Clause], subjects: frozenset[str]) -> list[Clause]:
    """The clauses with a call named as a bound read as a plain word ("bound")."""
    out = []
    for clause in found:
        toks = list(clause.toks)
        hits = [j for j, t in enumerate(toks) if t.raw in _RESETS and _bound(toks, j)]
        for j in hits:
            toks[j] = replace(toks[j], raw="bound", stem="bound", canon="bound", code=False)
        out.append(
            make_clause(toks, subjects, clause.premise, clause.contrasted) if hits else clause
        )
    return out
