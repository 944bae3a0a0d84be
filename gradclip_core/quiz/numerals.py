"""Numbers in worked examples read as numbers, not as the words they resemble.

- "0.01 x 2 = 0.02", "λ·‖W‖ = 0.1 x 5": an "x" between two numbers is a product, written "×"
  before anything is checked, so the arithmetic is read as such and the claims see "multiply"
  ("scaled to norm 0.01 x 2" is λ times the weight norm, not "norm λ").
- "(0, 5)", "(0.0, 0.1)": a zero entry of a vector that is not all zeros is a coordinate, not
  "zero" (the word of "clipping sets gradients to zero"); after the checks it is written "00",
  a number no claim names. "non-zero" reads as one word, "nonzero", for the same reason.
- "if step % 100 == 0:", "while n != 0", "dim=0": a zero compared with is a test, and a zero
  dimension an axis, not gradients set to zero; after the checks it is written "00" too.
- "skipping step 3 means ...": in an answer that numbers its lines ("3. scaler.unscale_(...)"),
  "step 3" names its own item 3, not ``optimizer.step()``; it is written "item 3".

:func:`products` reads the lower-cased answer before the checks, :func:`entries` after them.
"""

from __future__ import annotations

import re

_PRODUCT = re.compile(r"(?<=[\d)])\s*\bx\s*(?=[\d(])|(?<=\d)x(?=\s+\d)")  # "0.1 x 5", "2x 3"
_VECTOR = re.compile(r"[(\[]\s*-?\d+(?:\.\d+)?(?:\s*,\s*-?\d+(?:\.\d+)?)+\s*[)\]]")
_ZERO = re.compile(r"(?<![\d.])-?0(?:\.0+)?(?![\d.]*\d)")
_NONZERO = re.compile(r"\bnon[- ]?zero\b")
_ITEM = re.compile(r"\bstep\s+([1-9])\b(?![.,]\d)")  # "skipping step 3"
_TESTED = re.compile(r"([=!]=|\b(?:dim|axis)\s*=)(\s*)0(?![\d.])")  # "== 0", "dim=0"


def products(text: str) -> str:
    """``text`` with each "x" between two numbers written "×"."""
    return _PRODUCT.sub(" × ", text)


def _entries(m: re.Match) -> str:
    vector = m.group()
    values = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", vector)]
    return vector if not any(values) else _ZERO.sub("00", vector)


def entries(text: str) -> str:
    """``text`` with the zero entries of vectors not all zero and a zero compared with ("== 0")
    written "00", "non-zero" as "nonzero", and "step 3" of a numbered list as "item 3"."""
    text = _TESTED.sub(r"\g<1>\g<2>00", text)
    numbered = set(re.findall(r"(?:^|\n)\s*([1-9])[.)]\s", text))  # "3. ...", "3) ..."
    text = _ITEM.sub(lambda m: f"item {m[1]}" if m[1] in numbered else m[0], text)
    return _NONZERO.sub("nonzero", _VECTOR.sub(_entries, text))
