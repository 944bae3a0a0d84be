"""A code comment on its own line, just above a clipping call, says what that call does.

In code-heavy answers the comment often comes first::

    # rescales each param's grad so its largest |entry| is 0.5, keeping direction
    torch.nn.utils.clip_grad_value_(model.parameters(), clip_value=0.5)

Read word by word, the comment names no subject, so what it claims is lent to whatever came
before it. A comment led by a verb in -s ("rescales", "clamps", "returns", ...) on the line just
above a call of clip_grad_norm_ / clip_grad_value_ (or of one assigned to a name) is read with
the call's name as its subject: "# clip_grad_value_ rescales each param's grad ...". Likewise a
comment on a later line that uses the name the call's result was assigned to ("gn =
clip_grad_norm_(...)", then "log(gn)  # clipped norm, always <= 1.0") says what the call
returns: it is read "# clip_grad_norm_ returns clipped norm, ...". Reads the lower-cased answer.
"""

from __future__ import annotations

import re

_VERBS = (
    "clips|clamps|rescales|scales|caps|cuts|limits|keeps|returns|shrinks|normalizes|normalises"
    "|multiplies|divides|bounds|modifies|changes|preserves|sets|makes|computes|takes|leaves"
)
_ABOVE = re.compile(
    rf"^([ \t]*#[ \t]*)(?=(?:{_VERBS})\b)([^\n]*\n[ \t]*(?:\w+[ \t]*=[ \t]*)?"
    r"(?:torch\.nn\.utils\.|nn\.utils\.)?(clip_grad_(?:norm|value)_?)\()",
    re.MULTILINE,
)


_ASSIGNED = re.compile(
    r"^[ \t]*(\w+)[ \t]*=[ \t]*(?:torch\.nn\.utils\.|nn\.utils\.)?(clip_grad_norm_?)\(", re.M
)


def mark(text: str) -> str:
    """``text`` with the name of the clipping call below each comment that leads with a verb, and
    "returns" before a comment on a line that uses the call's result."""
    text = _ABOVE.sub(lambda m: f"{m[1]}{m[3]} {m[2]}", text)
    m = _ASSIGNED.search(text)
    if m is None:
        return text
    call = m[2]
    used = re.compile(rf"^([^#\n]*\b{re.escape(m[1])}\b[^#\n]*#[ \t]*)(?!{call})", re.M)
    tail = used.sub(lambda u: f"{u[1]}{call} returns ", text[m.end() :])
    return text[: m.end()] + tail
