"""A comparison written "as if": "plain SGD behaves as if the learning rate were smaller".

"as if" (or "as though") after a verb of behaving compares, it supposes nothing: "clipping every
step acts as if the learning rate were smaller" says clipping is like a smaller learning rate,
and a misconception or concept that names "like a smaller learning rate" should read it so. The
clause reader takes "if" for a condition, and "were" for a subjunctive, so the comparison is
rewritten as "like a smaller learning rate" before it is read. Only a learning rate or step size
said to be larger, smaller and the like is read so ("as if nothing happened" is left alone).
Reads the lower-cased answer.
"""

from __future__ import annotations

import re

_AS_IF = re.compile(
    r"\b(acts?|acted|acting|behaves?|behaved|behaving|works?|worked|is|was|it's|that's)"
    r"\s+(?:exactly\s+|just\s+|roughly\s+|effectively\s+)?as\s+(?:if|though)\s+"
    r"(?:the\s+|its\s+|your\s+|our\s+|a\s+)?(learning[\s-]+rate|lr|step[\s-]+size)"
    r"\s+(?:were|was|is|had\s+been|got|became|has\s+been)\s+"
    r"((?:much\s+|far\s+|a\s+lot\s+|a\s+bit\s+|slightly\s+)?"
    r"(?:smaller|larger|lower|higher|bigger|reduced|increased|tiny|huge))\b"
)


def mark(text: str) -> str:
    """``text`` with "behaves as if the learning rate were X" read as "behaves like a X
    learning rate"."""
    return _AS_IF.sub(lambda m: f"{m[1]} like a {m[3]} {m[2]}", text)
