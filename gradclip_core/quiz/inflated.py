"""The norm a clip sees before unscale_, checked: the true norm times the loss scale.

"Say the true gradient norm is 2 and the loss scale is 1024. Without unscaling, clip_grad_norm_
would see a norm of 1024": before ``scaler.unscale_(optimizer)`` the gradients carry the loss
scale, so a clip sees the true norm times the scale (2048 here). A norm stated as seen or
measured after both numbers ("sees a norm of X", ".grad has norm X") that is neither the true
norm nor that product is followed by :data:`.examples.MARKER`. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

from gradclip_core.quiz.examples import MARKER
from gradclip_core.quiz.scalars import off

_NUM = r"(\d[\d,]*(?:\.\d+)?)"
_TRUE = re.compile(
    rf"\b(?:true|real|actual|unscaled)\s+(?:gradient\s+)?norm\s*(?:is|of|=|:)\s*{_NUM}"
)
_SCALE = re.compile(  # "the loss scale is 1024" (not "2^16 = 65536": a power is no plain number)
    rf"\b(?:loss\s+)?scale(?:\s+factor)?\s*(?:is|of|=|:)\s*{_NUM}(?![\d.]*\d|\s*(?:\^|\*\*))"
)
_SEEN = re.compile(  # what the clip sees: "would see a norm of 1024", ".grad has norm 512"
    r"(?:\b(?:sees?|seen|measures?|measured)|\.?grad\s+(?:has|holds))\s+(?:a\s+)?(?:total\s+)?"
    rf"norm\s+(?:of\s+)?(?:about\s+|roughly\s+|around\s+)?{_NUM}(?![\d.]*\d|\s*[x×*/^])"
)


def _num(text: str) -> float:
    return float(text.replace(",", ""))


def mark(text: str) -> str:
    """``text`` with :data:`MARKER` after each norm a clip is said to see that is neither the
    true norm nor the true norm times the loss scale."""
    true, scale = _TRUE.search(text), _SCALE.search(text)
    if not (true and scale):
        return text
    norm, factor = _num(true.group(1)), _num(scale.group(1))
    ends = [
        m.end()
        for m in _SEEN.finditer(text, max(true.end(), scale.end()))
        if off(_num(m.group(1)), norm) and off(_num(m.group(1)), norm * factor)
    ]
    for at in reversed(ends):
        text = f"{text[:at]} {MARKER}{text[at:]}"
    return text
