"""Clipping by norm described as capping entries one by one, marked.

A fluent answer can name clipping by norm and then describe clipping by value: "when the norm
is over max_norm, every entry larger than max_norm is set to max_norm and the others are left
alone". Each stretch of a sentence (up to ";") that says the entries over a limit are set, cut
or capped to it, with no denial ("not", "rather than", "unlike") and no word for clipping by
value in it, is followed by :data:`MARKER`, a word the bank's misconceptions name, when the
mode its sentence names last before it is the norm (clipping by norm, clip_grad_norm_,
max_norm, the gradient norm). Reads the
lower-cased answer.
"""

from __future__ import annotations

import re

MARKER = "misclamped"
_SENTENCE = re.compile(r"(?:[^.!?]|[.!?](?!\s|$))+(?:[.!?]|$)")
_STRETCH = re.compile(r"[^;]+(?:;|$)")
_NORM = re.compile(r"\bnorm\b|clip_grad_norm|max_norm|max norm")
_VALUE = re.compile(r"clip_grad_value|clip_value|\bvalue[\s-]+clip|\bby value|clamp\(|signsgd")
_ENTRY = r"(?:entr(?:y|ies)|elements?|components?|coordinates?|numbers?|anything|coordinate)"
_OVER = r"(?:larger|bigger|greater|above|over|exceed\w*|higher|more)"
_LIMIT = r"(?:max_norm|max norm|the limit|limit|the threshold|threshold|±\s*\w+|the cap)"
_SET = r"(?:sets?|cuts?|capp?ed|caps?|clamp\w*|clip\w*|trim\w*|replac\w*|reduc\w*|becomes?|brought)"
_CAPPED = re.compile(  # "every entry larger than max_norm is set to max_norm", "caps each
    rf"\b{_ENTRY}\b[^;]{{0,60}}?\b{_OVER}\b[^;]{{0,50}}?\b{_SET}\b[^;]{{0,30}}?{_LIMIT}"  # entry
    rf"|\b{_SET}\b[^;]{{0,12}}\b(?:each|every|any)\s+(?:\w+\s+)?{_ENTRY}\b"  # above"
    rf"[^;]{{0,60}}?\b{_OVER}\b[^;]{{0,40}}?\b(?:at|to|down to)\s+{_LIMIT}"
    rf"|\b(?:largest|biggest)\s+{_ENTRY}\b[^;]{{0,20}}?\b{_SET}\b[^;]{{0,12}}?\bto\s+{_LIMIT}"
)
_DENIED = re.compile(r"\bnot\b|n't\b|\bnever\b|rather than|instead of|\bunlike\b|\bwhereas\b")


def mark(text: str) -> str:
    """``text`` (lower case) with :data:`MARKER` after each stretch that gives clipping by norm
    the entry-by-entry cap of clipping by value."""
    ends = []
    for sentence in _SENTENCE.finditer(text):
        for m in _STRETCH.finditer(sentence.group()):
            part, capped = m.group(), _CAPPED.search(m.group())
            if not capped or _VALUE.search(part) or _DENIED.search(part):
                continue
            end = sentence.start() + m.start() + capped.end()
            said = text[sentence.start() : end]  # the mode named last before it is the norm
            norms = [n.end() for n in _NORM.finditer(said)]
            values = [v.end() for v in _VALUE.finditer(said)]
            if norms and max(norms) > max(values, default=-1):
                ends.append(end)
    for end in reversed(ends):
        text = f"{text[:end]} {MARKER}{text[end:]}"
    return text
