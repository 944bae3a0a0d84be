""" "Bigger ones", "the small ones": "ones" after a word of size read as the noun it stands for.

"Gradients within the threshold are unchanged, bigger ones are scaled down to it" says that
bigger *gradients* are scaled down: "ones" after a word of size ("big", "bigger", "large",
"huge", "small", "tiny", "long", "short", ...) stands for the plural noun named last before it,
in its sentence or the one before ("gradients", "grads", "entries", "norms", "values", ...),
and is read as that noun, so a claim about large gradients or small entries is judged as if the
noun were written. Nothing is read when no such noun comes first. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

_SIZES = (
    r"big|bigger|biggest|large|larger|largest|huge|enormous|giant|massive|small|smaller|"
    r"smallest|tiny|little|long|longer|short|shorter|extreme|oversized|moderate|normal"
)
_ONES = re.compile(rf"\b(?:{_SIZES})\s+(ones)\b")
_NOUNS = re.compile(
    r"\b(gradients|grads|entries|elements|components|coordinates|values|norms|updates|steps|"
    r"vectors|spikes)\b"
)
_REACH = re.compile(r"[.!?\n]")  # sentence ends between the noun and "ones"


def mark(text: str) -> str:
    """``text`` with "ones" after a word of size read as the plural noun named last before it."""
    out, last = [], 0
    for m in _ONES.finditer(text):
        before = text[: m.start(1)]
        nouns = list(_NOUNS.finditer(before))
        if not nouns or len(_REACH.findall(before[nouns[-1].end() :])) > 1:
            continue
        out += [text[last : m.start(1)], nouns[-1].group(1)]
        last = m.end(1)
    return "".join(out) + text[last:]
