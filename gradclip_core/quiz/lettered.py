"""Steps labelled by letters, "(a) zero the gradients; (b) forward ...; (c) loss.backward()",
read as steps labelled by numbers.

A label "(c)", "(d)", "(e)" reads as a word ("c" is a threshold in many answers, "a" and "e" are
stop words or letters), so a listed procedure labelled by letters lost the order of its calls.
When an answer labels at least three items "(a)", "(b)", "(c)", ... in alphabetical order, every
such label (and a later reference to one, "steps (c)-(d)-(e)") reads as its number: "(3)".
Reads the lower-cased answer.
"""

from __future__ import annotations

import re

_LABEL = re.compile(r"\(([a-h])\)")
_MIN_ITEMS = 3  # labels "(a)", "(b)", "(c)" in order before any is renumbered


def mark(text: str) -> str:
    """``text`` with letter labels of a listed procedure read as numbers."""
    letters = [m.group(1) for m in _LABEL.finditer(text)]
    run = 0
    for letter in letters:
        if letter == chr(ord("a") + run):
            run += 1
        elif run >= _MIN_ITEMS:
            break
    if run < _MIN_ITEMS:
        return text
    last = chr(ord("a") + run - 1)
    return _LABEL.sub(
        lambda m: f"({ord(m.group(1)) - ord('a') + 1})" if m.group(1) <= last else m.group(0), text
    )
