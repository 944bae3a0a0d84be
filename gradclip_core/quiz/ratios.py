"""AGC's ratio written in symbols upside down, marked: the weight norm over the gradient norm.

AGC clips a unit when ||G_i|| / max(||W_i||, 1e-3) exceeds λ. A fluent answer can name every
part right and still write the ratio the other way round, in symbols the bank's word claims do
not read: "it computes max(||W_i||, 1e-3) / ||G_i|| and clips when that exceeds lambda",
"ratio = ||W|| / ||G||", "it divides the weight's norm, max(...), by the gradient's norm". Each
weight norm (``||W||``, ``max(||W_i||, eps)``, "the weight norm")
divided by a gradient norm (``||G||``, ``||g_i||_2``, "the gradient norm") is followed by
:data:`MARKER`, a word a misconception of the bank names, unless the sentence denies it before
("not", "rather than", "instead of"), the ratio is part of a product ("G <- λ * max(||W||, ε) /
||G|| * G", AGC's factor) or it is compared from below ("||W|| / ||G|| < 1/λ"
says the same as the right rule). Reads the lower-cased answer, before it is split into words.
"""

from __future__ import annotations

import re

MARKER = "misdivided"
_BARS = r"(?:\|\||‖)"
_SUB = r"(?:_\w+|_\{\w+\})?(?:\s*_?\s*(?:2|f|fro))?"  # "||W_i||_2", "‖W‖_F"
_W = (
    rf"(?:max\s*\(\s*{_BARS}\s*(?:w|θ|theta|weights?|params?)\w*\s*{_BARS}{_SUB}[^()]{{0,24}}\)"
    rf"|{_BARS}\s*(?:w|θ|theta|weights?|params?)\w*\s*{_BARS}{_SUB}"
    r"|(?:the\s+)?(?:weight|parameter)(?:'s|s)?\s+norm)"
)
_G = (
    rf"(?:{_BARS}\s*(?:g|grad|gradient|∇\w*|dw|δw)\w*\s*{_BARS}{_SUB}"
    r"|(?:the\s+)?grad(?:ient)?(?:'s|s)?\s+norm)"
)
_INVERTED = re.compile(
    rf"(?<![\w|‖])({_W})\s*/\s*({_G})"
    r"(?!\s*(?:<|≤|is\s+(?:below|less|smaller|under)|falls\s+below|drops\s+below))"
)
# in words: "it divides the weight's norm, max(norm of W, 1e-3), by the gradient's norm"
_ASIDE = r"(?:\s*,(?:[^,.;()]|\([^()]{0,40}\)){0,60}?,)?"
_WORDED = re.compile(rf"\bdivid(?:e|es|ing)\s+({_W}){_ASIDE}\s+by\s+({_G})")
_DENIED = re.compile(r"\bnot\b|n't\b|\bnever\b|rather\s+than|instead\s+of|\bunlike\b")
# "λ * max(||W||, ε) / ||G||", "λ max(...) / ||G||": a factor
_PRODUCT = re.compile(r"(?:[*×·]|\btimes|\bby|λ|\blambda)\s*\(?\s*$")  # "λ·(max(...) / ||g||)"
_SENTENCE_START = re.compile(r"[.!?;\n]\s")


def mark(text: str) -> str:
    """``text`` (lower case) with :data:`MARKER` after each ratio written upside down."""
    ends = []
    for m in [*_INVERTED.finditer(text), *_WORDED.finditer(text)]:
        starts = [s.end() for s in _SENTENCE_START.finditer(text, 0, m.start())]
        before = text[starts[-1] if starts else 0 : m.start()]
        if not (_DENIED.search(before) or _PRODUCT.search(before)):
            ends.append(m.end())
    for at in sorted(set(ends), reverse=True):
        text = f"{text[:at]} {MARKER} {text[at:].lstrip()}"
    return text
