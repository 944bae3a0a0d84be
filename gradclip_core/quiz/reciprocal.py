"""Reciprocal pronouns in answers: "each other" and "one another" name no single entry.

"Our value-clipped and norm-clipped runs diverged from each other" compares two runs, yet read
word by word its "each" is the "each" of "clips each entry on its own", and a misconception
about clipping by norm working entry by entry fired there. "each other" / "one another" are
read as "mutually", a word no claim names. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

_RECIPROCAL = re.compile(r"\b(?:each\s+other|one\s+another)(?:'s)?\b")


def mark(text: str) -> str:
    """``text`` with "each other" and "one another" read as "mutually"."""
    return _RECIPROCAL.sub("mutually", text)
