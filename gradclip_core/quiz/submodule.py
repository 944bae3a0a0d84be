"""What a clipping call is given, in answers: one submodule's parameters, not the model's.

"clip_grad_norm_(model.fc.parameters(), 1.0)" and "clip_grad_norm_(model.decoder.parameters(),
max_norm=1.0)" name the right function and the right place in the loop, yet clip one part of the
model and leave every other layer's gradients unclipped (the norm is taken over, and the
scaling applied to, only the tensors passed). Such a call is marked with :data:`MARKER`
("mislayered"), a word a misconception of the bank can name. ``model.module.parameters()`` (the
model inside a DDP or DataParallel wrapper) is the whole model and is not marked, and neither is
a layer's own variable ("layer.parameters()" in a loop over the layers, as AGC does). Reads the
lower-cased answer.
"""

from __future__ import annotations

import re

MARKER = "mislayered"  # after a clipping call given one submodule's parameters
_CALL = r"\bclip_grad_(?:norm|value)_?\s*\(\s*(?:parameters\s*=\s*)?"
_PART = (  # model.fc, self.model.decoder, net.layers[-1]: one attribute of the model, not .module
    r"(?:self\.)?(?:model|net|network)\.(?!module\b|parameters\b|named_parameters\b)\w+"
    r"(?:\[[^\]]*\])?(?:\.\w+(?:\[[^\]]*\])?)*?\.parameters\(\)"
)
_PASSED = re.compile(rf"({_CALL}{_PART}[^)]*\))")


def mark(text: str) -> str:
    """``text`` with each such call followed by :data:`MARKER`."""
    return _PASSED.sub(rf"\1 {MARKER}", text)
