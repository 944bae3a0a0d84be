"""An accumulation loop that steps on the first micro-batch: ``i % accum == 0`` with a 0-based i.

"for i, (x, y) in enumerate(loader): ... if i % accum == 0: clip; opt.step()" is true at i = 0,
so the first update uses a single micro-batch and every window after it is shifted by one; the
test that closes a window of ``accum`` micro-batches is ``(i + 1) % accum == 0`` (or
``enumerate(loader, 1)``). Such a test that guards the step or the clip, in a loop over
``enumerate(...)`` that counts from 0, is followed by :data:`MARKER` ("miswindowed"), a word a
misconception of the bank can name. An ordinal one short of the count, "the (K−1)-th
micro-batch", "the (n-1)th", is read as "the penultimate" (word by word it is only "k th").
Reads the lower-cased answer.
"""

from __future__ import annotations

import re

MARKER = "miswindowed"
_LOOP = re.compile(r"\bfor\s+(\w+)\s*,[^\n]*\benumerate\(([^\n]*)\)\s*:")
_SHORT = re.compile(
    r"\(\s*([a-z])\s*[-−]\s*1\s*\)\s*-?\s*(?:th|st)\b|\b([a-z])\s*[-−]\s*1\s*-\s*th\b"
)
_TEST = r"\bif\s+\(?\s*{var}\s*%\s*\w+\s*\)?\s*==\s*0\s*:"


def mark(text: str) -> str:
    """``text`` with :data:`MARKER` after each window test that fires on micro-batch 0."""
    text = _SHORT.sub("penultimate", text)  # "the (k-1)-th micro-batch"
    loop = _LOOP.search(text)
    if loop is None or re.search(r",\s*(?:start\s*=\s*)?1\b", loop[2]):
        return text  # no 0-based counter: "enumerate(loader, 1)" counts from 1
    test = re.compile(_TEST.format(var=re.escape(loop[1])))
    head, tail = text[: loop.end()], text[loop.end() :]
    return head + test.sub(lambda m: f"{m[0]} {MARKER}" if _steps(tail, m.end()) else m[0], tail)


def _steps(text: str, at: int) -> bool:
    """Whether the test at ``at`` guards the step or the clip (on its line or the next two), not
    a ``zero_grad()`` that opens a window: "if i % accum == 0: opt.zero_grad()" is right."""
    ahead = "\n".join(text[at:].split("\n")[:3])
    return bool(re.search(r"\bstep\(|\bclip_grad_", ahead))
