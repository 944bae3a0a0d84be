"""Clipping updates written as formulas, checked by evaluating them: "g <- g * c / ||g||²".

Symbols can carry a wrong update under right words: a squared norm ("g ← g·min(1, c/‖g‖²)"), an
extra norm ("g·(1/‖g‖)·‖g‖²"), AGC's ratio squared ("G_i ← G_i·λ/r_i²"), a sign times the limit for
clipping by value ("g_i ← c·g_i/|g_i|"). Each formula assigned to a gradient (g, g', ĝ, g_i, grad,
p.grad, ∇l before ←, <-, :=, =, ↦), or that a gradient is "multiplied / scaled by" (with a norm in
it), is checked by :mod:`.symbolic` (a letter the answer names the norm by, "with N = ‖g‖₂", read as
that norm), which evaluates it (not one with only numbers besides the gradient, "G_i <- G_i * 0.4":
a worked instance); a gradient under the limit must pass unchanged unless the sentence (or the one
before, past a short question such as "how much?") states a condition ("if", "when", ">"). A wrong
one is followed by :data:`MARKER` (:data:`ENTRY` for one entry: "g_i", clamp), words the bank's
misconceptions name; a right one that scales by a norm, and "g' = αg", by :data:`.factored.MARKER`,
a word a concept names, and a right one for one entry by :data:`PER_ENTRY`, which names clipping by
value as a clause's subject. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

from gradclip_core.quiz.factored import MARKER as ONE_FACTOR
from gradclip_core.quiz.symbolic import G, check, name, python

MARKER, ENTRY = "misformed", "misvalued"
PER_ENTRY = (
    "perentry"  # a right formula for one entry: the subject of a clause about value clipping
)
_ASSIGN = re.compile(  # "g <- ...", "replaces g by ...", "sets g to ..."
    rf"(?<![\w‖|.'])({G})\s*(?:←|<-|:=|=|↦)\s*|\b(?:replac|set)\w*\s+({G})\s+(?:by|with|to)\s+"
)
_BY = re.compile(r"\b(?:multipl\w*|(?:re)?scal(?:e|es|ed|ing))\s+(?:(?!down\b)\S+\s+){0,4}?by\s+")
_STOP = re.compile(r"\s*(?:[,;:⇒→<>≤≥=≈]|\.(?:\s|$)|\n|i\.e)")  # and a word: see _right
_WORD = re.compile(r"[a-z][a-z_]+")
_ASIDE = re.compile(r"\s+\(([a-z][a-z_]+)")  # a bracket that opens with a word: an aside
_CONDITION = re.compile(
    r"\b(?:if|when\w*|only|unless|once|exceed\w*|above|larger|greater|too)\b|[<>≤≥]"
)
_WEIGHTS = re.compile(r"weight|agc|ratio|unit|\brow\b|‖\s*[wθ]|\|\|\s*[wθ]|\bw_i\b|\br_i\b")
_SENTENCE = re.compile(r"(?:[^.!?\n]|\.(?=\w))+")
_SHORT = 3  # words of a sentence that keeps the one before as its context ("how much?")

_LET = re.compile(  # "with N = ‖g‖₂", "where n := ||g||", "let s = ‖g‖": a name for the norm
    r"\b(?:with|where|let|and|for|set)\s+([a-zα-ω])\s*(?:=|:=)\s*"
    r"((?:‖|\|\|)\s*[^‖|\s]{1,8}\s*(?:‖|\|\|))(?:_?2|₂)?"
)


def _named(text: str) -> dict[str, str]:
    """The letters the answer names a norm by ("with N = ‖g‖₂": n -> "‖g‖"), not known symbols."""
    return {m.group(1): m.group(2) for m in _LET.finditer(text) if name(m.group(1)) is None}


def _right(text: str, at: int) -> str:
    """The formula from ``at`` up to a stop sign or an unknown word outside brackets."""
    depth = 0
    for i in range(at, min(len(text), at + 90)):
        depth += (text[i] == "(") - (text[i] == ")")
        word = i > at and text[i - 1] == " " and _WORD.match(text, i)
        aside = depth == 0 and _ASIDE.match(text, i)  # "(c/‖g‖)·g (uniform, same direction)"
        stop = _STOP.match(text, i) or word and not name(word.group())
        stop = stop or aside and not name(aside.group(1))
        if depth < 0 or depth == 0 and i > at and stop:
            return text[at:i].rstrip()
    return text[at : at + 90]


def _marker(m: re.Match, rhs: str, free: bool, agc: bool = True) -> str | None:
    """The marker for one formula (``rhs`` assigned or multiplied by), or None; with ``agc``
    false (the answer names no weight or ratio), λ is the limit: "g ← λ·g/‖g‖"."""
    if not re.search(r"[^\W\d_]", re.sub(G, "", rhs)):  # "g_i * 0.4": a worked instance
        return None
    by = m.re is _BY
    expr = python(f"({rhs}) * g" if by else rhs) or ""
    expr = expr if agc else expr.replace("L", "C")
    normed = "abs(G)" in expr or "R" in expr
    ok = check(expr, free and not by) if expr and (normed or not by) else None
    agc = any(x in expr for x in "WRL")
    entry = not agc and ("_i" in m.group() or not normed or "_clamp" in expr)
    scalar = re.fullmatch(r"([a-zα-ω])\s*[·*×⋅]?\s*(?:g|∇l)", rhs)
    if ok is False:
        return ENTRY if entry and not by else MARKER
    if ok and entry and not agc and not by:  # "g_i ↦ c·sign(g_i)": by value, entry by entry
        return PER_ENTRY
    one = ok and not entry and not agc  # "g' = αg": one number times the gradient, too
    one = one or ok is None and scalar and not by and not re.fullmatch(G, scalar.group(1))
    return ONE_FACTOR if one else None


def mark(text: str) -> str:
    """``text`` (lower case) with a marker after each clipping formula checked."""
    ends, before = [], ""
    agc = bool(_WEIGHTS.search(text))
    named = _named(text)
    for sentence in _SENTENCE.finditer(text):
        part, base = sentence.group(), sentence.start()
        free = not _CONDITION.search(before + part)  # no condition stated
        for m in [*_ASSIGN.finditer(part), *_BY.finditer(part)]:
            rhs = _right(part, m.end())
            if part[m.end() + len(rhs) :].lstrip().startswith("mis"):
                continue  # already marked (.formulas: a factor upside down)
            said = re.sub(
                r"(?<!\w)[a-zα-ω](?![a-z_0-9])", lambda x: named.get(x.group(), x.group()), rhs
            )
            ends += [(base + m.end() + len(rhs), w) for w in [_marker(m, said, free, agc)] if w]
        before = before + part if len(part.split()) <= _SHORT else part  # "how much?" goes on
    for at, word in sorted(ends, reverse=True):
        text = f"{text[:at]} {word} {text[at:].lstrip()}"
    return text
