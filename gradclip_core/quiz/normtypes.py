"""Norms written with their type as a subscript, read as the words for that norm.

A mathematically minded answer names the norm it means by its subscript: "the default norm is
‖g‖_∞ = max_i |g_i|", "by default it measures ||g||_1 = Σ|g_i|", "\\|g\\|_\\infty". Read word by
word these are only "g", so a wrong norm said to be torch's default (which is the L2 norm,
``norm_type=2.0``) goes unseen by :mod:`.defaults`. Each such norm that is measured, not divided
by ("c/‖g‖₁" is left to the formula readers) nor bounded ("‖ĝ‖_∞ ≤ c" says what value clipping
guarantees), is written "the inf norm" or "the l1 norm", the words
:mod:`.defaults` and the bank's claims read. Reads the lower-cased answer; runs before them.
"""

from __future__ import annotations

import re

_BAR = r"(?:‖|\|\||\\\|)"  # "‖", "||" and LaTeX's "\|"
_INF = r"(?:∞|inf(?:ty|inity)?\b|\\infty|\{\\infty\}|\{∞\})"
_ONE = r"(?:₁|1\b|\{1\})"
_TYPED = re.compile(
    rf"(?<![/÷])(?<!/\s){_BAR}\s*[^‖|\n]{{1,12}}?\s*{_BAR}\s*(?:_\s*)?(?:({_INF})|{_ONE})(?![\d.²])(?!\s*(?:[≤<≥>]|\\le|\\ge))"
)


def mark(text: str) -> str:
    """``text`` with each typed inf or L1 norm written in words."""
    return _TYPED.sub(lambda m: " the inf norm " if m.group(1) else " the l1 norm ", text)
