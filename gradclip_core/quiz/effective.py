"""An effective learning rate worked out in an answer, checked: clipping never raises it.

With plain SGD a clipped step is lr × max_norm long instead of lr × ‖g‖, so the "effective
learning rate" of a clipped step is lr × max_norm / ‖g‖, never more than lr. An
answer that works one out ("η = 0.1, ‖g‖ = 5, c = 1 gives an effective learning rate of 0.1·5 =
0.5") and lands above the learning rate it names in the same sentence has multiplied by the norm
instead of dividing: the result is followed by :data:`MARKER`, a word the bank's misconceptions
name; so is an effective rate stated as a multiple above 1 of the rate ("becomes 10·η"), and a
step bound that divides by the rate ("‖Δθ‖ ≤ c/η": a clipped SGD step is at most η·c long).
Reads the lower-cased answer.
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

_RATE = r"(?:η|eta|lr|learning rate|the learning rate)"
_MULTIPLE = re.compile(  # "the effective learning rate becomes 10·η": a multiple of the rate
    r"\beffective (?:learning rate|lr|step size)\s+(?:becomes|is|of|=|:|turns into|goes to)\s*"
    rf"(?:({_NUM})\s*(?:[·*×⋅]|\s|times)\s*{_RATE}|{_RATE}\s*[·*×⋅]\s*({_NUM}))(?![\w/])"
)
_LIMIT = r"(?:c|max_norm|τ|tau|threshold)"
_DIVIDED = re.compile(  # "‖Δθ‖ ≤ c/η": a step bound with the rate divided, not multiplied
    r"(?:‖|\|\|)\s*(?:δ|Δ|step|update)[^‖|]{0,6}(?:‖|\|\|)(?:_?2|₂)?\s*(?:≤|<=|<)\s*"
    rf"(?:{_LIMIT}\s*/\s*{_RATE}|{_RATE}\s*/\s*{_LIMIT})\b"
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
    ends += [m.end() for m in _DIVIDED.finditer(text)]  # an SGD step is at most η·c long
    for m in _MULTIPLE.finditer(text):  # whatever the rate: clipping never raises it
        if float(m.group(1) or m.group(2)) > 1.0001:
            ends.append(m.end())
    for at in sorted(ends, reverse=True):
        text = f"{text[:at]} {MARKER}{text[at:]}"
    return text
