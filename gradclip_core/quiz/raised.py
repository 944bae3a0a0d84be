"""The verb "raise" said of the loss scale: "update() raises it (the scale)" means it grows it.

"scaler.update() lowers the scale after a skipped step and raises it after a run of clean
steps" says how the scale moves; read as "raises" (an error), it fired the misconception that
scaler.step() raises on inf or nan gradients. So "raise" / "raises" / "raised" / "raising"
followed by "the (loss) scale" or "the scale factor", or by "it" / "them" in a sentence that
names the scale before it, reads "grow" ("raises an error", "raises a RuntimeError" stay).
Reads the lower-cased answer.
"""

from __future__ import annotations

import re

_FORMS = {"raise": "grow", "raises": "grows", "raised": "grew", "raising": "growing"}
_NAMED = re.compile(r"\b(raise|raises|raised|raising)(?=\s+the\s+(?:loss\s+)?scale\b)")
_PRONOUN = re.compile(r"\b(raise|raises|raised|raising)(?=\s+(?:it|them)\b)")
_SENTENCE = re.compile(r"(?:[^.!?\n]|\.(?=\S))+|[.!?\n]+")  # "scaler.update()" is one word


def _sentence(part: str) -> str:
    part = _NAMED.sub(lambda m: _FORMS[m.group(1)], part)
    first = _PRONOUN.search(part)
    if first and re.search(r"\bscale\b", part[: first.start()]):
        part = part[: first.start()] + _PRONOUN.sub(
            lambda m: _FORMS[m.group(1)], part[first.start() :]
        )
    return part


def mark(text: str) -> str:
    """``text`` with "raise" said of the loss scale read as "grow"."""
    if "rais" not in text:
        return text
    return "".join(_sentence(p) for p in _SENTENCE.findall(text))
