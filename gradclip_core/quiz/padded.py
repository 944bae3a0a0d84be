"""AGC's weight norm written with a constant added, marked: a sum where the rule takes a max.

AGC divides a unit's gradient norm by max(||W_i||, 1e-3): the 1e-3 is a floor, reached only by
a weight norm below it. A fluent answer can name every part right and still write the
denominator as a sum, in symbols the bank's word claims do not read (the tokenizer drops "+"):
"||G_i|| / (||W_i|| + 1)", "(1 + ||W||)", "w_norm + eps", "the weight norm + 1e-3". Each weight
norm with a number or an epsilon added, on either side, is followed by :data:`MARKER`, a word
a misconception of the bank names. Reads the lower-cased answer, before it is split into words.
"""

from __future__ import annotations

import re

MARKER = "mispadded"
_BARS = r"(?:\|\||‖)"
_W = (  # "||W_i||", "‖w‖_2", "w_norm", "the weight norm"
    rf"(?:{_BARS}\s*(?:w|θ|theta|weights?|params?)\w*\s*{_BARS}(?:_?\w+)?"
    r"|\b(?:w_norm|wnorm|weight_norm|param_norm|p_norm)\b|\bweight(?:'s|s)?\s+norm)"
)
_CONST = r"(?:\d+(?:\.\d+)?(?:e-?\d+)?|eps\w*|ε|epsilon)"
_PADDED = re.compile(rf"{_W}\s*\+\s*{_CONST}\b|(?<![\w.^*/]){_CONST}\s*\+\s*{_W}")


def mark(text: str) -> str:
    """``text`` (lower case) with :data:`MARKER` after each weight norm with a constant added."""
    for m in reversed(list(_PADDED.finditer(text))):
        text = f"{text[: m.end()]} {MARKER} {text[m.end() :].lstrip()}"
    return text
