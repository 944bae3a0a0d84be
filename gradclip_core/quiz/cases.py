"""Worked cases in answers: what an answer walks through to warn against is supposed, not said.

A teacher's worked example sets the wrong way beside the right one and labels each case: "Clip each
time: after the 2nd, (2, 0) -> (1, 0)", "Clipped after every backward: ...", "A worked example of
what goes wrong when you clip per micro-batch", "What not to do: set it far below the typical
norm", "Let's ignore the tanh part for a second and say the weight is 2". Each names a way, or a
simplification, the answer does not assert. A sentence led by such a label, or holding "what goes
wrong / happens when (or if) you ...", "let's ignore / assume / set aside ...", is read as a
supposition: each of its clauses is led by "suppose", which :mod:`.suppose` marks as the premise of
its clause. So is an aside that measures what a supposed clause describes ("the update would be
(0.0006, 0.0008), 512 times smaller than the real one": the aside is about the supposed update). A
list item labelled by a condition ("- r_i > lambda: G_i is rescaled") reads as one ("if r_i >
lambda, ..."), and a clipping call that sets the scene ("with clip_grad_value_(...) instead, each
entry ...") as its name. The right way's case worked beside the wrong one ("- Clip once at the end:
sum = (4, 1) -> (0.97, 0.24). Same direction as the true sum.") is arithmetic on that case, not a
claim of its own about clipping: a sentence led by "clip once:" / "clip once at the end:" that
works out a vector is read as a supposition too, and as a list item, the rest of its line. Reads
the lower-cased answer.
"""

from __future__ import annotations

import re

from gradclip_core.quiz.asked import CLAUSE, supposed

_PARTS = re.compile(rf":\s*|;\s*|{CLAUSE.pattern[1:-1]}")  # "clip each time: (1, 0); after ..."
_SENTENCE = r"(?:[^.!?;\n]|\.(?!\s|$))*"  # up to the end of the sentence (".grad" does not end it)
_LED = re.compile(
    r"(?:(?<=[.!?;\n])|^)([ \t]*(?:[-*]\s*)?)((?:"
    r"(?:clip|clipped|clipping)\s+(?:it\s+)?(?:after\s+|at\s+|on\s+|per\s+|for\s+)?"
    r"(?:each|every)\s+[\w-]+(?:\s+[\w-]+)?\s*:"  # "clip each time:", "clipped after every mb:"
    r"|what\s+not\s+to\s+do\s*:|don['’]?t\s*:|avoid\s*:"  # "what not to do: set it ..."
    r"|let['’]?s\s+(?:ignore|assume|say|pretend|suppose|set|forget|drop|neglect|leave)\b"
    r")(?:[^.!?\n]|\.(?!\s|$))*)"  # up to the end of the sentence or line
)
# "- Clip once at the end: sum = (4, 1) -> (0.97, 0.24). Same direction as the true sum.": the
# right way's case, worked beside the wrong one; as a list item, up to the end of its line
_ONCE_LABEL = r"(?:clip|clipped|clipping)\s+(?:it\s+)?once(?:\s+at\s+the\s+end)?\s*:"
_ONCE = re.compile(
    rf"(?m)^([ \t]*[-*]\s*)({_ONCE_LABEL}[^\n]*)"  # a list item: its whole line
    rf"|(?:(?<=[.!?;\n])|^)([ \t]*)({_ONCE_LABEL}(?:[^.!?\n]|\.(?!\s|$))*)"  # its sentence
)
_WORKED = re.compile(r"[(\[]\s*-?\d")  # a vector worked out: "(4, 1)"
_ARITHMETIC = re.compile(r"\s+(mis(?:computed|factored|grown))\b")
_WHAT_GOES = re.compile(  # "... of what goes wrong when you clip per micro-batch."
    r"\bwhat\s+(?:goes\s+wrong|happens|breaks|changes)\s+(?:when|if)\s+(?:you|we|one)\b" + _SENTENCE
)
_WHEN = re.compile(rf"\s+(?:when|if)\s+|{CLAUSE.pattern[1:-1]}")
_APPOSED = re.compile(  # "..., the update would be (x, y), 512 times smaller than the real one"
    r"(\b(?:would|could|might)\b(?:[^.!?;\n]|\.(?=\d))*?,\s*)"
    r"((?:about\s+|roughly\s+|nearly\s+|almost\s+|more\s+than\s+|over\s+|some\s+)?"
    r"(?:[\d,.]+|(?:a|one)\s+(?:hundred|thousand|million)|hundreds\s+of|thousands\s+of)"
    r"\s*(?:times|x|×)\s+(?:smaller|larger|bigger|less|more|too)\b[^.!?;\n,]*)"
)


# "- r_i > lambda: G_i is rescaled": a case labelled by its condition, read "if r_i > lambda, ..."
_CONDITION = re.compile(
    r"(?m)^([ \t]*(?:[-*]|\d+[.)])[ \t]*)(?!if\b)([^:\n]{1,40}?[<>≤≥]=?[^:\n]{1,30}?):"
)


# "With clip_grad_value_(params, clip_value=1.0) instead, each entry is clamped": the scene is
# the call; its arguments would make the phrase too long to be read as one
_SCENE_CALL = re.compile(
    r"\b((?:with|using)\s+(?:torch\.)?(?:nn\.)?(?:utils\.)?clip_grad_\w+)"
    r"\((?:[^()]|\([^()]*\))*\)(?=(?:\s+instead)?\s*,)"
)


def checked(said: str) -> str:
    """A supposed case whose arithmetic was found false still says it: the marker word left by
    the checks (:mod:`.examples`, :mod:`.scalars`, :mod:`.figures`) is set apart, unsupposed."""
    return _ARITHMETIC.sub(r"; \1", said)


def _once(m: re.Match) -> str:
    """The right way's labelled case, led by "suppose" clause by clause."""
    if not _WORKED.search(m.group()):  # "clip once: after the last backward()": the answer's own
        return m.group()
    if not m.group(2):
        return m.group(3) + checked(supposed(m.group(4), _PARTS))
    pieces = re.split(r"(?<=[.!?])(\s+)", m.group(2))  # each sentence of the item
    said = [p if n % 2 else checked(supposed(p, _PARTS)) for n, p in enumerate(pieces)]
    return m.group(1) + "".join(said)


def mark(text: str) -> str:
    """``text`` with each clause of a labelled case, or of an aside on a supposed one, led by
    "suppose"."""
    text = _SCENE_CALL.sub(r"\1", _CONDITION.sub(r"\1if \2,", text))
    text = _LED.sub(lambda m: m.group(1) + checked(supposed(m.group(2), _PARTS)), text)
    text = _ONCE.sub(_once, text)
    text = _WHAT_GOES.sub(lambda m: supposed(m.group(), _WHEN), text)
    return _APPOSED.sub(lambda m: m.group(1) + supposed(m.group(2)), text)
