"""Growth compounded over steps, worked out in words, checked: g per step for n steps is g^n.

"With a gain of 1.1 per step, after 100 steps the gradient is about 110 times larger" adds the
gains up instead of multiplying them (1.1^100 is about 13,800): a gain above 1 per step or
layer, a number of steps or layers and a "times larger" result in one sentence are checked,
and a result more than :data:`SLACK` times off g^n is followed by :data:`MARKER`, a word the
bank's misconceptions name. Reads the lower-cased answer.
"""

from __future__ import annotations

import math
import re

from gradclip_core.quiz.examples import MARKER

SLACK = 3.0  # a result this far off g^n, either way, is a miscomputation
_NUM = r"\d+(?:\.\d+)?"
_SENTENCE = re.compile(r"(?:[^.!?\n]|\.(?=\d))+")
_UNITS = r"(?:time\s+)?(?:steps?|layers?|links?|factors?|multiplications?)"
_GAIN = re.compile(
    rf"\b(?:gain|factor|multiplier)\s+(?:of|is)\s+(?:about\s+|roughly\s+|around\s+)?({_NUM})\b"
    rf"|\b({_NUM})\s*(?:x\s+)?(?:per|at each|at every|each|every)\s+{_UNITS}\b"
)
_COUNT = re.compile(rf"\b(?:after|over|across|through|for)\s+(\d+)\s+{_UNITS}\b")
_RESULT = re.compile(
    r"\b(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(?:times|x|×)\s+"
    r"(?:larger|bigger|greater|as large|as big|its size|the size)\b"
)


def _off(gain: float, count: int, claimed: float) -> bool:
    if gain <= 1.0 or count < 2 or claimed <= 0:
        return False
    expected = count * math.log(gain)
    return abs(math.log(claimed) - expected) > math.log(SLACK)


def mark(text: str) -> str:
    """``text`` with :data:`MARKER` after a compounded growth that is not g^n."""
    ends = []
    for sentence in _SENTENCE.finditer(text):
        part = sentence.group()
        gain, count = _GAIN.search(part), _COUNT.search(part)
        if gain is None or count is None:
            continue
        g = float(gain.group(1) or gain.group(2))
        for m in _RESULT.finditer(part):
            if m.start() > count.end() and _off(
                g, int(count.group(1)), float(m.group(1).replace(",", ""))
            ):
                ends.append(sentence.start() + m.end())
    for at in sorted(ends, reverse=True):
        text = f"{text[:at]} {MARKER}{text[at:]}"
    return text
