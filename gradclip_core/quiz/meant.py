"""The verb "means" in answers, read apart from the noun "mean" (an average).

"..., which means a single clip_grad_norm_ call after the final backward()" and "truncating
means each component is limited" use "means" as a verb, yet it stems to "mean", the word a
misconception names for an average ("backward() takes the mean"). A "means" with a word after
it that starts a clause, a noun phrase or a placement ("that", "each", "the", "you", "after",
...) is read as
"implies", unless it is a noun ("by means of", "the running means of the norms"). Reads the
lower-cased answer.
"""

from __future__ import annotations

import re

from gradclip_core.quiz.claims import wordset

_NOUN_LEADS = wordset("the by running moving sample their its two these those of and")
_VERB = re.compile(
    r"\b(\w+)(\s+)means(?=\s+(?:that|each|every|all|the|a|an|it|its|you|we|they|there|this|no"
    r"|nothing|one|your|our|only|clipping|gradients?|after|before|once|right|just|calling|doing"
    r"|putting|using|skipping)\b)"
)


def mark(text: str) -> str:
    """``text`` with each verb "means" read as "implies"."""
    return _VERB.sub(lambda m: m[0] if m[1] in _NOUN_LEADS else f"{m[1]}{m[2]}implies", text)
