"""Call arguments in answers: the parameters handed to a call are its input, not a claim.

"clip_grad_value_(params, clip_value=1.0) is a clamp on every element" and "clip_grad_norm_(
model.parameters(), 1.0)" pass the model's parameters to the call; read word by word,
"params" is "weights", and the sentence would seem to say that the clamp acts on the weights.
So the first argument of a call, when it is just the parameters ("params", "parameters",
"model.parameters()", "net.parameters()", ...), is dropped from what is read; a narrower one
("model.fc.parameters()") is kept, it says what is clipped. Runs after the checks of
:mod:`.marks`, which read the whole call. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

_PARAMS = re.compile(
    r"(?<=\w\()\s*(?:(?:self|model|net|module|network)\.)?"
    r"(?:params|parameters|model_params|model_parameters)(?:\(\))?(?:[,\s]\s*|(?=\)))"
)


def strip(text: str) -> str:
    """``text`` with the parameters passed as a call's first argument left out."""
    return _PARAMS.sub("", text)
