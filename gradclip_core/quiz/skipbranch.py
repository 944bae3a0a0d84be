"""Code that handles a bad batch and leaves the iteration, read as an aside.

    loss.backward()
    if not torch.isfinite(loss):
        optimizer.zero_grad(set_to_none=True)   # bad batch: drop it
        continue
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()

The ``zero_grad()`` in the branch never runs before the step: the branch leaves the iteration
(``continue``, ``return``, ``break`` or ``raise``), and the step runs only when the branch is
not taken. Read line by line, though, it stands between backward() and step(), the order that
wipes the gradients before the step. So the body of an ``if`` / ``elif`` / ``else`` /
``except`` whose last statement leaves, and that does something before leaving, is dropped
before the answer is read. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

_HEAD = re.compile(r"^\s*(?:if|elif|else|except)\b[^\n]*:\s*(?:#[^\n]*)?$")
_EXIT = re.compile(r"(?:continue|return|break|raise)\b")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def mark(text: str) -> str:
    """``text`` without the bodies of the branches that leave the iteration."""
    lines = text.split("\n")
    dropped: set[int] = set()
    for k, line in enumerate(lines):
        if not _HEAD.match(line):
            continue
        body = []
        for n in range(k + 1, len(lines)):
            if lines[n].strip() and _indent(lines[n]) <= _indent(line):
                break
            body.append(n)
        code = [n for n in body if lines[n].strip() and not lines[n].strip().startswith("#")]
        if len(code) >= 2 and _EXIT.match(lines[code[-1]].strip()):
            dropped.update(body)
    return "\n".join(line for n, line in enumerate(lines) if n not in dropped)
