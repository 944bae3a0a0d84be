"""Weights clamped in code, however the words around it name it.

"for p in model.parameters(): p.data.clamp_(-1.0, 1.0)  # gradient clipping" and
"param.clamp_(-0.5, 0.5)" after the step clamp the weights themselves, not their ``.grad``: that
is weight clipping, another thing, and the gradients the step used were never bounded. Each
clamp (``clamp_``, ``clamp``, ``clip_``) called on a parameter (``p``, ``param``, ``w``,
``weight``, directly or through ``.data``) rather than on its ``.grad`` is followed by
:data:`MARKER`, a word a misconception of the bank names. ``p.grad.clamp_(...)`` is left as it
is. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

MARKER = "misweighted"
_CLAMPED = re.compile(
    r"((?<![\w.])(?:p|param|parameter|w|weight)(?:\.data)?\.(?:clamp_?|clip_)\s*\([^()]*\))"
)


def mark(text: str) -> str:
    """``text`` with :data:`MARKER` after each clamp of a parameter itself."""
    return _CLAMPED.sub(rf"\1 {MARKER}", text)
