"""Worked results of clipping after every micro-batch: a comparison, not a recommendation.

An answer on accumulation often works the wrong way through beside the right one: "clipping each
partial sum ends at about (0.585, 2.942), whereas clipping the full sum gives ...", "(0, 4) lead
to about (2.83, 2.83) with per-micro-batch clipping", "clipping each time (3; 6 -> 4) also ends
at 4". A clause that names per-micro-batch clipping in a sentence that gives its numeric result
reports what that way yields; it does not say to do it. Each such clause is led by "suppose"
(which :mod:`.suppose` marks as its premise), its arithmetic markers kept apart
(:func:`.cases.checked`). A sentence that calls the two ways the same ("gives the same result")
is left as it is: that is a claim. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

from gradclip_core.quiz.asked import CLAUSE, _lead
from gradclip_core.quiz.cases import checked

_MB = r"(?:micro[- ]?batch(?:es)?|backward(?:\(\))?|partial\s+sums?|time|accumulation\s+step)"
_PHRASE = re.compile(
    rf"\bper[- ]micro[- ]?batch\s+clip\w*"
    rf"|\bclip(?:ping|ped)?\s+(?:it\s+)?(?:after\s+|at\s+|on\s+)?(?:each|every)\s+{_MB}"
    r"|\bclipping\s+(?:the\s+|each\s+|every\s+)?partial\s+sums?"
)
_RESULT = re.compile(
    r"(?:\bends?\s+(?:up\s+)?(?:at|with|as)|\bgives?|\bgiving|\bleads?\s+to|\byields?"
    r"|\bcomes?\s+(?:out\s+)?(?:at|to)|\bresults?\s+in|->|→)\s*"
    r"(?:about\s+|roughly\s+|approximately\s+|only\s+|around\s+)?[-(\[]?\d"
    r"|\(\s*\d[^)]*(?:->|→)"  # "clipping each time (3; 6 -> 4; ...)"
)
_WHEREAS = re.compile(r"\s*(?:(?:whereas|whilst|while|versus|vs\.?)\s+)?")  # "suppose" after it
_SAME = re.compile(r"\b(?:same|equivalent|identical|equal|no difference)\b")
_SENTENCE = re.compile(r"(?:[^.!?:\n]|\.(?=\d|\w))+")  # ".grad" and "0.5" end no sentence


def _parts(sentence: str) -> list[str]:
    """The sentence cut at its clause breaks, never inside brackets; cuts kept as parts."""
    out, start = [], 0
    for cut in CLAUSE.finditer(sentence):
        before = sentence[start : cut.start()]
        if before.count("(") + before.count("[") == before.count(")") + before.count("]"):
            out += [before, cut.group()]
            start = cut.end()
    return [*out, sentence[start:]]


def _sentence(m: re.Match) -> str:
    text = m.group()
    if not (_PHRASE.search(text) and _RESULT.search(text)) or _SAME.search(text):
        return text
    parts = _parts(text)
    return "".join(
        _WHEREAS.match(p).group() + checked(_lead(p[_WHEREAS.match(p).end() :]))
        if n % 2 == 0 and _PHRASE.search(p) and "suppose" not in p
        else p
        for n, p in enumerate(parts)
    )


def mark(text: str) -> str:
    """``text`` with each clause that names per-micro-batch clipping, in a sentence that gives
    its result in numbers, led by "suppose"."""
    return _SENTENCE.sub(_sentence, text)
