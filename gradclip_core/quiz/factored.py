"""A worked example that scales a whole vector by one stated number, marked as saying so.

"By norm: ||g|| = 5, so scale by 1/5 -> (0.6, 0.8)" and "multiply by 0.2 -> (0.6, 0.8)" show
clipping by norm multiplying every entry by one factor without naming it in words. Each "scale /
multiply (it) by <number or fraction>" followed by a result vector, in a sentence that names the
norm, whose result is that number times the source vector (the vector named last before it, in
its sentence or the one before) to two decimals, is followed by :data:`MARKER`, a word a concept
of the bank names. A false result is left to :mod:`.examples`. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

MARKER = "onefactor"
_NUM = r"-?(?:\d+\.?\d*|\.\d+)"
_VECTOR = re.compile(rf"[(\[]\s*({_NUM}(?:\s*,\s*{_NUM})+)\s*[)\]]")
_SCALED = re.compile(
    r"\b(?:(?:scal\w*|multipl\w*)\s+(?:it\s+|g\s+|them\s+|everything\s+|all\s+)?by|times)\s+"
    rf"({_NUM})(?:\s*/\s*({_NUM}))?\s*(?:->|→|=>|=|gives|to\s+get|becomes|:)\s*{_VECTOR.pattern}"
)
_NORM = re.compile(r"\bnorm\b|‖|\|\|")
_SENTENCE = re.compile(r"(?:[^.!?\n]|[.!?](?=\d))+(?:[.!?]|\n|$)")


def _values(text: str) -> list[float]:
    return [float(x) for x in text.split(",")]


def mark(text: str) -> str:
    """``text`` (lower case) with :data:`MARKER` after each example scaled by one factor."""
    ends, before = [], ""
    for sentence in _SENTENCE.finditer(text):
        part = sentence.group()
        for m in _SCALED.finditer(part) if _NORM.search(part) else ():
            sources = list(_VECTOR.finditer(before + part[: m.start()]))
            if not sources:
                continue
            factor = float(m.group(1)) / float(m.group(2) or 1)
            source, result = _values(sources[-1].group(1)), _values(m.group(3))
            if len(source) == len(result) and all(
                abs(factor * s - r) <= 0.015 for s, r in zip(source, result, strict=True)
            ):
                ends.append(sentence.start() + m.end())
        before = part
    for at in reversed(ends):
        text = f"{text[:at]} {MARKER}{text[at:]}"
    return text
