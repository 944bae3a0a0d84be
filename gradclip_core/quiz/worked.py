"""Worked numbers the other checkers miss: AGC's clipped norm and aligned gradients summed.

- AGC: a sentence that states λ ("lambda = 0.1", "λ of 0.01") and a unit's weight norm ("a
  weight row norm of 0.5", "whose weight norm is 2", "||W|| = 2") and says what the gradient is
  clipped to ("scaled down to norm 0.01", "shrunk to 0.02"; not a product such as "to 0.01 x
  4 = 0.04") must give λ · max(‖W‖, 1e-3). When the stated gradient norm is within the limit,
  the clip leaves it alone and nothing is checked.
- Aligned sums: "4 micro-batches whose gradients each have norm 1 and point the same way" sum
  to a gradient of norm 4, so a sentence that adds N aligned gradients of norm a ("same way",
  "same direction", "aligned", "parallel") and states the norm of their sum ("the accumulated
  norm is 2") must give N · a.

A false number is followed by :data:`.examples.MARKER` ("miscomputed"), a word the bank's
misconceptions name. Sentences that suppose ("if", "would") are checked too: arithmetic is
true or false whatever is supposed. Reads the lower-cased answer, one sentence at a time.
"""

from __future__ import annotations

import re

from gradclip_core.clipping import AGC_EPS
from gradclip_core.quiz.examples import MARKER, SENTENCE

_NUM = r"(\d+(?:\.\d+)?(?:e-?\d+)?)(?![\d.]*\s*(?:[x×*·/^]|times\b))"  # not "0.01 x 4 = ..."
_IS = r"\s*(?:=|is|of|equal to|equals|:)?\s*(?:about\s+|roughly\s+)?"
_LAMBDA = re.compile(rf"(?:λ|\blambda|\blam)\b{_IS}{_NUM}")
_WEIGHT = re.compile(
    rf"(?:\bweight(?:'s)?\s+(?:row\s+|unit\s+)?norm|\bnorm\s+of\s+(?:the\s+)?(?:w|weights?)\w*"
    rf"|(?:\|\||‖)\s*w\w*\s*(?:\|\||‖)){_IS}{_NUM}"
)
_GRAD = re.compile(
    rf"(?:\bgrad(?:ient)?(?:'s)?\s+norm|\bnorm\s+of\s+(?:the\s+)?g\w*"
    rf"|(?:\|\||‖)\s*g\w*\s*(?:\|\||‖)){_IS}{_NUM}"
)
_CLIPPED = re.compile(
    rf"\b(?:scaled|shrunk|clipped|reduced|brought|cut|rescaled)\s+(?:back\s+|down\s+)*to\s+"
    rf"(?:a\s+|the\s+)?(?:norm\s+(?:of\s+)?)?{_NUM}"
)
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
    """``text`` with :data:`MARKER` after each false AGC limit or aligned sum."""
    pieces = SENTENCE.split(text)
    return "".join(_sentence(p) if not SENTENCE.fullmatch(p) else p for p in pieces)


def _sentence(piece: str) -> str:
    wrong = [*_agc(piece), *_aligned(piece)]
    for at in sorted(set(wrong), reverse=True):
        piece = f"{piece[:at]} {MARKER}{piece[at:]}"
    return piece


def _agc(piece: str) -> list[int]:
    lam, weight = _LAMBDA.search(piece), _WEIGHT.search(piece)
    if not (lam and weight):
        return []
    floored = max(float(weight.group(1)), AGC_EPS)
    grad = _GRAD.search(piece)
    if grad and float(grad.group(1)) / floored <= float(lam.group(1)):
        return []  # within the limit: not clipped
    limit = float(lam.group(1)) * floored
    return [m.end() for m in _CLIPPED.finditer(piece) if _off(m.group(1), limit)]


def _aligned(piece: str) -> list[int]:
    count, each = _COUNT.search(piece), _EACH.search(piece)
    if not (count and each and _ALIGNED.search(piece)):
        return []
    n = _WORDS.get(count.group(1)) or int(count.group(1))
    total = n * float(each.group(1))
    return [m.end() for m in _SUMMED.finditer(piece) if _off(m.group(1) or m.group(2), total)]


def _off(said: str, true: float) -> bool:
    """Whether ``said`` is not ``true``, to the places it is written or within :data:`_REL`."""
    value = float(said)
    places = len(said.split(".")[1]) if "." in said and "e" not in said else 0
    return round(true, places) != value and abs(value - true) > _REL * abs(true)
