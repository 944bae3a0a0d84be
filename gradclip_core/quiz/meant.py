"""The verb "means" in answers, read apart from the noun "mean" (an average).

"..., which means a single clip_grad_norm_ call after the final backward()" and "truncating
means each component is limited" use "means" as a verb, yet it stems to "mean", the word a
misconception names for an average ("backward() takes the mean"). A "means" followed by
anything but "of", "and", "or", "are" or a stop ("... means several backward() calls"), or one
led by a pronoun ("that means value clipping ...", "which means") is read as
"implies", unless it is a noun ("by means of", "the running means of the norms"). Reads the
lower-cased answer.
"""

from __future__ import annotations

import re

from gradclip_core.quiz.claims import wordset

_NOUN_LEADS = wordset(
    "the by running moving sample their its two these those of and takes take computes compute "
    "gives give returns return uses use batch group per"
)
_VERB = re.compile(r"\b(\w+)(\s+)means\b(?!\s*(?:(?:of|and|or|are|were|is)\b|[-.,;:)]|$))")
_LED = re.compile(r"\b(that|this|which|it|that's|what)(\s+)(?:also\s+|just\s+|simply\s+)?means\b")


def mark(text: str) -> str:
    """``text`` with each verb "means" read as "implies"."""
    text = _LED.sub(lambda m: f"{m[1]}{m[2]}implies", text)
    return _VERB.sub(lambda m: m[0] if m[1] in _NOUN_LEADS else f"{m[1]}{m[2]}implies", text)
