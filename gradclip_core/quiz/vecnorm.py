"""Norms stated for a vector written out, checked: "(3, 4) has norm 5".

A vector followed closely by its norm ("(3, 4) has norm 5", "for (6, 8) the norm is 6 + 8 = 14",
"sum (4, 4), norm ≈ 5.66", "(1, 1), whose norm is 1.41", "(1, 1), which also has norm 1", "for
(3, 4) and a threshold of 1, the norm is 5") states its L2 norm, the default of
``clip_grad_norm_`` (``norm_type=2.0``). A number off by more than the precision written (or
:data:`.scalars.CLOSE`) is marked with :data:`.examples.MARKER`; a whole number stated as exact,
with no "about" or "≈", may be off by a tenth of the norm at most ("(1, 1) has norm 1" is
false). Sentences that name another norm (L1, inf, ``norm_type``, a squared norm) are not
checked, nor a vector after a supposition ("if", "would") in its sentence.

Reads the lower-cased answer, before it is split into words.
"""

from __future__ import annotations

import math
import re

from gradclip_core.quiz.examples import MARKER, SENTENCE
from gradclip_core.quiz.scalars import CLOSE

_NUM = r"-?\d+(?:\.\d+)?"
_LIMIT = r"(?:threshold|limit|max_norm|max norm|clip_value|c)"
_STATED = re.compile(
    rf"[(\[]\s*({_NUM}(?:\s*,\s*{_NUM})+)\s*[)\]]"  # the vector
    rf"(?:\s*(?:,|and|with)\s*(?:a\s+)?{_LIMIT}\s*(?:of|=|is|:)?\s*{_NUM}\s*,?)?"  # "and limit 1"
    r"(?:\s*,?\s*(?:the|its|it|has|have|had|whose|which|a|an|of|total|l2|euclidean|with|and|is|also|still|that)\b)*"
    r"\s*,?\s*(?:norm|length)\s*(?:is|=|of|:)?\s*"
    r"(?:also\s+|still\s+)?"  # "(1, 1), which also has norm 1", "whose norm is also 1"
    r"(?:about\s+|roughly\s+|approximately\s+|around\s+|exactly\s+|only\s+|≈\s*|~\s*)?"
    # "6 + 8 = ", "√72 ≈ ": the sum or root that leads to the number
    r"(?:[\d.]+(?:\s*[-+×x*/]\s*[\d.]+)*\s*(?:=|≈|~)\s*|√\d+\s*(?:=|≈|~)\s*)?"
    r"(\d+(?:\.\d+)?)(?![\d.]*\d|\s*[-+×x*/^²]\s*\d)"
)
_OTHER_NORMS = re.compile(r"\bl1\b|\bl∞|\binf\b|infinity|∞|norm_type|1-norm|squared|norm²|\bmax\b")
_APPROXIMATE = re.compile(r"about|roughly|approximately|around|≈|~|√")
_SUPPOSES = re.compile(r"\b(?:if|would|were|suppose|imagine)\b")


def _false(vector: str, said: str, approximate: bool = True) -> bool:
    """Whether ``said`` is off the vector's norm by more than its precision allows; a whole
    number stated as exact ("(1, 1), which also has norm 1") may be off by a tenth at most."""
    true = math.hypot(*(float(x) for x in vector.split(",")))
    places = len(said.split(".")[1]) if "." in said else 0
    loose = 0.5 * 10**-places if approximate else min(0.5 * 10**-places, 0.1 * true)
    return abs(float(said) - true) > max(CLOSE * true, loose)


def mark(text: str) -> str:
    """``text`` (lower case) with :data:`MARKER` after each false norm stated for a vector."""
    out = []
    for part in SENTENCE.split(text):
        if not _OTHER_NORMS.search(part):  # a supposition after the vector supposes no norm
            ends = [
                m.end()
                for m in _STATED.finditer(part)
                if _false(*m.groups(), bool(_APPROXIMATE.search(m.group())))
                and not _SUPPOSES.search(part[: m.start()])
            ]
            for at in reversed(ends):
                part = f"{part[:at]} {MARKER}{part[at:]}"
        out.append(part)
    return "".join(out)
