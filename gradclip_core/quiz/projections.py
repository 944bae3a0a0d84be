"""The two clipping modes named as projections: "the ball projection" is clipping by norm.

Clipping by norm projects an over-long gradient onto a ball of radius max_norm, and clipping by
value projects it onto a box [-c, c]^n, so a geometric answer goes on to name the modes by their
shapes: "a radial projection shortens the vector ...", "the projection onto a box clamps each
coordinate ...". Such a name, as the subject of what follows, is read as "norm clipping" or
"value clipping", so the claim after it is judged for the mode it names rather than for the
mode named last. A verb ("projects it onto a ball") is left as written. Reads the lower-cased
answer.
"""

from __future__ import annotations

import re

_A = r"\b(?:the|a|an|this|that)\s+"
_ONTO = r"\s+(?:onto|on|into|to)\s+(?:the|a|an)\s+(?:l2\s+|l∞\s+|l-inf\s+|euclidean\s+)?"
_BALL = re.compile(
    rf"{_A}(?:(?:radial|ball|sphere)\s+projection\b|projection{_ONTO}(?:ball|sphere)\b)"
)
_BOX = re.compile(
    rf"{_A}(?:(?:box|cube|hypercube)\s+projection\b|projection{_ONTO}(?:box|cube|hypercube)\b)"
)


def mark(text: str) -> str:
    """``text`` with a projection named by its shape read as the clipping mode it is."""
    return _BOX.sub(" value clipping", _BALL.sub(" norm clipping", text))
