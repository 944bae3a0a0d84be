"""AGC's clip told as "multiply the gradient by λ", marked: the factor is λ‖W‖/‖G‖, not λ.

"If the ratio is above λ it clips by multiplying the grad by λ" names the right test and a
wrong rescale: AGC multiplies the gradient by λ · max(‖W‖, 1e-3) / ‖G‖, so that the ratio
becomes λ; multiplied by λ alone, the ratio becomes λ times what it was. A phrase that
multiplies (or scales) the gradient by λ, or says it "is (simply) multiplied by λ", where the
factor ends at λ (at the end, a stop or a word such as "so" or "which"; not "by lambda /
ratio", "by λ * max(||w||, 1e-3) / ||g||", "by λ‖W‖/‖G‖", "by lambda times the ratio"), is
followed by :data:`MARKER`, a word a misconception of the bank can name. Reads the lower-cased
answer.
"""

from __future__ import annotations

import re

MARKER = "mislambdaed"  # after a gradient said to be multiplied by λ itself
_BY_LAMBDA = re.compile(
    r"(\b(?:multipl\w*|scal(?:e|es|ed|ing))\s+(?:(?:the|that|its|each|this)\s+)?"
    r"(?:unit'?s?\s+|row'?s?\s+)?(?:grad|gradient|g)s?(?:_i)?\s+by\s+(?:λ|lambda|lam)\b"
    r"|\b(?:grad|gradient|g)s?(?:_i)?\s+(?:is|are|gets?)\s+(?:(?:simply|just|then|only)\s+)?"
    r"(?:multiplied|scaled)\s+by\s+(?:λ|lambda|lam)\b)"
    r"(?=\s*(?:$|[.,;:!?)\n]|->|→|(?:so|which|then|when|if|to|instead)\b))"
)


def mark(text: str) -> str:
    """``text`` with :data:`MARKER` after each gradient multiplied by λ alone."""
    return _BY_LAMBDA.sub(rf"\1 {MARKER}", text)
