"""Weights clamped in code, however the words around it name it.

"for p in model.parameters(): p.data.clamp_(-1.0, 1.0)  # gradient clipping" and
"param.clamp_(-0.5, 0.5)" after the step clamp the weights themselves, not their ``.grad``: that
is weight clipping, another thing, and the gradients the step used were never bounded. Each
clamp (``clamp_``, ``clamp``, ``clip_``) called on a parameter (``p``, ``param``, ``w``,
``weight``, ``θ``, directly or through ``.data``; or given one first, as in "θ_i ← clamp(θ_i, −c,
c)") rather than on its ``.grad`` is followed by
:data:`MARKER`, a word a misconception of the bank names. ``p.grad.clamp_(...)`` is left as it
is. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

MARKER = "misweighted"
_PARAM = r"(?:p|param|parameter|w|weight|θ|theta)(?:_\{?[ij]\}?)?"  # "θ_i" in notation too
_CLAMPED = re.compile(
    rf"((?<![\w.]){_PARAM}(?:\.data)?\.(?:clamp_?|clip_)\s*\([^()]*\)"
    rf"|(?<![\w.])(?:torch\.)?(?:clamp|clip)\s*\(\s*{_PARAM}\s*,[^()]*\))"  # "clamp(θ_i, -c, c)"
)


def mark(text: str) -> str:
    """``text`` with :data:`MARKER` after each clamp of a parameter itself."""
    return _CLAMPED.sub(rf"\1 {MARKER}", text)
