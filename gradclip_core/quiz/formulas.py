"""Clipping formulas written in symbols, checked: a factor upside down, a wrong AGC floor.

A fluent answer can state the right rule and then write its formula wrong in one place:

- the clipping factor inverted: "every gradient is multiplied by total_norm / max_norm", "g <- g *
  ||g|| / c", "scales it by the (single) factor norm / threshold", or, for AGC, "multiplies the
  unit's gradient by ratio / lambda". The factor is the limit over the norm (max_norm / norm,
  lambda / ratio), below 1 when it acts; the norm over the limit would make the gradient grow. Each
  such formula, when it is what the gradient is multiplied or scaled by (not "scaled down by",
  which divides, nor a condition "norm / max_norm > 1"), is followed by :data:`INVERTED`; a name
  the answer gives the norm ("n = ||g||", "total = sqrt(...)") counts as the norm;
- AGC's weight norm floored at another number than 1e-3 ("max(||W||, 1e-6)", "max(‖W‖, ε) with
  ε = 1e-6", "the weight norm
  clamped at 1e-8"): each is followed by :data:`MISFLOORED`;
- AGC's ratio of squared norms ("‖G_i‖²/max(‖W_i‖, 1e-3)²"): followed by :data:`SQUARED`;
- AGC said to clip a gradient to its weight's norm, with no λ ("so that ‖G_i‖ = ‖W_i‖"):
  followed by :data:`TARGETED`.

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
_NUMBER = r"\d+(?:\.\d+)?e-?\d+|0\.0*\d+|10\s*\^\s*-\s*\d+"
_EPS = r"(?:ε|ϵ|eps(?:ilon)?)"
SQUARED = "missquared"  # AGC's ratio taken of squared norms: "‖G_i‖²/max(‖W_i‖, 1e-3)²"
_SQUARED = re.compile(
    rf"{_BARS}\s*g[\w,]*\s*{_BARS}(?:_?\{{?[2f]\}}?|₂)?\s*(?:²|\^\s*2|\*\*\s*2)\s*/\s*(?:max\s*\(\s*)?"
    rf"{_BARS}\s*w[^()/]{{0,24}}(?:\))?\s*(?:²|\^\s*2|\*\*\s*2)"
)
TARGETED = "mistargeted"  # AGC said to clip to the weight's norm: "so that ‖G_i‖ = ‖W_i‖"
_TARGET = re.compile(
    rf"\b(?:so\s+that|so|until|such\s+that|to\s+make|making)\s+{_BARS}\s*(?:g|∇)[\w,]*\s*{_BARS}"
    rf"(?:_?\{{?[2f]\}}?|₂)?\s*(?:=|becomes|equals)\s*(?:max\s*\(\s*)?{_BARS}\s*w[\w,]*\s*{_BARS}"
    r"(?![|‖])(?:_?\{?[2f]\}?|₂)?(?:\s*,\s*[\w.-]+\s*\))?(?!\s*[·*×/⋅]|\s*\w)"
)
_NAMED_FLOOR = re.compile(rf"max\s*\(\s*{_BARS}?\s*w[\w,]*\s*{_BARS}?[^,()]{{0,12}},\s*{_EPS}\s*\)")
_EPS_SET = re.compile(rf"(?<![\w.]){_EPS}\s*(?:=|:=|is|of)\s*({_NUMBER})")  # "with ε = 1e-6"


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
    if _NAMED_FLOOR.search(text):  # "max(‖W_i‖, ε) with ε = 1e-6": the floor by its name
        said = [m for m in _EPS_SET.finditer(text)]
        if said and all(abs(_value(m.group(1)) - 1e-3) > 1e-12 for m in said):
            ends += [(m.end(), MISFLOORED) for m in said]
    ends += [(m.end(), SQUARED) for m in _SQUARED.finditer(text)]
    ends += [(m.end(), TARGETED) for m in _TARGET.finditer(text)]
    for at, word in sorted(ends, reverse=True):
        text = f"{text[:at]} {word} {text[at:].lstrip()}"
    return text
