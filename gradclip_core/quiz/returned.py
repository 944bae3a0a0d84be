"""What clip_grad_value_ is said to return, marked: it returns None, never a norm.

"Use clip_grad_value_(...) and log what it returns - the total gradient norm" gives value
clipping clip_grad_norm_'s return value. A sentence that speaks of what a call returns ("what it
returns", "the value it hands back", "returns the norm") and names a norm, where the clipping
call named last before it (in that sentence, or through "it" in the one before) is
``clip_grad_value_`` (a short sentence naming no call may stand between: "why this one?"), is
followed (so is one that has it return a statistic of the gradient after the verb: "it returns
the largest gradient entry") by :data:`MARKER`, a word a misconception of the bank can name. A
sentence that denies ("returns none", "returns nothing", "not") is left alone. The reverse,
clip_grad_norm_ said to return None or nothing ("you need a separate call because
clip_grad_norm_ returns none"), is marked with :data:`VOIDED`, and so is "the function ...
returns none" in an answer whose only clipping call is clip_grad_norm_. "Only returns the norm"
after the sentence says the call changed the grads ("replaces .grad in place, it only returns
the norm") tells what comes back, and is read without its "only". Reads the lower-cased answer.
"""

from __future__ import annotations

import re

from gradclip_core.quiz.api import MISRETURNED
from gradclip_core.quiz.examples import SENTENCE

MARKER = MISRETURNED  # also after a norm said to come back from clip_grad_value_
VOIDED = "misvoided"  # after clip_grad_norm_ said to return None: it returns the total norm
_VOID = re.compile(
    r"(\bclip_grad_norm_?(?:\s*\([^()]*(?:\([^()]*\)[^()]*)*\))?)(\s+"
    r"(?:just\s+|only\s+|always\s+)?(?:returns?|gives?(?:\s+back)?)\s+(?:none|nothing)\b)"
)
_VOID_REF = re.compile(  # "the function clips in place and returns none"
    r"(\b(?:the|this)\s+(?:clipping\s+|clip\s+)?(?:function|call|utility|helper)\b"
    r"(?:[^.!?\n]|\.(?=\w)){0,80}?)"
    r"(\s+(?:returns?|gives?(?:\s+back)?)\s+(?:none|nothing)\b)"
)
_CALL = re.compile(r"clip_grad_(value|norm)_?")
_RETURNS = re.compile(
    r"\b(?:returns?|returned|hands?\s+(?:you\s+)?back|gives?\s+(?:you\s+)?back|spits?\s+out)\b"
)
_NORM = re.compile(r"\bnorms?\b")
_IT = re.compile(  # "it returns", "it also returns", "what it gives back"
    r"\bit\s+(?:(?:also|then|just|even|conveniently|\w+ly)\s+)?(?:returns?|hands|gives|spits)\b"
    r"|\bwhat\s+it\b|\bvalue\s+it\b"
)
# what it is said to return, when no norm is named: a statistic of the gradient
_STAT = re.compile(r"\b(?:largest|biggest|max(?:imum)?|total|sum|mean|average|magnitude|size)\b")
_NORM_CALL = re.compile(r"max_norm|clip_grad_norm")
_SHORT = 6  # words of a sentence between the call and its "it" ("why this one?")
_DENIED = re.compile(r"\b(?:none|nothing|not|no|never|doesn't|only)\b")
# "it replaces .grad in place (no reassignment needed, it only returns the norm)": "only" says
# what comes back, not that nothing is clipped, once the sentence has said the grads change
_CHANGED = re.compile(
    r"\b(?:in[\s-]?place|inplace|replaces?|overwrites?|rescales?|scales|modif(?:y|ies)|mutates?"
    r"|writes?\s+(?:\w+\s+)?(?:back|into))\b"
)
_ONLY = re.compile(r"\b(?:only|just|merely)\s+(?=returns?\b)")


def mark(text: str) -> str:
    """``text`` with :data:`MARKER` after each sentence that has clip_grad_value_ return a
    norm."""
    parts = SENTENCE.split(text)
    out, last = [], None
    for n, part in enumerate(parts):
        if n % 2:
            out.append(part)
            continue
        calls = list(_CALL.finditer(part))
        said = _RETURNS.search(part)
        before = calls and said and [c for c in calls if c.start() < said.start()]
        # from the sentence before, only through "it" ("log what it returns"), never in a
        # sentence about max_norm ("since the function returns the total norm")
        named = before[-1].group(1) if before else (last if _IT.search(part) else None)
        named = None if _NORM_CALL.search(part) and not before else named
        told = _NORM.search(part) or _STAT.search(part[said.end() :] if said else "")
        if said and named == "value" and told and not _DENIED.search(part):
            part = f"{part[: said.end()]} {MARKER}{part[said.end() :]}"
        # a short sentence that names no call ("why this one?") keeps the one named before
        last = calls[-1].group(1) if calls else (last if len(part.split()) <= _SHORT else None)
        changed = _CHANGED.search(part)
        if changed and not re.search(r"\b(?:not|never|n't|no longer)\b", part[: changed.start()]):
            part = part[: changed.end()] + _ONLY.sub("", part[changed.end() :])
        out.append(part)
    text = _VOID.sub(rf"\1 {VOIDED}\2", "".join(out))  # before "none", which would deny it
    if "clip_grad_norm" in text and "clip_grad_value" not in text:  # "the function": that one
        text = _VOID_REF.sub(rf"\1 {VOIDED}\2", text)
    return text
