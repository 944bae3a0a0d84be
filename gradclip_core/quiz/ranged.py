"""A threshold said to lie between two logged statistics it is not between, marked.

"Say the median is 0.8 and the 90th percentile 1.6 - then a max_norm of 5.0, right in between,
is your pick": 5.0 is not between 0.8 and 1.6. A max_norm stated as a number in a sentence that
says "between" (or "in that range", "within this band", "the median-to-p90 rule") is checked
against the median and the percentile stated in the answer before it (or in that sentence), and
so is a number given as an example of it ("a good max_norm is between them, for example 0.5");
one outside them is followed by :data:`MARKER`, a word a misconception of the bank can name.
Reads the lower-cased answer.
"""

from __future__ import annotations

import re

from gradclip_core.quiz.examples import SENTENCE

MARKER = "misranged"  # after a max_norm said to lie between two numbers it is not between
_NUM = r"(\d+(?:\.\d+)?)(?![\d.]*\d)"
_SAID = (  # "is 0.8", "was 0.4", "came out at 1.2", "≈ 0.8", "of roughly 2"
    r"\s*(?:is|was|were|=|≈|~|of|:|at|around|about|near|of about|of around|came\s+out\s+at"
    r"|sits\s+at|sat\s+at)?\s*(?:about\s+|around\s+|roughly\s+|~\s*)?"
)
_OF = r"(?:\s+(?:gradient\s+|grad\s+)?norm)?"  # "the median (gradient) norm is 0.8"
_MEDIAN = re.compile(rf"\bmedian{_OF}{_SAID}{_NUM}")
_PERCENTILE = re.compile(
    rf"\b(?:\d{{1,2}}(?:th|st|nd|rd)\s+percentile|p\d{{1,2}}\b){_OF}{_SAID}{_NUM}"
)
_CHOSEN = re.compile(rf"\bmax_norm\s*(?:of|=|is|:|to)\s*(?:about\s+)?{_NUM}")
# "max_norm is between them, for example 0.5": a number given as an example of the pick
_EXAMPLE = re.compile(
    rf"\bmax_norm\b[^.;]*?\b(?:between|in\s+between)\b[^.;]*?"
    rf"\b(?:for\s+example|for\s+instance|e\.?g\.?|say|such\s+as|like)\s*,?\s*{_NUM}"
)
_EG_END = re.compile(r"(?:\be\.g\.|\beg\.|\bi\.e\.)\s*$")  # a sentence cut by "e.g."
_BETWEEN = re.compile(  # "between", or "in that range" / "within this band" after the two
    r"\b(?:between|(?:in|within|inside)\s+(?:that|this|the|their)\s+(?:\w+\s+)?(?:range|band|window))\b"
    r"|\bmedian[\s\-–]*(?:to|through)?[\s\-–]*(?:the\s+)?(?:p\d{1,2}|\d{1,2}th)\b"  # median-p90
)


def mark(text: str) -> str:
    """``text`` with :data:`MARKER` after each max_norm said to lie between a median and a
    percentile that it lies outside."""
    parts, out, seen = SENTENCE.split(text), [], ""
    for n, part in enumerate(parts):
        seen += part
        median, top = _MEDIAN.search(seen), _PERCENTILE.search(seen)
        # "between" in this sentence or the one before ("... between median and p90 - e.g.
        # median 2, p90 5 -> max_norm = 0.5", where "e.g." ends a sentence)
        said = _BETWEEN.search(part) or (
            n >= 2 and _BETWEEN.search(parts[n - 2]) and _EG_END.search(parts[n - 2])
        )
        if n % 2 or not (median and top and said):
            out.append(part)
            continue
        low, high = sorted((float(median.group(1)), float(top.group(1))))
        picks = [*_CHOSEN.finditer(part), *_EXAMPLE.finditer(part)]
        ends = sorted({m.end() for m in picks if not low <= float(m.group(1)) <= high})
        for at in reversed(ends):
            part = f"{part[:at]} {MARKER}{part[at:]}"
        out.append(part)
    return "".join(out)
