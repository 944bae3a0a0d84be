"""Plain fractions of two numbers read as their value: "sigmoid' is at most 1/4" is 0.25.

The grader reads "/" as the word "over", so "1/4" would read "1 over 4" and hold "over one"
("factors over one grow"), a claim the answer never made. Once the arithmetic has been checked
(:mod:`.arith` and the others run first), each fraction ``a/b`` of two plain numbers whose value
has at most :data:`PLACES` decimals is written as that value ("1/4" -> "0.25", "3/8" -> "0.375");
others ("2/7", "1/32768"), fractions with a letter ("1/gamma") and parts of longer expressions
("1/2/3", "(2/7, 3/7)" stays: 2/7 has no short value) are left as written. Reads the lower-cased
answer.
"""

from __future__ import annotations

import re

PLACES = 4  # the most decimals a fraction's value may have to be written as a number
_FRACTION = re.compile(r"(?<![\w.,/^*])(\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)(?![\w.]*\d|\s*[/^*])")


def _value(a: str, b: str) -> str | None:
    top, bottom = float(a), float(b)
    if not bottom:
        return None
    value = top / bottom
    if abs(value * 10**PLACES - round(value * 10**PLACES)) > 1e-9:
        return None
    return f"{value:.{PLACES}f}".rstrip("0").rstrip(".") if value % 1 else str(int(value))


def mark(text: str) -> str:
    """``text`` (lower case) with each short fraction of two numbers written as its value."""

    def swap(m: re.Match) -> str:
        value = _value(m.group(1), m.group(2))
        return value if value is not None else m.group()

    return _FRACTION.sub(swap, text)
