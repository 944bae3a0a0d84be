"""Directions written as unit vectors or as "∥", read as words about the direction.

A notation answer says norm clipping keeps the direction as "ĝ/‖ĝ‖ = g/‖g‖" or "ĝ ∥ g", and
value clipping changes it as "ĝ/‖ĝ‖ ≠ g/‖g‖" or "ĝ ∦ g". Read word by word these are only
letters. Each is written in words ("same direction", "direction changed") that the bank's
claims read; the symbols stay for the formula readers. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

_BAR = r"(?:‖|\|\||\\\|)"
_SYM = r"[a-zĝ∇][\w̃̂'ˆ]{0,6}"  # a vector's symbol: "g", "ĝ", "g_clip", "g'"
_UNIT = (  # "g/‖g‖", "\frac{g}{\|g\|}"
    rf"(?:{_SYM}\s*/\s*{_BAR}\s*{_SYM}\s*{_BAR}(?:_?2|₂)?"
    rf"|\\frac\{{{_SYM}\}}\{{{_BAR}{_SYM}{_BAR}\}})"
)
_SAME = re.compile(rf"{_UNIT}\s*(=|≠|!=|\\neq)\s*{_UNIT}|(?<!‖){_SYM}\s*(∥|∦)\s*{_SYM}(?!\s*‖)")


def mark(text: str) -> str:
    """``text`` with "same direction" or "direction changed" after each such statement."""

    def said(m: re.Match[str]) -> str:
        sign = m.group(1) or m.group(2)
        words = "same direction" if sign in ("=", "∥") else "direction changed"
        return f"{m.group()} ({words})"

    return _SAME.sub(said, text)
