"""Signs read as words: "∇W_i" is the gradient of W_i, not W_i; "‖·‖-clipping" is norm clipping.

Answers in symbols write a gradient as "∇L", "∇θL", "∇W_i" or "∇_{W_i}L". The reader drops
signs, so "rescale ∇W_i" would read "rescale W_i" (the weights) and "‖∇W_i‖ / ‖W_i‖" a ratio
of weights. Run after the formula checks (:mod:`.updates`, :mod:`.ratios`, ... read "∇"
themselves), each "∇" with what it differentiates becomes the word "grad" (so no weight is read
in "∇W_i"), and a norm of a placeholder ("‖·‖", "||.||"),
which would read as "multiply", the word "norm". Reads the lower-cased answer.
"""

from __future__ import annotations

import re

_NABLA = re.compile(r"\s*∇\s*(?:_\{[^}]{0,12}\}|_[\w']+)?[\w'θ]*")  # "∇W_i", "∇_{W_i}L", "∇θL"
_BLANK_NORM = re.compile(r"(?:‖|\|\|)\s*[·.∙⋅]\s*(?:‖|\|\|)(?:_?2|₂)?")


def mark(text: str) -> str:
    """``text`` with each gradient sign written as the word "grad", a blank norm as "norm"."""
    return _NABLA.sub(" grad ", _BLANK_NORM.sub(" norm ", text))
