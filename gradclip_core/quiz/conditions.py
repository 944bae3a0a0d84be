"""Conditions turned round in answers: clipping said to act below its threshold.

Clipping by norm acts on a gradient whose norm is over max_norm, and AGC on a unit whose ratio
is over λ. A fluent answer can state the rest right and put the condition the wrong way round,
across a clause break the claims cannot see over: "AGC clips when r_i is below lambda", "if the
norm is under the threshold the gradients are scaled down", "ratio < λ -> clip". Each such
condition is followed by :data:`MARKER`, a word the bank's misconceptions name. A condition
whose clause says nothing happens ("below λ it is left alone", "if under the limit, nothing is
clipped") is not marked, nor is one in brackets. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

MARKER = "misconditioned"
_ACT = (  # "clipping kicks in when ...", "the clip applies if ..."
    r"(?:clip|clips|clipped|rescale[sd]?|scale[sd]?|shrinks?|shrunk|cut|cuts|clamp(?:s|ed)?"
    r"|(?:clipping|clip)\s+(?:kicks\s+in|applies|acts|triggers|fires|activates|is\s+applied))"
)
_BELOW = r"(?:below|under|less\s+than|smaller\s+than|lower\s+than|<(?!=)|≤|<=)"
_LIMIT = (  # "the threshold", "the chosen threshold", "your max_norm", a bare "c" or "τ"
    r"(?:λ|lambda|lam\b|(?:c|τ|tau)\b(?!\s*[/·*(]|\s*\\)|(?:(?:the|a|your|its)\s+)?(?:(?:chosen|set|given|fixed|clipping|clip)\s+)?"
    r"(?:threshold|max_norm|limit))"
)
_QUIET = (  # words that say nothing is done, or that the condition is the right one
    r"(?:not|never|no|nothing|n't|unchanged|untouched|alone|intact|pass|keep|kept|leave|left"
    r"|above|over|exceeds?|larger|greater|bigger|higher|>)"
)
_GAP = rf"(?:(?!\b{_QUIET}\b|>)[^,.;:()\n!?])"  # one clause's words, none of those
_FORMS = (
    # "agc clips when r_i is below lambda", "the gradient is scaled only if its norm is under ..."
    rf"\b{_ACT}\b{_GAP}{{0,30}}?\b(?:when|whenever|if|once)\b{_GAP}{{0,40}}?{_BELOW}\s*{_LIMIT}",
    # "if the norm is under the threshold the gradients are scaled down"
    rf"\b(?:if|when|whenever)\b{_GAP}{{0,40}}?{_BELOW}\s*{_LIMIT}[,:]?\s*(?:then\s+)?{_GAP}{{0,40}}?"
    rf"\b{_ACT}\b",
    # "ratio < lambda -> clip"
    rf"{_BELOW}\s*{_LIMIT}\s*(?:->|→|=>|:)\s*(?:then\s+)?{_ACT}\b",
)
_CONDITION = re.compile("|".join(f"(?:{f})" for f in _FORMS))
_DENIED = re.compile(r"\b(?:not|never|n't|no)\s+(?:\w+\s+)?$")  # "it does not clip when ..."


def mark(text: str) -> str:
    """``text`` with :data:`MARKER` after each condition turned round."""
    masked = re.sub(r"\([^()\n]*\)", lambda m: "_" * len(m.group()), text)  # "max(||w||, 1e-3)"
    ends = [m.end() for m in _CONDITION.finditer(masked) if not _DENIED.search(text[: m.start()])]
    for at in reversed(ends):
        text = f"{text[:at]} {MARKER} {text[at:].lstrip()}"
    return text
