"""What clip_grad_norm_ is said to return in a worked example, checked: the norm before clipping.

clip_grad_norm_ returns the total norm measured before it clips. A worked example that clips a
gradient whose norm is over the limit and then says the call "returns 5.0" (or "gives back 5",
"the return value is 5"), where 5 is the limit the answer states (max_norm, threshold, limit)
and some gradient of the example has a larger norm (a vector such as "(6, 8)", "norm 10",
"||g|| = 10"), reports the norm after clipping: the number is followed by :data:`MARKER`, a
word a misconception of the bank can name. A sentence that says "before" ("returns 10.0, the
norm before clipping") or that names clip_grad_value_ is left alone, and the sentence must name
clip_grad_norm_ or follow one that does. Reads the lower-cased answer.
"""

from __future__ import annotations

import math
import re

from gradclip_core.quiz.examples import SENTENCE

MARKER = "postreturned"  # after a norm that clip_grad_norm_ is said to return, clipped already
_N = r"(\d+(?:\.\d+)?)"
_RETURNS = re.compile(
    rf"\b(?:returns?|returned|gives? back|hands? back|return value\s+(?:is|of)|reports?)"
    rf"\s+(?:about\s+|roughly\s+|exactly\s+|tensor\()?{_N}(?![\d.]*\d|\s*[x×*/^])"
)
_LIMIT = re.compile(
    rf"\b(?:max_norm|max norm|threshold|limit|clip(?:ped)? to(?: norm)?)\s*(?:=|of|is|at|:)?\s*{_N}"
)
_VECTOR = re.compile(r"[(\[]\s*(-?\d+(?:\.\d+)?(?:\s*,\s*-?\d+(?:\.\d+)?)+)\s*[)\]]")
_NORM = re.compile(rf"(?:\bnorm|‖\s*\w+\s*‖|\|\|\s*\w+\s*\|\|)\s*(?:=|of|is|:)?\s*{_N}")
_NAMED = re.compile(r"\bclip_grad_norm")
_DENIED = re.compile(r"\bbefore\b|\bpre-?clip|\bunclipped\b|\boriginal\b|clip_grad_value")


def mark(text: str) -> str:
    """``text`` with :data:`MARKER` after each post-clip norm said to be returned."""
    limits = {float(m.group(1)) for m in _LIMIT.finditer(text)}
    norms = [math.hypot(*map(float, m.group(1).split(","))) for m in _VECTOR.finditer(text)]
    norms += [float(m.group(1)) for m in _NORM.finditer(text)]
    pieces, named, out = SENTENCE.split(text), False, []
    for n, piece in enumerate(pieces):
        if n % 2 == 0:
            here = bool(_NAMED.search(piece))
            if (here or named) and not _DENIED.search(piece):
                piece = _marked(piece, limits, norms)
            named = here
        out.append(piece)
    return "".join(out)


def _marked(piece: str, limits: set[float], norms: list[float]) -> str:
    ends = []
    for m in _RETURNS.finditer(piece):
        value = float(m.group(1))
        if value in limits and any(norm > value * 1.01 for norm in norms):
            ends.append(m.end())
    for at in reversed(ends):
        piece = f"{piece[:at]} {MARKER}{piece[at:]}"
    return piece
