"""A practice an answer likens to something, read as a supposition: "Clipping every micro-batch
is like photocopying a photocopy", "Clipping each micro-batch is like compounding a discount".

A sentence led by an action in -ing and its object, up to "is like" / "is a bit like" / "is
akin to" / "resembles", weighs that action by an analogy: it names the action as a topic, it
does not tell the learner to do it. Its words up to the comparison are led by "suppose" (see
:mod:`.asked`), so a misconception is not read in them; what the analogy says afterwards is read
as usual. Reads the lower-cased answer.

A sentence that opens with a simile's vehicle, "Like an automatic speed limiter that only
brakes: ...", "Like a fuse, ...", names the thing the answer compares clipping to, not a claim
about torch ("automatic" there is the limiter's, not clipping's): the words from "like a" /
"like an" / "like the" up to its first pause or relative word ("that", "which", "who") are led
by "suppose" too. A relative clause after it ("that makes everyone arrive at the same time")
says what the comparison carries over, and is read as usual.
"""

from __future__ import annotations

import re

# "clipping every micro-batch is like ...", "- clipping the partial sums would be like ..."
_LIKENED = re.compile(
    r"(?:(?<=[.!?;:\n])|^)(\s*(?:[-*]\s*)?)([a-z]+ing\b(?:\s+[\w'-]+){0,7}?)"
    r"(?=\s+(?:is|would\s+be|'s)\s+(?:(?:a\s+bit|kind\s+of|sort\s+of|just|rather)\s+)?"
    r"(?:like|akin\s+to)\b|\s+resembles\b)"
)
# "Like an automatic speed limiter that ...", "like a leash:": a sentence's simile vehicle
_VEHICLE = re.compile(
    r"(?:(?<=[.!?\n])|^)(\s*)(like\s+(?:an?|the)\s+[a-z][\w'-]*(?:\s+[a-z][\w'-]*){0,4}?)"
    r"(?=\s*[,:;.!?(\n]|\s+[-–—]\s|\s+(that|which|who)\b)"
)


def _vehicle(m: re.Match) -> str:
    relative = "," if m.group(3) else ""  # "that only brakes ...": a clause of its own
    return f"{m.group(1)}suppose {m.group(2)}{relative}"


def mark(text: str) -> str:
    """``text`` with a practice likened to something, or a simile's vehicle, led by
    "suppose"."""
    text = _VEHICLE.sub(_vehicle, text)
    return _LIKENED.sub(lambda m: f"{m.group(1)}suppose {m.group(2)}", text)
