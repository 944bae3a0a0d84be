"""Clipping by value told with a one-sided range, marked: "clamps every entry into [0, 0.5]".

clip_grad_value_ clamps every entry into [-clip_value, clip_value]. A sentence about clipping by
value (clip_grad_value_, clip_value, value clipping) that writes its range from zero ("into [0,
0.5]", "the range 0 to 1", "between 0 and 1") gives negative entries a floor of zero: the range
is followed by :data:`MARKER`, a word a misconception of the bank can name; a vector a clip
gives ("b becomes (0, 5)") is a result, not a range. Reads the
lower-cased answer.
"""

from __future__ import annotations

import re

from gradclip_core.quiz.examples import SENTENCE

MARKER = "onesided"  # after a range of clipping by value that starts at zero
_VALUE = re.compile(r"clip_grad_value|clip_value|value clipping|clipping by value|clip by value")
_RANGE = re.compile(
    r"[\[(]\s*0(?:\.0+)?\s*,\s*\+?\d*\.?\d+\s*[\])]"  # "[0, 0.5]", "(0, 1)"
    r"|\b(?:range|interval)\s+(?:of\s+|from\s+)?0(?:\.0+)?\s+to\s+\d*\.?\d+"  # "the range 0 to 1"
    r"|\bbetween\s+0(?:\.0+)?\s+and\s+\d*\.?\d+"  # "between 0 and 1"
)

# "b becomes (0, 5)": a vector a clip gives, or one named ("g = (0, 8)"), is no range
_RESULT = re.compile(r"(?:becomes?|gives?|giving|yields?|->|→|=>|=|turns into|is now)\s*$")


def mark(text: str) -> str:
    """``text`` with :data:`MARKER` after each range from zero in a sentence about clipping by
    value."""
    out = []
    for n, part in enumerate(SENTENCE.split(text)):
        if n % 2 == 0 and _VALUE.search(part):
            ends = [m.end() for m in _RANGE.finditer(part) if not _RESULT.search(part[: m.start()])]
            for at in reversed(ends):
                part = f"{part[:at]} {MARKER}{part[at:]}"
        out.append(part)
    return "".join(out)
