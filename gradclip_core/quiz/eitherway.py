"""A sentence led by "either way" goes on from a choice just named; it says nothing is the same.

"If you use GradScaler too: ... . Either way, clipping happens exactly once per real update"
and "Either way you write it, clip_grad_norm_ or gradient_clip_val, it caps the norm" say what
holds whichever way was named before; they do not claim that two ways of clipping give the same
result, as "clipping each micro-batch gives the same update either way" does. So "either way" /
"in either case" that leads a sentence (or a line) is read as "anyway", which no misconception
names as a sameness, and so is one right after "but" ("older versions did x, but either way
backward() adds into .grad"); at the end of a clause it is left as said. Reads the lower-cased
answer.
"""

from __future__ import annotations

import re

_LEADING = re.compile(
    r"(?:(?<=[.!?;:\n])|^|(?<=\bbut\s))(\s*(?:-\s*|\*\s*)?)(?:either\s+way|in\s+either\s+case)\b"
)


def mark(text: str) -> str:
    """``text`` with "either way" that leads a sentence read as "anyway"."""
    return _LEADING.sub(r"\1anyway", text)
