"""Hindsight in practitioners' answers: a belief denied at once, a bug told from an old project.

"I switched to 'value' thinking it was the same thing; it isn't", "I once assumed it also
clipped the loss; it doesn't" and "assuming they were interchangeable, which they are not"
name a belief and deny it in the next breath (";", ",", "—" or a new sentence led by "it
isn't" / "they aren't" ...), with no "but" for :mod:`.retracted` to find. "In my last project I
had clip_grad_norm_ after optimizer.step() and the loss went nan" and "At my old company we had
unscale_ missing" tell a bug from a past job, which the answer goes on to fix; such a story is
read as told only when its sentence names the trouble (nan, a bug, a week to spot it, ...), so a
way told as working is left as said. The belief, and the story up to a "but" / "however", are
read as suppositions: each of their clauses is led by "suppose", which :mod:`.suppose` marks as
the premise of its clause. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

from gradclip_core.quiz.asked import supposed
from gradclip_core.quiz.confessed import told

_NOT = r"(?:n['’]?t|\s+not)"
_DENIAL = (  # "it isn't", "they are not", "which they aren't", "that's not it"
    r"(?:which\s+)?(?:it|they|that|this|these|those)?\s*"
    rf"(?:(?:is|are|was|were|does|do|did|can|could|has|have|wo|ca){_NOT}|cannot|['’]s\s+not)\b"
)
_BELIEF = (  # "thinking ...", "i (first / once) assumed ...", "we first treated ..."
    r"\b(?:thinking|assuming|believing|figuring|expecting)\b"
    r"|\b(?:i|we)\s+(?:(?:first|initially|once|originally|always)\s+)?"
    r"(?:thought|believed|assumed|figured|expected|treated)\b"
)
_DENIED = re.compile(  # the belief, up to the denial that follows it
    rf"(?:{_BELIEF})(?:[^.!?;\n,—–]|\.(?!\s|$))*?(?=\s*(?:[;,:—–]|\.\s)\s*{_DENIAL})"
)
_PAST = (  # "in my last project i had", "at my old company we had", "on a previous job we had"
    r"(?:(?<=[.!?;\n])|^)([ \t]*(?:-\s*)?)"
    r"((?:back\s+)?(?:in|on|at|during)\s+(?:my|our|a|one)\s+"
    r"(?:last|previous|old|former|earlier|past|prior)\s+"
    r"(?:project|job|company|team|codebase|repo|employer|role|lab|gig|startup|model)s?\b"
    r",?\s+(?:i|we)\s+(?:had|put|placed|kept|wrote|used|did|ran|set|called|clipped|forgot|left)\b"
    r"(?:[^.!?\n]|\.(?!\s|$))*?)(?=\s*[,;]?\s*\b(?:but|however)\b|[.!?](?:\s|$)|\n|$)"
)
_STORY = re.compile(_PAST)
_TROUBLE = re.compile(  # what makes a story a bug told, not a way told as working
    r"\b(?:nan|inf|bug|buggy|wrong|mistake|broke|broken|diverg\w*|blew|spik\w*|useless"
    r"|untouched|distort\w*|notic\w*|spot|debug\w*|took\s+(?:me|us)|weeks?|days?|hours|months"
    r"|fail\w*|crash\w*|missing|unstable|garbage|did\s+nothing|no\s+effect|barely)\b"
)


def _lead(text: str, at: int) -> str:
    """A comma that makes a belief inside a sentence a clause of its own ("..., suppose thinking
    ..."); none where it starts a sentence or a clause."""
    return "" if not text[:at].strip() or text[:at].rstrip()[-1] in ".!?;:,\n" else ", "


def mark(text: str) -> str:
    """``text`` with each clause of a belief denied at once, or of a bug told from a past
    project, led by "suppose"."""
    text = _DENIED.sub(lambda m: _lead(text, m.start()) + supposed(m.group()), text)

    def story(m: re.Match[str]) -> str:
        if not _TROUBLE.search(m.group(2)):
            return m.group()
        return m.group(1) + told(m.group(2))

    return _STORY.sub(story, text)
