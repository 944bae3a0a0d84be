"""An effective learning rate worked out in an answer, checked: clipping never raises it.

With plain SGD a clipped step is lr × max_norm long instead of lr × ‖g‖, so the "effective
learning rate" of a clipped step is lr × max_norm / ‖g‖, never more than lr. An
answer that works one out ("η = 0.1, ‖g‖ = 5, c = 1 gives an effective learning rate of 0.1·5 =
0.5") and lands above the learning rate it names in the same sentence has multiplied by the norm
instead of dividing: the result is followed by :data:`MARKER`, a word the bank's misconceptions
name. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

from gradclip_core.quiz.examples import MARKER

_NUM = r"\d+(?:\.\d+)?(?:e-?\d+)?"
_SENTENCE = re.compile(r"(?:[^.!?\n]|\.(?=\d))+")
_BASE = re.compile(rf"(?:\bη|\blr|\blearning rate)\s*(?:=|of|is)\s*({_NUM})")
_EFFECTIVE = re.compile(
    rf"\beffective (?:learning rate|lr|step size)\b[^=.]{{0,40}}?=\s*({_NUM})(?!\s*[·*×/])"
    rf"|\beffective (?:learning rate|lr)\s+(?:of|is)\s+(?:{_NUM}\s*[·*×]\s*{_NUM}\s*=\s*)?({_NUM})"
)


def mark(text: str) -> str:
    """``text`` with :data:`MARKER` after an effective learning rate above the one named."""
    ends = []
    for sentence in _SENTENCE.finditer(text):
        part = sentence.group()
        base = _BASE.search(part)
        if base is None:
            continue
        for m in _EFFECTIVE.finditer(part):
            value = m.group(1) or m.group(2)
            if value is not None and float(value) > float(base.group(1)) * 1.0001:
                ends.append(sentence.start() + m.end())
    for at in sorted(ends, reverse=True):
        text = f"{text[:at]} {MARKER}{text[at:]}"
    return text
