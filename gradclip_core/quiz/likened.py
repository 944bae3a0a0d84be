"""A practice an answer likens to something, read as a supposition: "Clipping every micro-batch
is like photocopying a photocopy", "Clipping each micro-batch is like compounding a discount".

A sentence led by an action in -ing and its object, up to "is like" / "is a bit like" / "is
akin to" / "resembles", weighs that action by an analogy: it names the action as a topic, it
does not tell the learner to do it. Its words up to the comparison are led by "suppose" (see
:mod:`.asked`), so a misconception is not read in them; what the analogy says afterwards is read
as usual. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

# "clipping every micro-batch is like ...", "- clipping the partial sums would be like ..."
_LIKENED = re.compile(
    r"(?:(?<=[.!?;:\n])|^)(\s*(?:[-*]\s*)?)([a-z]+ing\b(?:\s+[\w'-]+){0,7}?)"
    r"(?=\s+(?:is|would\s+be|'s)\s+(?:(?:a\s+bit|kind\s+of|sort\s+of|just|rather)\s+)?"
    r"(?:like|akin\s+to)\b|\s+resembles\b)"
)


def mark(text: str) -> str:
    """``text`` with a practice likened to something led by "suppose"."""
    return _LIKENED.sub(lambda m: f"{m.group(1)}suppose {m.group(2)}", text)
