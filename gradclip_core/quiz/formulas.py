"""Clipping formulas written in symbols, checked: a factor upside down, a wrong AGC floor.

A fluent answer can state the right rule and then write its formula wrong in one place:

- the clipping factor inverted: "every gradient is multiplied by total_norm / max_norm", "g <- g *
  ||g|| / c", "scales it by the (single) factor norm / threshold", or, for AGC, "multiplies the
  unit's gradient by ratio / lambda". The factor is the limit over the norm (max_norm / norm,
  lambda / ratio), below 1 when it acts; the norm over the limit would make the gradient grow. Each
  such formula, when it is what the gradient is multiplied or scaled by (not "scaled down by",
  which divides, nor a condition "norm / max_norm > 1"), is followed by :data:`INVERTED`; a name
  the answer gives the norm ("n = ||g||", "total = sqrt(...)") counts as the norm;
- AGC's weight norm floored at another number than 1e-3 ("max(||W||, 1e-6)", "the weight norm
  clamped at 1e-8"): each is followed by :data:`MISFLOORED`.

Both are words the bank's misconceptions name. Reads the lower-cased answer.
"""

from __future__ import annotations

import re
from functools import lru_cache

INVERTED = "misinverted"
MISFLOORED = "misfloored"
_BARS = r"(?:\|\||‖|\|)"
_NORM = (  # the gradient's norm, or AGC's ratio
    rf"(?:{_BARS}\s*(?:g|grad|gradient|g_i|∇\w*)\s*{_BARS}(?:_?2)?"
    r"|total_norm|total[ _]norm|grad_norm|gnorm|the\s+(?:total\s+|gradient\s+)?norm|norm|ratio|r)"
)
_LIMIT = (
    r"(?:max_norm|max[ _]norm|the\s+threshold|threshold|the\s+limit|limit|clip_value"
    r"|c|tau|τ|lambda|λ|lam)"
)
_BY = (  # what the gradient is multiplied by
    r"(?:(?<![\w.])(?:multipl\w*|(?:re)?scal(?:e|es|ed|ing)(?!\s+(?:it\s+|them\s+)?down))"
    r"\s+(?:[\w.'_]+\s+){0,4}?by\s+(?:(?:the|a|one)\s+)?(?:(?:single|same|common|one)\s+)?"
    r"(?:(?:factor|scalar|coefficient)\s+(?:of\s+)?)?"
    r"|(?:[\w.\]_)]|\|\||‖)\s*(?:\*|×|·|\*=)\s*|\bfactor\s+(?:is|of|=|:)\s*|\btimes\s+)"
)
_FACTOR = re.compile(  # not a condition: "norm / max_norm > 1"
    rf"{_BY}\(?\s*({_NORM})\s*/\s*({_LIMIT})\b(?!\s*(?:[<>≤≥]|exceeds|is\s+above))"
)
_FLOOR = re.compile(  # "max(||w||, 1e-6)", "max(‖W_i‖, 1e-8)", "weight norm floored at 1e-6"
    rf"max\s*\(\s*{_BARS}?\s*w[\w,]*\s*{_BARS}?[^,()]{{0,12}},\s*({{num}})"
    rf"|(?:{_BARS}\s*w[\w,]*\s*{_BARS}|weight(?:'s)?\s+norm)\s+(?:is\s+)?"
    rf"(?:floored|clamped|bounded\s+below)\s+(?:at|to|by)\s+({{num}})".replace(
        "{num}", r"\d+(?:\.\d+)?e-?\d+|0\.0*\d+|10\s*\^\s*-\s*\d+"
    )
)


# a name the answer gives the norm: "n = ||g||", "total = sqrt(sum of squares)", "gn = g.norm()"
_NAMED = re.compile(
    rf"(?<![\w.])([a-z]\w{{0,11}})\s*(?:=|:=|<-|←)\s*(?:{_BARS}|sqrt\b|√|(?:torch\.)?(?:linalg\.)?"
    r"(?:vector_)?norm\s*\(|[\w.]*\.norm\s*\(|(?:torch\.nn\.utils\.)?clip_grad_norm_?\s*\()"
)
_NOT_NAMES = {"g", "grad", "p", "w", "x", "y", "i", "loss", "max_norm", "c", "lam", "tau", "limit"}


@lru_cache(maxsize=64)
def _factor(names: str) -> re.Pattern:
    """:data:`_FACTOR`, with ``names`` (alternatives) read as the norm too."""
    if not names:
        return _FACTOR
    norm = rf"(?:{_NORM}|(?<![\w.])(?:{names})(?![\w.(]))"
    return re.compile(
        rf"{_BY}\(?\s*({norm})\s*/\s*({_LIMIT})\b(?!\s*(?:[<>≤≥]|exceeds|is\s+above))"
    )


def _value(said: str) -> float:
    said = re.sub(r"\s+", "", said)
    if "^" in said:
        return 10.0 ** float(said.split("^")[1])
    return float(said)


def mark(text: str) -> str:
    """``text`` (lower case) with a marker after each inverted factor and each wrong floor."""
    names = sorted({m.group(1) for m in _NAMED.finditer(text)} - _NOT_NAMES, key=len)[::-1]
    factor = _factor("|".join(re.escape(n) for n in names))
    ends = [(m.end(), INVERTED) for m in factor.finditer(text)]
    for m in _FLOOR.finditer(text):
        said = m.group(1) or m.group(2)
        if abs(_value(said) - 1e-3) > 1e-12:
            ends.append((m.end(), MISFLOORED))
    for at, word in sorted(ends, reverse=True):
        text = f"{text[:at]} {word} {text[at:].lstrip()}"
    return text
