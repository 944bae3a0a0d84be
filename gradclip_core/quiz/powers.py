"""Powers of numbers written with superscripts, in words ("1.1 to the power 100") and scientific
notation, read as plain numbers.

Answers written as mathematics put exponents up: "1.5^50 ≈ 6·10⁸", "1.1^100 ≈ 1.4 × 10^4",
"max(‖W‖, 10⁻³)", "a loss scale of 2¹⁶". Read word by word these are "6 10 8", "10 3" and "2 16",
numbers the answer never stated: arithmetic checks then find "1.5^50 ≈ 6" false, and "10⁻³"
reads as λ around 10. Before anything is checked, a mantissa times a power of ten ("6·10⁸",
"1.4 × 10^4", "3*10^-5", "6 times 10^8") is written in e-notation ("6e8", "1.4e4", "3e-5"), a
power of ten alone ("10⁻³", "10^-3") too ("1e-3"), and another number with a superscript
exponent as a power with "^" ("2¹⁶" -> "2^16"). Superscripts after letters ("‖g‖²", "Wᵀ")
are left as written. A sign bound at 0 is not the number zero ("nothing is set to zero"): "λ >
0" reads "λ positive", "0 < α" "α positive and", "α ∈ (0, 1]" "α in the unit interval". Reads
the lower-cased answer.
"""

from __future__ import annotations

import re

_UP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_EXP = r"(?:([⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)|\s*\^\s*\{?([-−+]?\d+)\}?)"  # "⁸", "^-3", "^{4}"
_SCIENTIFIC = re.compile(
    rf"(?<![\w.^])(\d+(?:\.\d+)?)\s*(?:·|×|\*|⋅|(?:x|times)(?=\s*10))\s*10{_EXP}"
)
_TEN = re.compile(rf"(?<![\w.^·×*⋅])10{_EXP}(?!\d|\.\d)")
_SIGNED = [  # "λ > 0", "0 < α ≤ 1", "α ∈ (0, 1]": a sign, not a value set to zero
    (re.compile(r"\s*(?:∈|\bin)\s*[(\[]\s*0\s*,\s*1\s*[)\]]"), " in the unit interval"),
    (re.compile(r"(?<![\w.])0\s*<\s*([a-zα-ω][\w′']*)"), r"\1 positive and "),
    (re.compile(r"\s*>\s*0(?!\d|[.,]\d)"), " positive"),
]
_POWER = re.compile(r"(?<![\w.^])(\d+(?:\.\d+)?)([⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)")


def _exponent(m: re.Match, at: int) -> str:
    up, plain = m.group(at), m.group(at + 1)
    return (up.translate(_UP) if up else plain.replace("−", "-")).lstrip("+")


_WORDED = re.compile(  # "1.1 to the power 100", "1.1 to the power of 100", "1.1 raised to 100"
    r"\b(\d+(?:\.\d+)?)\s+(?:to\s+the\s+(?:power|pow)(?:\s+of)?|raised\s+to(?:\s+the"
    r"(?:\s+power)?(?:\s+of)?)?)\s+(\d+)\b(?!\.\d)"
)


def mark(text: str) -> str:
    """``text`` (lower case) with powers of ten in e-notation and superscripts as "^"."""
    text = _SCIENTIFIC.sub(lambda m: f"{m.group(1)}e{_exponent(m, 2)}", text)
    text = _TEN.sub(lambda m: f"1e{_exponent(m, 1)}", text)
    for signed, words in _SIGNED:
        text = signed.sub(words, text)
    text = _WORDED.sub(r"\1^\2", text)  # "1.1 to the power 100" as "1.1^100"
    return _POWER.sub(lambda m: f"{m.group(1)}^{m.group(2).translate(_UP)}", text)
