"""Markdown tables in answers, read as sentences.

A table spreads one claim over a row: "| Direction | preserved | can change |" under the header
"| | Clip by norm | Clip by value |" says that by norm the direction is preserved and by value
it can change, but read as written its cells run together, and the header that names what each
column is about lies rows away. Each row becomes a sentence of its own ("1, loss.backward(),
computes the gradients."); in a comparison table (the header's first cell empty, so the first
column labels the rows) each cell becomes "<its column's header> <its row's label> <cell>.",
so the header is the subject of the cell's clause. Such a table sets cases side by side, often a
way the answer rejects ("| | clip every micro-batch | clip once |"), so its cells are read as
suppositions (led by "suppose", as :mod:`.asked` does): they earn concepts but assert no
mistake. A "*" that opens a line is a bullet, written as "-" so it is not read as "multiply"
("* bwd pass sums ..."). Reads the raw answer, before anything else.
"""

from __future__ import annotations

import re

from gradclip_core.quiz import fields, wrapped
from gradclip_core.quiz.asked import supposed

_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_RULE = re.compile(r"^[\s|:\-]+$")  # "|---|:---:|"
_BULLET = re.compile(r"(?m)^([ \t]*)\*(?=[ \t])")  # "* note": a bullet


def _cells(line: str) -> list[str]:
    return [c.strip() for c in _ROW.match(line).group(1).split("|")]


def _table(lines: list[str]) -> list[str]:
    """The sentences of one table (its lines, the header first)."""
    rows = [_cells(x) for x in lines if not _RULE.match(x)]
    head, body = rows[0], rows[1:]
    if head[0] or len(head) < 3 or not _RULE.match(lines[1]):
        return [", ".join(c for c in row if c) + "." for row in rows]
    out = []
    for row in body:
        cells = zip(head[1:], row[1:], strict=False)
        out += [supposed(f"{h} {row[0]} {c}") + "." for h, c in cells if c]
    return out


def mark(text: str) -> str:
    """``text`` with each markdown table (two lines or more) written out as sentences (loose
    rows and labelled fields first: :mod:`.fields`)."""
    lines, out, n = fields.mark(wrapped.join(text)).split("\n"), [], 0
    while n < len(lines):
        end = n
        while end < len(lines) and _ROW.match(lines[end]):
            end += 1
        if end - n >= 2:
            out += _table(lines[n:end])
            n = end
        else:
            out.append(lines[n])
            n += 1
    return _BULLET.sub(r"\1-", "\n".join(out))
