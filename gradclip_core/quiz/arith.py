"""Stated arithmetic in answers, checked: "1/50 = 0.05", "0.5 × 65536 = 131072".

A fluent worked example can carry one false number in words that all sound right ("clipping
multiplies all gradients by 1/50 = 0.05"; "the factor is 0.01/0.05 = 0.5"). :mod:`.examples`
checks vectors and compounding, :mod:`.scalars` a clipping factor only when norm, limit and
factor share a sentence; neither checks a plain equality. This module does: each ``a OP b
(=|≈|~|is) c`` (or a printed ``print(a OP b)  # c`` with its result in a comment) with numbers
a, b, c and OP one of / ÷ × x * · ^ ** whose c is off from a OP b is followed by
:data:`MARKER` ("miscomputed", the word the bank's misconceptions name), as a word of its own.

A result written with d decimals is accepted when it rounds to the true value at d decimals, or
is within :data:`REL` of it ("2/6.34 ≈ 0.315", "1.1^100 ≈ 13,800"); a result in words of
thousands ("1.2^100 is about 83 million", "2^20, about a million" is not a number) is read in
those units, and ", about N" states a result like "≈ N"; one in scientific notation
when its mantissa rounds to the true one at the digits written ("1.5^50 ~ 6e8"). In a chain
"a/b = c = d" only c is checked; an operand that is part of a longer product ("0.01 × 2.0 / 0.1
= 0.2") is not checked at all. Supposing does not matter: arithmetic is true or false whatever
is supposed. A result told in words after the number named last before it ("the norm is 32768;
unscale_ divides it by 65536, giving 2") is checked the same way.
Reads the lower-cased answer.
"""

from __future__ import annotations

import re

MARKER = "miscomputed"
REL = 0.02  # relative tolerance
_N = r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?(?:e[-+]?\d+)?)"
_OPS = {"/": "div", "÷": "div", "×": "mul", "x": "mul", "*": "mul", "·": "mul"}
_OPS |= {"^": "pow", "**": "pow"}
_WORDS = "|".join(("thousand", "million", "billion"))
_EQ = re.compile(
    rf"(?<![\w.,/^*])-?{_N}\s*(\*\*|\^|/|÷|×|·|\*|x(?=\s*\d))\s*-?{_N}"
    r"(?:\s*(?:=|≈|~|\bis\b|\bequals\b|,(?=\s*(?:about|roughly|approximately|around|nearly)\b))"
    r"|\s*\)\s*#\s*(?:[=≈~]\s*)?)"  # "print(1.1 ** 100)  # ~110"
    r"\s*(?:about\s+|roughly\s+|approximately\s+|around\s+|nearly\s+|only\s+|just\s+)?"
    rf"-?{_N}(?![\d.]*\d)(\s*%)?(?!\s*(?:/|\*|×|\^))(?:\s*({_WORDS})\b)?"
)
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9}  # "1.2^100 is about 83 million"
_CHAINED = re.compile(r"(?:\*\*|\^|/|÷|×|·|\*|\bx|[-+])\s*$")  # an operand of a longer product


def _num(s: str) -> float:
    return float(s.replace(",", ""))


def _true(a: float, op: str, b: float) -> float | None:
    kind = _OPS[op]
    if kind == "div":
        return a / b if b else None
    if kind == "mul":
        return a * b
    try:
        value = a**b
    except ArithmeticError:  # "1e300 ** 2", "0 ** -1": no float to compare with
        return None
    return value if isinstance(value, float) else None  # "(-8) ** 0.5" is complex


def _ok(said_text: str, said: float, true: float) -> bool:
    if abs(said - true) <= REL * max(abs(true), 1e-12):
        return True
    mantissa, _, exp = said_text.partition("e")  # "6e8": as precise as its mantissa is written
    places = len(mantissa.split(".")[1]) if "." in mantissa else 0
    if exp:
        try:  # "6e999", "6e-999": past float's range, so never the value
            return round(true / 10.0 ** int(exp), places) == round(float(mantissa), places)
        except ArithmeticError:
            return False
    return places > 0 and round(true, places) == round(said, places)


def mark(text: str) -> str:
    """``text`` with :data:`MARKER` (as a word) after each false stated equality."""
    found = []
    for m in _EQ.finditer(text):
        if _CHAINED.search(text[: m.start()]):
            continue
        a, op, b, c, pct, scale = m.groups()
        true = _true(_num(a), op, _num(b))
        if true is None:
            continue
        if scale:  # "about 83 million": as precise as "83" is written, in millions
            true /= _SCALES[scale]
        if not _ok(c, _num(c) / (100 if pct else 1), true):
            found.append(m.end())
    found += _verbal(text)
    for at in sorted(set(found), reverse=True):
        text = f"{text[:at]} {MARKER} {text[at:].lstrip()}"
    return text


# "the stored norm is 32768; unscale_ divides it by 65536, giving 2": the number named last
# before, divided (or multiplied) in words, with its result
_VERBAL = re.compile(
    rf"(?<![\w.,]){_N}(?![\d.,]*\d)(?P<gap>(?:(?!\.\s)[^!?\n\d]){{0,60}}?)\b(divid|multipl)\w*\s+"
    rf"(?:it|them|this|that|the\s+(?:norm|gradients?|grads?|value|number))\s+by\s+{_N}\s*,?\s*"
    rf"(?:giving|to\s+get|which\s+gives|yielding|gives|=|and\s+gets?)\s+"
    rf"(?:about\s+|roughly\s+|approximately\s+)?{_N}(?![\d.]*\d|\s*[x×*/^(])"
)


def _verbal(text: str) -> list[int]:
    """Ends of the false results of arithmetic told in words (see :data:`_VERBAL`)."""
    found = []
    for m in _VERBAL.finditer(text):
        a, _, verb, b, c = m.groups()
        true = _true(_num(a), "/" if verb == "divid" else "*", _num(b))
        if true is not None and not _ok(c, _num(c), true):
            found.append(m.end())
    return found
