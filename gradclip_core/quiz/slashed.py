"""A slash between two words that name no quantity, read as "or".

The reader takes a slash between words as a division ("max_norm/total_norm": "max_norm over
total_norm"), and "over" reads as "above". In "sends the loss to inf/nan" or "and/or" the slash
only joins alternatives: read so, "the loss ... over ... bound" would seem to compare the loss
with the threshold. A slash between two of the words listed here is read as " or ". Reads the
lower-cased answer.
"""

from __future__ import annotations

import re

_WORDS = r"(?:inf|infs|infinity|nan|nans|and|or|overflow|underflow|divergence|diverge)"
_SLASH = re.compile(rf"\b({_WORDS})\s*/\s*({_WORDS})\b")


def mark(text: str) -> str:
    """``text`` with each slash between two such words read as "or"."""
    return _SLASH.sub(r"\1 or \2", text)
