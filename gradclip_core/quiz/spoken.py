"""Code and numbers said aloud, as in a transcribed interview, read as they are written.

A spoken answer says the calls it names word by word: "loss dot backward", "torch dot nn dot
utils dot clip grad norm underscore", "scaler dot unscale underscore of optimizer", "the dot grad
tensors". Read as words, "clip grad norm" is a clip of a norm ("clip grad norm underscore
returns the total norm" claimed that it returns the clipped norm) and "dot backward" no call at
all. So a name that ends in "underscore" is written with underscores ("clip_grad_norm_"), and
"dot" between two words of a dotted name is a dot ("loss.backward"; never in "dot product").
In an answer that spells its calls so, "max norm" is the argument max_norm too.

Numbers said aloud are written as numbers where nothing else can be meant: a decimal ("point
five", "point oh one", "one point oh", "zero point one": 0.5, 0.01, 1.0, 0.1) and a power of ten
("one e minus three": 1e-3). A lone "one" is left alone: "one factor", "the same one". Reads the
raw answer, before it is lowercased.
"""

from __future__ import annotations

import re

_DIGITS = {
    "zero": "0",
    "oh": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_TENS = {"ten": "10", "twenty": "20", "thirty": "30", "fifty": "50", "hundred": "100"}
_DIGIT = "|".join(_DIGITS)
_WHOLE = "|".join([*_DIGITS, *_TENS])
# "clip grad norm underscore", "unscale underscore of optimizer"
_NAMES = re.compile(
    r"\b(clip(?:\s+|_)grad(?:\s+|_)(?:norm|value)|unscale|zero(?:\s+|_)grad|clamp|mul|div)"
    r"\s+underscore\b",
    re.IGNORECASE,
)
# "loss dot backward", "torch dot nn", "the dot grad": a dotted name, not "a dot product"
_DOT = re.compile(r"(?<![\w.])([A-Za-z_][\w.]*)?\s+dot\s+(?!products?\b)([A-Za-z_]\w*)")
_FIRST_WORDS = re.compile(r"^(?:the|a|an|its|their|each|every|that|this)$", re.IGNORECASE)
_DECIMAL = re.compile(
    rf"\b(?:({_WHOLE})\s+)?point((?:\s+(?:{_DIGIT})\b)+)(?!\s+(?:of|is|where|at|in)\b)",
    re.IGNORECASE,
)
# "optimizer zero grad", "call zero grad": the call (not "a zero grad", "set the grad to zero")
_ZERO_GRAD = re.compile(r"\b(a\s+|the\s+|to\s+)?zero\s+grad\b(?!s|ient)", re.IGNORECASE)
_NOUN_LEADS = re.compile(
    r"^(?:the|a|this|that|some|any|each|every|which|what|one|no|key|main)$", re.I
)
_POWER = re.compile(rf"\b({_DIGIT})\s+e\s+(minus|negative)\s+({_DIGIT})\b", re.IGNORECASE)


def _name(m: re.Match[str]) -> str:
    return re.sub(r"\s+", "_", m.group(1).lower()) + "_"


def _dot(m: re.Match[str]) -> str:
    first, then = m.group(1), m.group(2)
    if not first or _FIRST_WORDS.match(first):  # "the dot grad tensors": ".grad"
        return f"{first + ' ' if first else ' '}.{then}"
    return f"{first}.{then}"


def _decimal(m: re.Match[str]) -> str:
    whole = m.group(1)
    before = m.string[: m.start()].split()[-1:]
    if not whole and before and _NOUN_LEADS.match(before[0]):  # "at this point one sees"
        return m[0]
    whole = _DIGITS.get(whole.lower()) or _TENS.get(whole.lower()) if whole else "0"
    digits = "".join(_DIGITS[d.lower()] for d in m.group(2).split())
    return f"{whole}.{digits}"


def _power(m: re.Match[str]) -> str:
    return f"{_DIGITS[m.group(1).lower()]}e-{_DIGITS[m.group(3).lower()]}"


def expand(text: str) -> str:
    """``text`` with spoken names of calls and spoken decimals written as code and numbers."""
    if not re.search(r"\b(?:underscore|dot|point|e\s+minus|zero\s+grad)\b", text, re.IGNORECASE):
        return text
    if _NAMES.search(text):  # an answer that spells its calls aloud says "max norm" for max_norm
        text = re.sub(r"\bmax\s+norm\b(?!\s*\()", "max_norm", _NAMES.sub(_name, text), flags=re.I)
    text = _ZERO_GRAD.sub(lambda m: m[0] if m[1] else "zero_grad", text)
    for _ in range(4):  # "torch dot nn dot utils dot clip_grad_norm_"
        text, n = _DOT.subn(_dot, text)
        if not n:
            break
    text = _POWER.sub(_power, text)
    return _DECIMAL.sub(_decimal, text)
