"""Plain arithmetic in answers, checked: products and quotients written out, and growth that a
worked example states to be in proportion to the depth.

- A product or quotient of plain numbers with its result ("0.5 x 65536 = 32768", "3/15 = 0.2",
  "0.01 x 2 / 1 = 0.02"), read left to right, must hold to the precision written (or within
  :data:`.scalars.CLOSE`); a false result is marked with :data:`.examples.MARKER`.
- "50 steps give about 50 times the gradient", "a 100-layer net has 100 times the gradient",
  "twice as long gives twice as large": a gradient that grows in proportion to the number of
  steps or layers grows linearly. It is marked with :data:`MISGROWN`, a word a misconception of
  the bank can name (backpropagation multiplies one factor per step: the growth is a power);
  "the matrix is multiplied in 200 times" counts the factors and grows nothing.

Reads the lower-cased answer, before it is split into words.
"""

from __future__ import annotations

import math
import re

from gradclip_core.quiz.examples import MARKER as MISCOMPUTED
from gradclip_core.quiz.scalars import CLOSE

MISGROWN = "misgrown"  # after growth stated in proportion to the steps or layers
_NUM = r"\d+(?:\.\d+)?(?:e[-+]?\d+)?"
_OPS = r"(?:x|×|\*|·|/)"
_BIG = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?"  # thousands set apart by commas
_EXPR = re.compile(  # "0.5 x 65536 = 32768": numbers joined by operators, then their result
    rf"(?<![\w.^/*×·(,-])({_NUM}(?:\s*{_OPS}\s*{_NUM})+)\s*(?:=|≈|~)\s*"
    rf"(?:about\s+|roughly\s+|around\s+|approximately\s+)?({_BIG}|{_NUM})"  # "196,608": one
    r"(?![\d.]*\d|,\d{3}|\s*[x×*/^(]\s*\d)"
)
_TERM_OF = re.compile(r"\d\s*[-+]\s*$")  # "2.0 - ": the product is a term of a sum
_TERM = re.compile(rf"({_OPS})?\s*({_NUM})")
_PROPORTIONAL = (  # "50 steps give roughly 50 times the gradient" (not "50 timesteps")
    re.compile(
        r"\b(\d+)[ -]*(?:time[ -]?)?(?:steps?|layers?|timesteps?)\b[^.;:]{0,60}?"
        r"\b(?:about|roughly|around|approximately|nearly|some)?\s*\1\s*(?:times\b|x\b|×)(?!\s*\d)"
    ),
    re.compile(
        r"\btwice\s+as\s+(?:long|deep|many)\b[^.;:]{0,60}?\btwice\s+as\s+(?:large|big|much|high)\b"
    ),
    re.compile(
        r"\bdoubl\w*\s+the\s+(?:length|depth|steps|layers)\b[^.;:]{0,40}?\bdoubl\w*\s+the\s+grad"
    ),
)


_COUNTED = re.compile(  # a count of factors: "repeats the matrix as a factor 100 times"
    r"\b(?:multipl|appl|reus|used|chain|compos|repeat|recur|factor|occur|appear|enter)\w*"
)


def _evaluate(expr: str) -> float | None:
    """The value of "a x b / c", read left to right (None on a division by zero)."""
    value = None
    for op, num in _TERM.findall(expr):
        x = float(num)
        if value is None:
            value = x
        elif op == "/":
            if not x:
                return None
            value /= x
        else:
            value *= x
    return value


def _precision(said: str) -> float:
    """Half a unit of the last digit written: "3276.8" is read to 0.05."""
    mantissa = said.split("e")[0]
    places = len(mantissa.split(".")[1]) if "." in mantissa else 0
    exponent = int(said.split("e")[1]) if "e" in said else 0
    return 0.5 * 10.0 ** (exponent - places) if exponent - places < 309 else math.inf  # "6e999"


def _false(expr: str, said: str) -> bool:
    said, true = said.replace(",", ""), _evaluate(expr)
    if true is None:
        return False
    return abs(float(said) - true) > max(CLOSE * abs(true), _precision(said))


def mark(text: str) -> str:
    """``text`` (lower case) with a marker after each false product or quotient and after each
    growth stated in proportion to the number of steps or layers."""
    ends = [  # "w = 2.0 - 0.1 * 1.0 = 1.9": a term of a longer sum is not checked
        (m.end(), MISCOMPUTED)
        for m in _EXPR.finditer(text)
        if _false(*m.groups()) and not _TERM_OF.search(text[: m.start()])
    ]
    ends += [
        (m.end(), MISGROWN)
        for pattern in _PROPORTIONAL
        for m in pattern.finditer(text)
        if not _COUNTED.search(m.group(0))  # "multiplied in 200 times": how often, no growth
    ]
    for at, word in sorted(ends, reverse=True):
        text = f"{text[:at]} {word} {text[at:]}"
    return text
