"""Spans between two calls: "between zero_grad() calls" names a stretch of the loop, not a call.

"Between zero_grad() calls, each backward() adds its gradient to .grad", "between two calls to
optimizer.zero_grad()" and "between successive optimizer.step() calls" say how long something
lasts (the gradients pile up over one cycle of the loop); they place no call before or after
another. Read as a mention, the zero_grad() there would come after the clip and the step
written before it, and look like a zero_grad() between backward() and step(). So such a span is
renamed to what it is, "between resets" / "between updates", which names no call for
:mod:`.call_order`. So is a span up to a call: "backward() keeps adding into .grad until
zero_grad()", "until you call zero_grad()", "until the next zero_grad()", "until zero_grad()
clears them" say how long the sum lasts, and read "until the window closes" (a neutral phrase:
"reset" would read as what backward() does). Reads the lower-cased answer.
"""

from __future__ import annotations

import re

_SOME = r"(?:(?:two|successive|consecutive|subsequent)\s+)?"
_ZERO = r"(?:optimizer\.|opt\.|model\.)?zero_grad(?:\(\))?"
_STEP = r"(?:optimizer\.|opt\.)?step\(\)"
_SPAN = re.compile(
    rf"\bbetween\s+(?:the\s+)?{_SOME}(?:(?:calls\s+(?:to|of)\s+({_ZERO}|{_STEP}))"
    rf"|(?:({_ZERO}|{_STEP})\s+calls))(?![\w(])"
)
_UNTIL = re.compile(
    r"\buntil\s+(?:the\s+next\s+|a\s+"
    r"|(?:you|we|someone)\s+(?:explicitly\s+)?(?:call|run|invoke)\s+)?"
    rf"({_ZERO}|{_STEP})(?![\w(])"
    r"(?:\s+(?:clears|resets|wipes|empties|zeroes|zeros|frees)\s+(?:it|them|the\s+\w+))?"
)


def mark(text: str) -> str:
    """``text`` with each span between two calls of zero_grad() / step(), or up to one of
    them, renamed."""
    text = _SPAN.sub(
        lambda m: "between resets" if "zero" in (m.group(1) or m.group(2)) else "between updates",
        text,
    )
    return _UNTIL.sub("until the window closes", text)
