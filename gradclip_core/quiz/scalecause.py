"""scaler.update() said to follow the clip: the loss scale set by how much was clipped.

scaler.update() sets the next loss scale from one fact only, whether the step found inf or NaN
gradients; clipping plays no part. A fluent answer can give the whole procedure right and then
say "scaler.update() increases the loss scale whenever clipping has occurred" or "update()
decides the next scale from how strongly the gradients were clipped", the clip in a clause the
claims cannot join to the scale. A verb that sets the scale followed, in the same stretch of
words (no comma), by a clip is followed by :data:`MARKER`, a word the bank's misconceptions
name; not when its sentence names inf or NaN or denies it. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

MARKER = "misupdated"
_SETS = r"(?:increase|raise|lower|decrease|halve|double|grow|reduce|adjust|change|decide|set)"
_SCALE = r"(?:(?:the|its|their|next|new|loss|its\s+loss|the\s+loss|the\s+next)\s+){0,2}scale\b"
_TIED = re.compile(rf"\b{_SETS}[a-z]*\s+{_SCALE}[^.!?;,\n]{{0,60}}?\bclip[a-z]*")
_QUIET = re.compile(r"\b(?:not|never|no|n't|inf|nan|infinite|overflow|regardless|ignores?)\b")
_SENTENCE = re.compile(r"(?:[^.!?\n]|\.(?=\w))+")


def mark(text: str) -> str:
    """``text`` with :data:`MARKER` after each scale said to be set by the clip."""
    out = []
    for s in _SENTENCE.finditer(text):
        part = s.group()
        if not _QUIET.search(part):
            part = _TIED.sub(lambda m: f"{m.group()} {MARKER}", part)
        out.append((s.start(), s.end(), part))
    for start, end, part in reversed(out):
        text = text[:start] + part + text[end:]
    return text
