"""A threshold said to lie between two logged statistics it is not between, marked.

"Say the median is 0.8 and the 90th percentile 1.6 - then a max_norm of 5.0, right in between,
is your pick": 5.0 is not between 0.8 and 1.6. A max_norm stated as a number in a sentence that
says "between" (or "in that range", "within this band") is checked against the median and the
percentile stated in the answer before it (or in that sentence); one outside them is followed by
:data:`MARKER`, a word a misconception of the bank can name. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

from gradclip_core.quiz.examples import SENTENCE

MARKER = "misranged"  # after a max_norm said to lie between two numbers it is not between
_NUM = r"(\d+(?:\.\d+)?)(?![\d.]*\d)"
_SAID = r"\s*(?:is|=|of|:|at|around|about|near|of about|of around)?\s*(?:about\s+|around\s+)?"
_OF = r"(?:\s+(?:gradient\s+|grad\s+)?norm)?"  # "the median (gradient) norm is 0.8"
_MEDIAN = re.compile(rf"\bmedian{_OF}{_SAID}{_NUM}")
_PERCENTILE = re.compile(
    rf"\b(?:\d{{1,2}}(?:th|st|nd|rd)\s+percentile|p\d{{1,2}}){_OF}{_SAID}{_NUM}"
)
_CHOSEN = re.compile(rf"\bmax_norm\s*(?:of|=|is|:|to)\s*(?:about\s+)?{_NUM}")
_BETWEEN = re.compile(  # "between", or "in that range" / "within this band" after the two
    r"\b(?:between|(?:in|within|inside)\s+(?:that|this|the|their)\s+(?:\w+\s+)?(?:range|band|window))\b"
)


def mark(text: str) -> str:
    """``text`` with :data:`MARKER` after each max_norm said to lie between a median and a
    percentile that it lies outside."""
    parts, out, seen = SENTENCE.split(text), [], ""
    for n, part in enumerate(parts):
        seen += part
        median, top = _MEDIAN.search(seen), _PERCENTILE.search(seen)
        if n % 2 or not (median and top and _BETWEEN.search(part)):
            out.append(part)
            continue
        low, high = sorted((float(median.group(1)), float(top.group(1))))
        ends = [m.end() for m in _CHOSEN.finditer(part) if not low <= float(m.group(1)) <= high]
        for at in reversed(ends):
            part = f"{part[:at]} {MARKER}{part[at:]}"
        out.append(part)
    return "".join(out)
