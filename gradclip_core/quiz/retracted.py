"""Self-corrections in answers: a belief the learner says they once held is not asserted.

"I first thought clipping changes the loss, but actually it only acts on the gradients" and
"I used to clip after every backward(). But .grad is a running sum ..." name a belief or a way
the answer goes on to retract, so a misconception must not be read in it, and it earns no
concept either. A sentence led by "I (first / initially / once ...) thought" (or "believed",
"assumed", "used to", "first put" ...) is read as a supposition up to the "but" / "however"
that retracts it, in its sentence or leading the next one ("... . But ...", "... . Actually
..."): each of its clauses is led by "suppose", which :mod:`.suppose` marks as the premise of
its clause. A belief never retracted ("I thought about it and clipping ...") is left as said.
Reads the lower-cased answer.
"""

from __future__ import annotations

import re

from gradclip_core.quiz.asked import supposed

_WHEN = r"(?:first|initially|originally|once|previously|at\s+first)"
_BELIEF = r"(?:thought|believed|assumed|expected|figured|guessed|was\s+sure)"
_DEED = r"(?:put|placed|called|clipped|did|wrote|tried|had)"  # only with a "when": "I first put"
_RETRACTS = r"(?:but|however|actually|in\s+fact|it\s+turns\s+out|that(?:'s|\s+is|\s+was)\s+wrong)"
_RETRACTED = re.compile(  # from "I ... thought" up to the word that retracts it
    r"(?:(?<=[.!?;\n])|^)([ \t]*(?:-\s*)?)"
    rf"((?:{_WHEN},?\s+)?i\s+(?:(?:{_WHEN}\s+)?(?:{_BELIEF}|used\s+to)|{_WHEN}\s+{_DEED})\b"
    r"(?:[^.!?;\n]|\.(?!\s|$))*?)"  # up to the end of the belief (".grad" does not end it)
    rf"(?=\s*[,;]?\s*(?:but|however|though|yet)\b|[.!?]\s+{_RETRACTS}\b)"
)


def mark(text: str) -> str:
    """``text`` with each clause of a retracted belief led by "suppose"."""
    return _RETRACTED.sub(lambda m: m.group(1) + supposed(m.group(2)), text)
