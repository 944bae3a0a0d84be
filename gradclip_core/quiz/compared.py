"""What a comparison names after "than" is not the subject a later clause takes.

"Earlier micro-batches get shrunk more times than later ones -> they count less": "they" are
the earlier ones, the subject of the clause that lends it; "later ones" is only what they are
compared with. So a subject found right after "than" (a word or two on: "than the late ones")
is not lent to a clause that names none. Reads the lending clause's words.

Nor is a quantifier that counts entries: "norm clipping multiplies both entries by 0.5 and gives
(3, 4): same direction" is about norm clipping, not about "both" modes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gradclip_core.quiz.text import Clause

THAN_REACH = 2  # words after "than" that still name what is compared ("than the later ones")
_QUANTIFIER = frozenset({"both", "either", "neither"})
_COUNTED = frozenset({"entry", "entries", "element", "component", "coordinate", "value", "number"})


def _counts(toks: list, h: tuple) -> bool:
    """Whether the hit is only a quantifier before what it counts ("both entries")."""
    nxt = toks[h[-1] + 1].raw if len(h) == 1 and h[-1] + 1 < len(toks) else ""
    return toks[h[0]].raw in _QUANTIFIER and (nxt in _COUNTED or nxt[:-1] in _COUNTED)


def lendable(hits: list, donor: Clause) -> list:
    """The subject ``hits`` in ``donor`` that are not what a "than" compares with."""
    toks = donor.toks
    return [
        h
        for h in hits
        if not any(t.raw == "than" for t in toks[max(0, min(h) - THAN_REACH) : min(h)])
        and not (h and _counts(toks, h))
    ]
