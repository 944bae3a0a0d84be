"""Beliefs the answer reports in order to reject them: "people think ...", "a myth is that ...".

A good answer often opens on the belief it is about to correct: "People sometimes think clipping
helps with vanishing gradients too; it doesn't", "A common misconception is that long sequences
simply add up gradient. The real culprit is multiplication", "A common misunderstanding is that
the scaling is invisible to you. It isn't". What is believed there is not asserted, so each
clause of it is read as a supposition (led by "suppose", which :mod:`.suppose` marks as the
premise of its clause). Six shapes, each from the start of a sentence to its end (or a ";"):

- a belief named as such: "a (common) misconception / misunderstanding / myth / misbelief is
  (that) ...", "it is a (common) myth / misconception that ...";
- others' belief: "people / many people / beginners / some ... (often / sometimes) think /
  believe / assume / imagine (that) ...";
- a way named as tempting: "it is tempting to clip after each backward(), but ...", up to the
  "but" / "however" that turns to the fix (or the sentence's end);
- others' practice told as a habit: "people sometimes clip each micro-batch", "beginners often
  set max_norm to 0.01", "many are tempted to clip after the step";
- a thing said to be taken for another: "clipping is sometimes described as a regularizer, but
  ...", "it is often mistaken for weight decay", up to the "but" / "however";
- (and a bare denial that ends in a colon, "It isn't: ...", ends its sentence there, so the
  negation does not reach the fix that follows)
- a claim denied as a whole: "it's not true that value clipping keeps the direction", "it is
  wrong to say that ...".

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
    rf"(?:think|believe|assume|imagine|expect|suppose|say|claim|argue|insist|treat|see|view"
    rf"|confuse|mistake|describe)\s+{_BODY})"
)
_DOES = re.compile(  # "people sometimes clip each micro-batch", "beginners often set it to 0.01"
    rf"{_START}((?:{_WHO})\s+(?:often|sometimes|commonly|frequently|wrongly|mistakenly|tend\s+to"
    rf"|(?:are|get)\s+tempted\s+to)\s+(?!use\b|say\b){_BODY})"
)
_DESCRIBED = re.compile(  # "clipping is sometimes described as a regularizer, but ..."
    rf"{_START}((?:[^.!?;:\n,]|\.(?!\s|$))+?\s(?:is|are|gets|get)\s+(?:often|sometimes|commonly"
    rf"|frequently|wrongly|mistakenly|occasionally)\s+(?:described|called|seen|viewed|treated"
    rf"|presented|labell?ed|thought\s+of|mistaken\s+for|confused\s+with|sold)\b"
    r"(?:[^.!?;:\n]|\.(?!\s|$))+?)(?=\s*,?\s*\b(?:but|however)\b|[.!?;](?:\s|$)|\n|$)"
)
_BARE = re.compile(  # "it isn't: clip_grad_value_ clamps ...": the denial ends its sentence
    r"(?:(?<=[.!?;\n])|^)(\s*(?:but\s+)?(?:it|that|this)(?:\s+(?:is|does|was|do)\s+not|\s+(?:is|does|was"
    r"|wo|ca|do)n['’]t|['’]s\s+not)(?:\s+(?:true|so|the\s+case|really|quite))?)\s*[:—–]\s+"
)
_UNTRUE = re.compile(  # "it's not true that value clipping keeps the direction just because ..."
    rf"{_START}(it(?:'s|\s+is)\s+(?:not\s+(?:true|correct|right|the\s+case)|false|untrue|wrong"
    rf"|a\s+mistake|incorrect)\s+(?:to\s+(?:say|think|claim|believe)\s+)?that\s+{_BODY})"
)
_TEMPTING = re.compile(  # "it's tempting to clip after each backward out of habit, but ..."
    rf"{_START}(it(?:'s|\s+is)\s+(?:tempting|natural)\s+to\s+"
    r"(?:[^.!?;:\n]|\.(?!\s|$))+?)(?=\s*,?\s*\b(?:but|however)\b|[.!?;](?:\s|$)|\n|$)"
)


def mark(text: str) -> str:
    """``text`` with each clause of a reported belief led by "suppose"."""
    text = _NAMED.sub(lambda m: m.group(1) + supposed(m.group(2)), text)
    text = _TEMPTING.sub(lambda m: m.group(1) + supposed(m.group(2)), text)
    text = _BARE.sub(r"\1. ", text)
    for shape in (_DOES, _DESCRIBED, _UNTRUE):
        text = shape.sub(lambda m: m.group(1) + supposed(m.group(2)), text)
    return _THINKS.sub(lambda m: m.group(1) + supposed(m.group(2)), text)
