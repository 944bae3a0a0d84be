"""AGC's factor in a worked example, checked: λ · max(‖W‖, 1e-3) / ‖G‖ for a unit over λ.

"λ = 0.01, ‖W_i‖ = 2, ‖G_i‖ = 0.1: the ratio is 0.05, so G_i is multiplied by 0.5" scales the
unit to a ratio of 0.025, not λ: the factor that brings the ratio down to λ is
0.01 · 2 / 0.1 = 0.2. When an answer gives λ, a weight norm and a gradient norm as
"‖W‖ = 2" (or "||w_i|| = 2") and then multiplies (or scales) the gradient by a number (or by an
expression "= number"), a factor more than :data:`TOLERANCE` off the right one is followed by
:data:`MARKER`, a word the bank's misconceptions name. The first value of each counts. Reads the
lower-cased answer.
"""

from __future__ import annotations

import re

from gradclip_core.clipping import AGC_EPS
from gradclip_core.quiz.examples import MARKER

TOLERANCE = 0.1  # relative error allowed in a factor (answers round)
_NUM = r"\d+(?:\.\d+)?(?:e-?\d+)?"
_BAR = r"(?:\|\||‖)"
_LAMBDA = re.compile(rf"(?:λ|\blambda|\blam)\s*(?:=|of|is)\s*({_NUM})")
_WEIGHT = re.compile(rf"{_BAR}\s*w(?:_\w+)?\s*{_BAR}(?:_f)?\s*=\s*({_NUM})")
_GRAD = re.compile(rf"{_BAR}\s*(?:g|grad|∇w)(?:_\w+)?\s*{_BAR}(?:_f)?\s*=\s*({_NUM})")
_FACTOR = re.compile(
    rf"\b(?:multipl\w*|scal(?:e|es|ed|ing))\s+by\s+"
    rf"(?:(?:about|roughly|approximately)\s+)?(?:[\d.\sλ*·×/()e-]*?=\s*)?({_NUM})(?!\s*[*·×/\d])"
)


def mark(text: str) -> str:
    """``text`` with :data:`MARKER` after an AGC factor that does not bring the ratio to λ."""
    lam, weight, grad = _LAMBDA.search(text), _WEIGHT.search(text), _GRAD.search(text)
    if lam is None or weight is None or grad is None:
        return text
    g = float(grad.group(1))
    limit = float(lam.group(1)) * max(float(weight.group(1)), AGC_EPS)
    if g <= limit or g == 0:
        return text
    start = max(lam.end(), weight.end(), grad.end())
    factor = _FACTOR.search(text, start)
    if factor is None or abs(float(factor.group(1)) / (limit / g) - 1) <= TOLERANCE:
        return text
    return f"{text[: factor.end()]} {MARKER}{text[factor.end() :]}"
