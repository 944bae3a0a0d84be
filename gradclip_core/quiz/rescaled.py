"""A threshold scaled up after the gradients were unscaled, marked: the scale counted twice.

Under AMP there are two right ways to clip: scaler.unscale_(optimizer), then clip at the plain
max_norm; or, without unscaling, compare the still-scaled gradients with max_norm multiplied by
the current scale. An answer can mix them: "scaler.unscale_(optimizer), then clip_grad_norm_
with max_norm * scaler.get_scale()" clips true-size gradients against a threshold thousands of
times too large, so nothing is ever clipped. When the answer unscales (a call to unscale_ it
does not deny) and a sentence that offers no alternative ("without", "instead", "if you skip
...") multiplies the threshold by the scale, that product is followed by :data:`MARKER`, a word
a misconception of the bank names; not when the sentence forbids it before it ("Don't try to
compensate by multiplying max_norm by the scale", "never scale the threshold by ...", but "don't
forget to multiply ..." asks for it). Reads the lower-cased answer, before it is split into words.
"""

from __future__ import annotations

import re

MARKER = "misrescaled"
_UNSCALES = re.compile(r"\bunscale_\s*\(|\b(?:call|then|do|run|use)\s+(?:scaler\.)?unscale_?\b")
_DENIED = re.compile(
    r"\b(?:no|not|without|skip\w*|never|don'?t|instead\s+of|forget\w*)\s+(?:\S+\s+){0,2}$"
)
_SCALE = (
    r"(?:(?:the\s+)?(?:current\s+|loss\s+)?(?:scaler\.)?"
    r"(?:get_scale\(\)|get_scale|scale\b)(?:\s*\(\s*\))?)"
)
_LIMIT = r"(?:max_norm|max\s+norm|(?:the\s+)?(?:threshold|limit|clip\s+value))"
_PRODUCT = re.compile(
    rf"{_LIMIT}\s*(?:\*|×|times|(?:multiplied|scaled(?:\s+up)?)\s+by)\s*(?:\(\s*)?{_SCALE}"
    rf"|\b(?:multiply|multiplying|scale|scaling)\s+(?:up\s+)?{_LIMIT}\s+(?:up\s+)?by\s+{_SCALE}"
)
_ALTERNATIVE = re.compile(r"\b(?:without|instead|alternativ\w*|skip\w*|otherwise|or\s+else|if)\b")
_FORBIDS = re.compile(r"\b(?:don'?t|do\s+not|never|avoid\w*|no\s+need\s+to)\b(?!\s+forget)")
_SENTENCE = re.compile(r"[^.!?;\n]*(?:\.(?!\s|$)[^.!?;\n]*)*")


def _unscales(text: str) -> bool:
    return any(not _DENIED.search(text[: m.start()]) for m in _UNSCALES.finditer(text))


def mark(text: str) -> str:
    """``text`` (lower case) with :data:`MARKER` after each threshold scaled up after unscale_."""
    if not _unscales(text):
        return text
    ends = []
    for s in _SENTENCE.finditer(text):
        if _ALTERNATIVE.search(s.group()):
            continue
        found = _PRODUCT.finditer(s.group())
        ends += [s.start() + m.end() for m in found if not _FORBIDS.search(s.group()[: m.start()])]
    for at in reversed(ends):
        text = f"{text[:at]} {MARKER} {text[at:]}"
    return text
