"""The 1 that caps a clipping factor, read as a bound and not as the word "one".

"Each tensor by its own factor min(1, c/‖g_p‖)" is read word by word as "own factor min 1 c",
and "factor ... 1" as "one factor", the words of a single shared factor, so a claim that
excludes them ("scales each tensor separately - one factor") misses the mistake. After the
formula readers have checked the formula, a 1 that is the first argument of ``min`` / ``max``
/ ``clamp`` is written "ceil1", a word that reads as itself. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

_CAP = re.compile(r"\b((?:min|max|clamp)\s*\(\s*)1(?:\.0+)?(?=\s*,)")


def mark(text: str) -> str:
    """``text`` with the capping 1 of each ``min(1, ...)`` written "ceil1"."""
    return _CAP.sub(r"\g<1>ceil1", text)
