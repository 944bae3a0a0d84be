"""Gradients zeroed on every micro-batch in an accumulation loop written as code.

    for i, batch in enumerate(loader):
        optimizer.zero_grad()
        (model(batch) / accum).backward()
        if (i + 1) % accum == 0:
            clip_grad_norm_(...); optimizer.step()

clips and steps once per update, as asked, but its zero_grad() runs on every micro-batch, next
to backward() and outside the "if ... % ...:" that holds the step: .grad never holds more than
one micro-batch, so nothing is accumulated. Such an answer is followed by :data:`MISZEROED`, a
word the bank's misconceptions name. Reads the lower-cased answer's lines (code keeps them).
"""

from __future__ import annotations

import re

MISZEROED = "miszeroed"
_EVERY_KTH = re.compile(r"^\s*if\b[^\n]*%[^\n]*:\s*(?:#.*)?$")  # "if (i + 1) % accum == 0:"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _block(lines: list[str], k: int, depth: int) -> list[str]:
    """The lines around line ``k`` at indentation ``depth``, up to a line indented less."""
    out = []
    for step in (-1, 1):
        n = k + step
        while 0 <= n < len(lines) and (not lines[n].strip() or _indent(lines[n]) >= depth):
            if lines[n].strip() and _indent(lines[n]) == depth:
                out.append(lines[n])
            n += step
    return out


def mark(text: str) -> str:
    """``text`` with :data:`MISZEROED` after it when its loop zeroes every micro-batch."""
    lines = text.split("\n")
    for k, line in enumerate(lines):
        if not _EVERY_KTH.match(line):
            continue
        depth = _indent(line)
        body = []
        for nxt in lines[k + 1 :]:
            if nxt.strip() and _indent(nxt) <= depth:
                break
            body.append(nxt)
        siblings = _block(lines, k, depth)
        if (
            depth > 0
            and any(".step(" in b for b in body)
            and any("zero_grad(" in s for s in siblings)
            and any("backward(" in s for s in siblings)
        ):
            return f"{text}\n{MISZEROED}."
    return text
