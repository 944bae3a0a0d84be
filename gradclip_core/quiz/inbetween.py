""" "The clip goes in between", "between the two": the two calls named just before.

"The gradients only exist after loss.backward(), and optimizer.step() is where they're
consumed. So the clipping call goes in between" places the clip between those two calls: a bare
"in between" (a pause or the end after it, no "X and Y"), or "between them" / "between the two"
/ "between those two (calls)", after what goes there ("goes", "sits", "clip", "call", "put",
...; not "In between, .grad keeps accumulating"), is read as "between <A> and <B>", A and B
the last two different calls (written as code, other than the clip) named before it in its
sentence or the one before, in the order named. Nothing is read when fewer than two are named
there. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

_CALL = re.compile(
    r"(?<![\w.])((?:[a-z_]\w*\.)*(zero_grad|backward|unscale_|step|update)\s*\([^()]{0,40}\))"
)
# what goes in between: "the clip goes in between", not "In between, .grad keeps accumulating"
_PLACED = (
    r"\b(?:goes|go|sits|sit|comes|come|belongs|belong|lives|live|happens|happen|runs|run|fits|fit"
    r"|clip|clipping|call|put|place|insert|be|is|it)\s+(?:(?:right|directly|somewhere|just)\s+)?"
)
_BETWEEN = re.compile(
    _PLACED + r"(?P<b>in\s+between|between\s+(?:them|the\s+two|those\s+two|these\s+two)"
    r"(?:\s+calls)?)(?=\s*(?:[:;,.!?)\n]|$|\s[-–—]\s))"
)
_END = re.compile(r"[.!?\n](?=\s|$)")  # a sentence end ("loss.backward()" keeps its dot)


def _named(before: str) -> list[re.Match]:
    """The calls named in the last two sentences of ``before``."""
    ends = [m.end() for m in _END.finditer(before)]
    start = ends[-2] if len(ends) >= 2 else 0
    return [m for m in _CALL.finditer(before) if m.start() >= start]


def mark(text: str) -> str:
    """``text`` with a bare "in between" read as between the two calls named just before."""
    out, last = [], 0
    for m in _BETWEEN.finditer(text):
        calls: list[re.Match] = []
        for c in reversed(_named(text[: m.start("b")])):
            if all(c.group(2) != k.group(2) for k in calls):
                calls.insert(0, c)
            if len(calls) == 2:
                break
        if len(calls) < 2:
            continue
        out += [text[last : m.start("b")], f"between {calls[0].group(1)} and {calls[1].group(1)}"]
        last = m.end("b")
    return "".join(out) + text[last:]
