"""Ways an answer rejects by a verdict that follows them: "X should be avoided" asserts no X.

"The alternative of clipping after each micro-batch should be avoided", "clipping inside the
loop is to be avoided", "per-micro-batch clipping is discouraged" and "clipping before the
backward pass is not recommended" name a way only to reject it, and the verdict comes last,
where no negation reaches back to the way. Each such clause (from the start of its sentence, or
after a comma, up to the verdict) is read as a supposition: it is led by "suppose", which
:mod:`.suppose` marks as the premise of its clause, so neither a misconception nor a concept
nor an order is read in it. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

from gradclip_core.quiz.asked import supposed

_VERDICT = (
    r"(?:(?:should|must|ought\s+to|is\s+to|are\s+to|has\s+to|have\s+to)\s+be\s+avoided"
    r"|(?:is|are)\s+(?:best\s+|strongly\s+|to\s+be\s+)?(?:avoided|discouraged"
    r"|not\s+(?:recommended|advisable)|inadvisable|a\s+(?:common\s+)?mistake|a\s+bad\s+idea))\b"
)
# the way and its verdict, in one clause: no sentence end, no comma ("(3, 4)" masked first)
_AVOIDED = re.compile(rf"(?:(?<=[.!?;:,\n])|^)([ \t]*)([^.!?;:,\n]{{3,160}}?)(?=\s+{_VERDICT})")


def mark(text: str) -> str:
    """``text`` with each way rejected by a verdict after it led by "suppose"."""
    masked = re.sub(r"\([^()\n]*\)", lambda m: "_" * len(m.group()), text)
    for m in reversed(list(_AVOIDED.finditer(masked))):
        body = text[m.start(2) : m.end(2)]
        text = text[: m.start(2)] + supposed(body) + text[m.end(2) :]
    return text
