"""Beliefs the answer reports in order to reject them: "people think ...", "a myth is that ...".

A good answer often opens on the belief it is about to correct: "People sometimes think clipping
helps with vanishing gradients too; it doesn't", "A common misconception is that long sequences
simply add up gradient. The real culprit is multiplication", "A common misunderstanding is that
the scaling is invisible to you. It isn't". What is believed there is not asserted, so each
clause of it is read as a supposition (led by "suppose", which :mod:`.suppose` marks as the
premise of its clause). Three shapes, each from the start of a sentence to its end (or a ";"):

- a belief named as such: "a (common) misconception / misunderstanding / myth / misbelief is
  (that) ...", "it is a (common) myth / misconception that ...";
- others' belief: "people / many people / beginners / some ... (often / sometimes) think /
  believe / assume / imagine (that) ...";
- a way named as tempting: "it is tempting to clip after each backward(), but ...", up to the
  "but" / "however" that turns to the fix (or the sentence's end).

Reads the lower-cased answer.
"""

from __future__ import annotations

import re

from gradclip_core.quiz.asked import supposed

_BODY = r"(?:[^.!?;:\n]|\.(?!\s|$))+"  # ".grad" and "optimizer.step()" do not end a sentence
_START = r"(?:(?<=[.!?;\n])|^)([ \t]*(?:-\s*)?)"
_KIND = r"(?:misconception|misunderstanding|myth|misbelief|false\s+belief)"
_NAMED = re.compile(  # "a common misconception is that ...", "it's a myth that ..."
    rf"{_START}((?:(?:a|one|the|another)\s+(?:(?:very\s+)?(?:common|classic|typical|frequent"
    rf"|popular|widespread)\s+)?{_KIND}\s+is|it(?:'s|\s+is)\s+a\s+(?:(?:common|popular)\s+)?"
    rf"{_KIND})\s+(?:that\s+)?{_BODY})"
)
_WHO = (
    r"(?:(?:many|some|a\s+lot\s+of|lots\s+of|most)\s+)?(?:people|beginners|folks|newcomers|users"
    r"|practitioners)|some|many"
)
_THINKS = re.compile(  # "people sometimes think clipping helps with vanishing gradients too"
    rf"{_START}((?:{_WHO})\s+(?:(?:often|sometimes|commonly|usually|also|wrongly|mistakenly)\s+)?"
    rf"(?:think|believe|assume|imagine|expect|suppose)\s+{_BODY})"
)
_TEMPTING = re.compile(  # "it's tempting to clip after each backward out of habit, but ..."
    rf"{_START}(it(?:'s|\s+is)\s+(?:tempting|natural)\s+to\s+"
    r"(?:[^.!?;:\n]|\.(?!\s|$))+?)(?=\s*,?\s*\b(?:but|however)\b|[.!?;](?:\s|$)|\n|$)"
)


def mark(text: str) -> str:
    """``text`` with each clause of a reported belief led by "suppose"."""
    text = _NAMED.sub(lambda m: m.group(1) + supposed(m.group(2)), text)
    text = _TEMPTING.sub(lambda m: m.group(1) + supposed(m.group(2)), text)
    return _THINKS.sub(lambda m: m.group(1) + supposed(m.group(2)), text)
