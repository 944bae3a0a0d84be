"""Aligned gradients summed in a worked example, checked: N of norm a sum to norm N · a.

"4 micro-batches whose gradients each have norm 1 and point the same way" sum to a gradient of
norm 4, so a sentence that adds N aligned gradients of norm a ("same way", "same direction",
"aligned", "parallel") and states the norm of their sum ("the accumulated norm is 2") must give
N · a. A false number is followed by :data:`.examples.MARKER` ("miscomputed"), a word the bank's
misconceptions name. Sentences that suppose ("if", "would") are checked too: arithmetic is true
or false whatever is supposed. Reads the lower-cased answer, one sentence at a time. (AGC's
worked numbers are checked by :mod:`.agcmath`.)
"""

from __future__ import annotations

import re

from gradclip_core.quiz.examples import MARKER, SENTENCE

_NUM = r"(\d+(?:\.\d+)?(?:e-?\d+)?)(?![\d.]*\s*(?:[x×*·/^]|times\b))"  # not "0.01 x 4 = ..."
_IS = r"\s*(?:=|is|of|equal to|equals|:)?\s*(?:about\s+|roughly\s+)?"
_COUNT = re.compile(
    r"\b(\d+|two|three|four|five|six|eight|ten)\s+(?:micro-?\s?batch\w*|backward\w*|grad\w*)"
)
_EACH = re.compile(rf"\beach\s+(?:have|has|with|of)?\s*(?:a\s+)?norm{_IS}{_NUM}")
_ALIGNED = re.compile(r"same\s+(?:way|direction)|\baligned\b|\bparallel\b")
_SUMMED = re.compile(
    rf"\b(?:accumulated|summed|total|combined)\s+(?:gradient\s+)?norm{_IS}{_NUM}"
    rf"|\bsum\s+(?:has\s+)?(?:a\s+)?norm{_IS}{_NUM}"
)
_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "eight": 8, "ten": 10}
_REL = 0.02  # a stated result within 2 % (or rounding to the places written) is right


def mark(text: str) -> str:
    """``text`` with :data:`MARKER` after each false aligned sum."""
    pieces = SENTENCE.split(text)
    return "".join(_sentence(p) if not SENTENCE.fullmatch(p) else p for p in pieces)


def _sentence(piece: str) -> str:
    for at in sorted(set(_aligned(piece)), reverse=True):
        piece = f"{piece[:at]} {MARKER}{piece[at:]}"
    return piece


def _aligned(piece: str) -> list[int]:
    count, each = _COUNT.search(piece), _EACH.search(piece)
    if not (count and each and _ALIGNED.search(piece)):
        return []
    n = _WORDS.get(count.group(1)) or int(count.group(1))
    total = n * float(each.group(1))
    return [m.end() for m in _SUMMED.finditer(piece) if misstated(m.group(1) or m.group(2), total)]


def misstated(said: str, true: float) -> bool:
    """Whether ``said`` is not ``true``, to the places it is written or within :data:`_REL`."""
    value = float(said)
    places = len(said.split(".")[1]) if "." in said and "e" not in said else 0
    return round(true, places) != value and abs(value - true) > _REL * abs(true)
