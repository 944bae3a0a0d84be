"""An analogy glossed in brackets by what it stands for: "Capping each ingredient at 100 g
changes the taste (value clipping: each entry clamped to +/- limit)".

A sentence that tells an analogy and then names, in brackets with a colon, the mode it stands
for ("(norm clipping: ...)", "(by value: ...)", "(clip_grad_value_: ...)") is about that mode
from its first word: the analogy before the bracket does not take the topic of the sentence
before it (in "... so the direction is kept (norm clipping). Capping each ingredient ..." the
capping is value clipping's, not norm clipping's). The mode's name is put at the head of the
sentence, as a subject of its own ("value clipping: capping each ingredient ..."). Only when the
bracket comes in the sentence's first 200 characters and no bracket opens before it. Reads the
lower-cased answer.
"""

from __future__ import annotations

import re

_MODE = (
    r"(?:norm|value)[ -]based\s+clipping|(?:norm|value)\s+clipping|clipping\s+by\s+(?:norm|value)"
    r"|by\s+(?:norm|value)|clip_grad_(?:norm|value)_?(?:\(\))?"
)
_GLOSSED = re.compile(
    rf"(?:(?<=[.!?]\s)|(?<=\n)|^)(\s*)([^.!?()\n:]{{10,200}}?)\s*\(\s*({_MODE})\s*:"
)


def mark(text: str) -> str:
    """``text`` with each glossed analogy led by the mode its bracket names."""
    return _GLOSSED.sub(lambda m: f"{m[1]}{m[3]}: {m[2]} ({m[3]}:", text)
