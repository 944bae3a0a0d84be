"""Words that only look like a pronoun for a call: "this" as a determiner.

In "earlier, this iteration's gradients don't exist yet" or "at this point .grad is full", "this"
qualifies the noun after it; it does not stand for the clip named before (as it does in "add
this after loss.backward()"). :func:`possessed` tells the two apart for the order reader
(:func:`gradclip_core.quiz.grading._resolved`).
"""

from __future__ import annotations

from gradclip_core.quiz.claims import wordset
from gradclip_core.quiz.text import Tok

_DETERMINERS = wordset("this that these those")
_TIME_NOUNS = wordset(
    "iteration loop epoch batch point time stage moment round pass order way sequence position slot"
)


def possessed(toks: list[Tok], j: int) -> bool:
    """Whether word ``j`` is a determiner of the noun after it: "this iteration's", "this
    point", "in this order" (a noun of time, place or order in the loop, or any noun followed
    by "'s")."""
    if toks[j].raw not in _DETERMINERS or j + 1 >= len(toks):
        return False
    noun = toks[j + 1]
    owned = j + 2 < len(toks) and toks[j + 2].raw == "s"
    return noun.raw in _TIME_NOUNS or (owned and not noun.stop)
