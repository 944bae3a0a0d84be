"""A total gradient norm written as code that adds up the per-tensor norms, marked.

"total = sum(p.grad.norm() for p in model.parameters())" reads as "the total norm", and the
words around it often say so, but the L2 norm of all the gradients together is the square root
of the sum of the squared per-tensor norms (norms 3 and 4 give 5, not 7): the plain sum
overstates it. A ``sum(...)`` (or ``torch.stack([...]).sum()``) over ``.norm()`` calls with no
square in it (``** 2``, ``.pow(2)``, ``square``) is followed by :data:`MARKER`, a word the
bank's misconceptions name. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

MARKER = "missummed"
_SUMMED = re.compile(
    r"\bsum\(\s*\[?\s*[\w.\[\]]*\.norm\((?:[^()]|\([^()]*\))*\)[^\n]*"
    r"|stack\(\s*\[\s*[\w.\[\]]*\.norm\([^\n]*\]\s*\)\s*\.sum\(\)[^\n]*"
)
_SQUARED = re.compile(r"\*\*\s*2|\.pow\(|square|sqrt")


def mark(text: str) -> str:
    """``text`` with :data:`MARKER` after each line that adds up norms as the total norm."""
    if "norm(" not in text or "sum" not in text:
        return text
    return _SUMMED.sub(lambda m: m[0] if _SQUARED.search(m[0]) else f"{m[0]} {MARKER}", text)
