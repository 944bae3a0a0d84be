"""Quoted ways an answer denies: "the order is not 'clip, then backward'" asserts no order.

A learner who explains by contrast quotes the way they reject: "it is not 'clip, then
backward'", "the rule isn't \"step, then clip\"", "write backward, clip, step rather than
'clip, backward, step'". The quote names the way only to deny it, but its words split into
clauses of their own ("then backward"), where the negation before the quote no longer reaches,
so the order it names was read as said. A quote (straight or curly quotes, one line, at most
``QUOTE_MAX`` characters) right after a negation ("not", "n't", "never", "rather than",
"instead of", "as opposed to") is read as a supposition: each of its clauses is led by
"suppose", which :mod:`.suppose` marks as the premise of its clause.

So is a call forbidden at a place only to name the call to use there instead: "don't call
optimizer.step() directly after clipping: use scaler.step(optimizer)" denies which step is
called, not the order, which the rest of the answer gives (read as a denied order, it put the
step before the clip). Reads the lower-cased answer.
"""

from __future__ import annotations

import re

from gradclip_core.quiz.asked import supposed

QUOTE_MAX = 80  # characters of a quoted way: a short order or phrase, not a paragraph
_DENIED = re.compile(
    r"(\b(?:not|never|n't|rather\s+than|instead\s+of|as\s+opposed\s+to)\s+(?:just\s+)?)"
    rf"(['\"“‘])([^'\"“”‘’\n]{{1,{QUOTE_MAX}}})(['\"”’])"
)

_SWAPPED = re.compile(  # "don't call optimizer.step() directly after clipping: use scaler.step"
    r"(?:(?<=[.!?;\n])|^)(\s*)((?:don['’]t|do\s+not|never)\s+(?:call|use|run)\s+"
    r"(?:[^.!?;:\n]|\.(?=\w))*?\b(?:after|before)\b(?:[^.!?;:\n]|\.(?=\w))*?)"
    r"(?=\s*[:;,—–]\s*(?:instead\s*,?\s*)?(?:use|call|go\s+through|run)\b)"
)


def mark(text: str) -> str:
    """``text`` with each clause of a quote right after a negation led by "suppose"."""
    text = _SWAPPED.sub(lambda m: m.group(1) + supposed(m.group(2)), text)
    return _DENIED.sub(
        lambda m: f"{m.group(1)}{m.group(2)}{supposed(m.group(3))}{m.group(4)}", text
    )
