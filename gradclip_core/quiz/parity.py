"""Whether the negations in a clause deny a claim, for :mod:`.match`.

Negations that reach a claim's words usually chain, and then two of them cancel ("it doesn't
prevent explosion": "not" reaches "prevent", which reaches "explosion"). But two negations that
each deny a part of their own, neither reaching the other, do not cancel: "clipping is not a
regulariser like weight decay and it doesn't alter the objective" denies both parts, so it does
not claim that clipping regularises the objective. So the claim is denied when an odd number of
negations reach its words, or when some do and none of them reaches another.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gradclip_core.quiz.text import Clause


def denied(clause: Clause, used: set[int]) -> bool:
    """Whether the negations of ``clause`` that reach the words at ``used`` (not counting a
    negating word the claim names itself) deny what those words say."""
    negations = set().union(*(clause.negators.get(j, set()) for j in used)) - used
    chained = {n for n in negations if clause.negators.get(n, set()) & negations}
    return len(negations) % 2 == 1 or (len(negations) > 1 and not chained)
