"""A vector's norm taken without squaring its entries, checked: "(6, 8): sqrt(6 + 8) ≈ 3.74".

The L2 norm that ``clip_grad_norm_`` uses squares each entry before the sum: for (6, 8) it is
sqrt(36 + 64) = 10. A root of the plain entries ("sqrt(6 + 8)", "√(3 + 4)") is a false norm
even when the root itself is computed right, so :mod:`.vecnorm` and :mod:`.arith` pass it. Each
such root whose terms are the entries of a vector written in the answer (in order, at least one
not 0 or 1, where squaring changes nothing) is followed by :data:`.examples.MARKER`, the word a
misconception of the bank names. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

from gradclip_core.quiz.examples import MARKER

_NUM = r"\d+(?:\.\d+)?"
_VECTOR = re.compile(rf"[(\[]\s*(-?{_NUM}(?:\s*,\s*-?{_NUM})+)\s*[)\]]")
_ROOT = re.compile(rf"(?:sqrt|√)\s*\(\s*({_NUM}(?:\s*\+\s*{_NUM})+)\s*\)")


def _terms(text: str, sep: str) -> tuple[float, ...]:
    return tuple(abs(float(x)) for x in text.split(sep))


def mark(text: str) -> str:
    """``text`` with :data:`.examples.MARKER` after each root of a vector's unsquared entries."""
    entries = {_terms(m.group(1), ",") for m in _VECTOR.finditer(text)}
    entries = {e for e in entries if any(x not in (0.0, 1.0) for x in e)}
    ends = [m.end() for m in _ROOT.finditer(text) if _terms(m.group(1), "+") in entries]
    for at in reversed(ends):
        text = f"{text[:at]} {MARKER}{text[at:]}"
    return text
