"""What a clipping call is given, in answers: one submodule's parameters, not the model's.

"clip_grad_norm_(model.fc.parameters(), 1.0)" and "clip_grad_norm_(model.decoder.parameters(),
max_norm=1.0)" name the right function and the right place in the loop, yet clip one part of the
model and leave every other layer's gradients unclipped (the norm is taken over, and the
scaling applied to, only the tensors passed). Such a call is marked with :data:`MARKER`
("mislayered"), a word a misconception of the bank can name. ``model.module.parameters()`` (the
model inside a DDP or DataParallel wrapper) is the whole model and is not marked, and neither is
a layer's own variable ("layer.parameters()" in a loop over the layers, as AGC does), nor a call
the answer says clips one part on purpose: a comment on its line that says so ("# only encoder
grads"), a sentence just before it ("you can clip just part of the model too:") or one anywhere
that names the part clipped alone ("only the encoder's gradients are clipped"). Reads the
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


# a part clipped on purpose: "# only encoder grads", "clip just part of the model too:"
_MEANT = re.compile(
    r"#[^\n]*\b(?:only|just)\s+(?:the\s+)?\w+(?:'s)?\s+(?:grads?|gradients?|params)\b"
)
_CHOSEN = re.compile(
    r"\b(?:just|only)\s+(?:a\s+)?(?:part|parts|some|a subset|certain)\b|\bpart of the model\b"
)


def mark(text: str) -> str:
    """``text`` with each such call followed by :data:`MARKER`."""
    return _PASSED.sub(lambda m: m[0] if _meant(text, m) else f"{m[1]} {MARKER}", text)


def _meant(text: str, m: re.Match) -> bool:
    """Whether the answer says the call clips one part on purpose (see the module docstring)."""
    line_end = text.find("\n", m.end())
    rest = text[m.end() : line_end if line_end >= 0 else len(text)]
    if _MEANT.search(rest) or _CHOSEN.search(text[max(0, m.start() - 200) : m.start()]):
        return True
    part = re.search(r"(?:model|net|network)\.(\w+)", m[0])  # "only the encoder's gradients"
    named = rf"\b(?:only|just)\s+(?:the\s+)?{part[1]}\b(?:'s)?(?:\s+\w+)?\s+(?:grad|param)"
    return bool(part and re.search(named, text))
