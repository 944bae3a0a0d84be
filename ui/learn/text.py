"""Text helpers for the Learn page: quiz text to safe Markdown, lesson bodies, step shuffles.

Pure functions, no ``st.*`` calls. Quiz banks are plain text written by a teacher: names such
as ``clip_grad_norm_`` would turn into italics and ``$`` into maths if shown as Markdown, so
:func:`rich` escapes Markdown and sets anything that looks like code in backticks.
"""

from __future__ import annotations

import random
import re

from gradclip_core.quiz import OrderItem

# Code inside prose: a call (one level of nested brackets), a dotted name such as
# torch.nn.utils (two letters before the first dot, so "e.g." stays prose), or a snake_case
# name such as clip_grad_norm_ or max_norm=1.0.
_CODE = re.compile(
    r"[A-Za-z_][\w.]*\((?:[^()]|\([^()]*\))*\)"
    r"|[A-Za-z_]\w+(?:\.[A-Za-z_]\w*)+"
    r"|[A-Za-z]\w*_\w*(?:=[\w.]+)?"
)
_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>()#+\-!|~$:])")
_MATHS = "### The maths"
_TRY_IT = "Press **See it live**"


def escape(text: str) -> str:
    """Text shown literally by ``st.markdown`` (no emphasis, links, maths or icons)."""
    return _MARKDOWN.sub(r"\\\1", text)


def rich(text: str) -> str:
    """Quiz text as Markdown: code-like words in backticks, everything else escaped."""
    out, last = [], 0
    for match in _CODE.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(f"`{match.group().replace('`', '')}`")
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


def split_maths(body: str) -> tuple[str, str, str]:
    """A lesson body as (before, maths, after): plain words first, the maths a click away.

    The maths section starts at a ``### The maths`` heading and ends at the next heading or at
    the closing "Press **See it live**" line. Without that heading, ``maths`` is empty.
    """
    start = body.find(_MATHS)
    if start < 0:
        return body, "", ""
    rest = body[start + len(_MATHS) :]
    ends = [i for i in (rest.find("\n#"), rest.find("\n" + _TRY_IT)) if i >= 0]
    end = min(ends) if ends else len(rest)
    return body[:start], rest[:end].strip(), rest[end:].strip()


def shuffled_steps(item: OrderItem) -> list[str]:
    """The item's steps in a shuffled order that is the same every time (seeded by its id),
    and never the answer itself."""
    steps = list(item.steps)
    random.Random(item.id).shuffle(steps)
    if steps == list(item.steps):  # a shuffle that solves the puzzle teaches nothing
        steps = steps[1:] + steps[:1]
    return steps


def short(text: str, limit: int = 80) -> str:
    """The first ``limit`` characters of a one-line title."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
