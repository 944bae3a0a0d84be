"""Loose layouts in answers: labelled fields under a heading, and tables without their rules.

Two ways of laying an answer out put the subject of a claim lines away from it:

- labelled fields under a heading: "Norm clipping (clip_grad_norm_):" then indented lines
  "looks at -> the whole gradient", "direction -> preserved". Each field says something of the
  heading, so each becomes "<heading>, <label>: <value>" (:func:`fields`);
- a table whose header is a markdown row ("| | by norm | by value |") but whose rows are bullets
  or bare lines with cells split by "|" ("- scope: all gradients as one vector | each entry").
  Such rows are written as markdown rows under a rule, so :mod:`.layout` reads them as a table
  (:func:`rows`).

Reads the raw answer, before :mod:`.layout`.
"""

from __future__ import annotations

import re

_HEADING = re.compile(r"^\s*(?:[-*]\s+)?([A-Za-z][\w'_ ]{0,40}(?:\s*\([^()\n]{0,40}\))?)\s*:\s*$")
_FIELD = re.compile(r"^(\s+|\s*[-*]\s+)([A-Za-z][\w' ]{0,24}?)\s*(?:->|→|=>|:)\s*(\S.*)$")
_HEADER_ROW = re.compile(r"^\s*\|\s*\|(?:[^|\n]+\|){2,}\s*$")  # "| | by norm | by value |"
_LOOSE_ROW = re.compile(r"^\s*(?:[-*]\s+)?([^|\n]{1,40}?)\s*[:|]\s*([^|\n]+(?:\|[^|\n]+)+)$")
_RULE = re.compile(r"^[\s|:\-]+$")


def fields(text: str) -> str:
    """``text`` with each labelled field under a heading led by that heading."""
    lines, head = text.split("\n"), None
    for n, line in enumerate(lines):
        heading, field = _HEADING.match(line), _FIELD.match(line)
        if heading and not field:
            head = heading.group(1).strip()
        elif head and field and len(field.group(2).split()) <= 3:
            lines[n] = f"{field.group(1)}{head}, {field.group(2).strip()}: {field.group(3)}"
        else:
            head = None
    return "\n".join(lines)


def rows(text: str) -> str:
    """``text`` with the loose rows under a markdown header row written as markdown rows."""
    lines = text.split("\n")
    for n, line in enumerate(lines):
        if not _HEADER_ROW.match(line) or (n + 1 < len(lines) and _RULE.match(lines[n + 1])):
            continue
        end = n + 1
        while end < len(lines) and (m := _LOOSE_ROW.match(lines[end])):
            cells = [m.group(1).strip(), *(c.strip() for c in m.group(2).split("|"))]
            lines[end] = "| " + " | ".join(cells) + " |"
            end += 1
        if end > n + 1:
            lines[n] = line + "\n|---|---|---|"
    return "\n".join(lines)


def mark(text: str) -> str:
    """``text`` with both loose layouts written out (see the module docstring)."""
    return fields(rows(text))
