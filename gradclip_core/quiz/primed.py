"""An activation's derivative written with a prime, read as words: "tanh' <= 1".

"tanh' is at most 1, which can damp the growth" speaks of tanh's derivative, not of tanh: the
prime would otherwise be dropped with the other punctuation, leaving "tanh is at most 1" (tanh
bounds the activations, its derivative damps the gradient: two different claims). An
activation's name (tanh, sigmoid, σ, relu, φ) followed by a prime ("'" or "′", not "'s" and not
closing a quote it opened) is read as "<name> derivative". Reads the lower-cased answer.
"""

from __future__ import annotations

import re

_PRIMED = re.compile(r"(?<!['‘\w])(tanh|sigmoid|σ|relu|φ|phi)(?:'|′)(?!s\b|[a-z])")


def mark(text: str) -> str:
    """``text`` with each primed activation read as its derivative."""
    return _PRIMED.sub(r"\1 derivative ", text)
