"""Clipping by norm said to bring every gradient to the threshold, small ones too, marked.

clip_grad_norm_ scales the gradients down only when their total norm is over max_norm; its
factor max_norm / (norm + 1e-6) is capped at 1, so a gradient under the limit passes unchanged
and nothing is ever scaled up. A fluent answer can say otherwise across a clause break the
claims cannot see over: "scales every gradient so its norm is exactly the threshold", "it
rescales every gradient to norm max_norm anyway", "the gradients are pushed up to max_norm
when they are small", "the clipping would then scale the gradients up every step". Each such
statement is followed by :data:`MARKER`, a word the bank's misconceptions name. One whose
clause denies it ("it never scales them up to max_norm") or whose sentence speaks of the loss
scale of mixed precision (where the scaler does scale the gradients up) is left alone, and so is
"every gradient ... so its norm is max_norm" in a sentence that puts a condition on it ("only",
"if", "when", "over", ...; "even if it was shorter" concedes, it sets no condition). "Always
rescales the whole gradient so its length is exactly max_norm" says the same as "every". Reads
the lower-cased answer.
"""

from __future__ import annotations

import re

from gradclip_core.quiz.examples import SENTENCE

MARKER = "mislevelled"
_LIMIT = r"(?:the\s+|a\s+|your\s+)?(?:\w+\s+)?(?:threshold|max_norm|limit|cap)\b"
_GRADS = (  # the gradients, named: "the gradients", "them", "small ones"
    r"(?:(?:the|all|small|misconditioned)\s+)*(?:them|gradients?|grads?|small\s+ones)"
)
_VERB = (
    r"\b(?:push|pushe[sd]|scale[sd]?|scaling|rescale[sd]?|bring|brings|brought|lift(?:s|ed)?"
    r"|raise[sd]?|stretch(?:es|ed)?|pull(?:s|ed)?)"
)
_UP = (  # "scales the gradients up to max_norm", "scale them up every step", "pushed up to it"
    rf"{_VERB}\s+{_GRADS}\s*up\b(?:\s+(?:to\s+{_LIMIT}|every\s+step|each\s+step|every\s+time))?"
    rf"|{_VERB}\s+up\s+to\s+{_LIMIT}"
)
_EVERY = (  # "every gradient", "always rescales the whole gradient"
    r"\b(?:(?:every|each|all|any)\s+(?:the\s+)?(?:gradients?|grads?|update|step)"
    r"|always\s+(?:re)?scal(?:es|e|ed)\b(?:\s+(?:the|its|their|whole|entire|full))*\s+"
    r"(?:gradients?|grads?|vectors?))\b"
)
_CONCEDED = re.compile(r"\beven\s+(?:if|when|though)\b")  # "even if it was shorter": no condition
_LEVEL = (  # "... so its norm is exactly the threshold", "to norm max_norm anyway"
    rf"(?:\bso\s+(?:that\s+)?(?:its|their|the)\s+(?:norms?|lengths?)\s+(?:is|are|equals?|becomes?)\s+"
    rf"(?:exactly\s+|always\s+)?(?:equal\s+to\s+)?{_LIMIT}"
    rf"|\bto\s+(?:a\s+)?norm\s+(?:of\s+)?(?:exactly\s+)?(?:max_norm|the\s+threshold)\s+anyway)"
)
_CLIPPING = re.compile(r"\bclip|max_norm|threshold")  # a sentence about clipping
_CONDITION = re.compile(
    r"\b(?:(?:larger|bigger|greater|higher|more)\s+than|only|if|when|whenever|once|above|over"
    r"|exceeds?|exceeding|too|beyond|past|unless)\b"
)
_DENIED = re.compile(r"\b(?:not|never|no|n't|nothing|neither|nor|rather\s+than|instead\s+of)\b")
_AMP = re.compile(
    r"\b(?:scaler|gradscaler|loss\s+scale|the\s+loss|amp|fp16|float16|unscale_?|mixed\s+precision)\b"
)
_BREAK = re.compile(r"[,;:(—–]|\s-\s")


def _clause(part: str, at: int) -> str:
    """The words of ``part`` from the last clause break before ``at`` up to ``at``."""
    starts = [m.end() for m in _BREAK.finditer(part, 0, at)]
    return part[starts[-1] if starts else 0 : at]


def mark(text: str) -> str:
    """``text`` with :data:`MARKER` after each gradient said to be brought to the threshold
    whatever its size."""
    parts, out = SENTENCE.split(text), []
    for n, part in enumerate(parts):
        if n % 2 or _AMP.search(part) or not _CLIPPING.search(part):
            out.append(part)
            continue
        ups = re.finditer(_UP, part)
        ends = [m.end() for m in ups if not _DENIED.search(_clause(part, m.start()))]
        every = re.search(_EVERY, part)
        conditioned = _CONDITION.search(_CONCEDED.sub(" ", part))
        if every and not conditioned and not _DENIED.search(part):
            ends += [every.end() + m.end() for m in re.finditer(_LEVEL, part[every.end() :])]
        for at in sorted(set(ends), reverse=True):
            part = f"{part[:at]} {MARKER}{part[at:]}"
        out.append(part)
    return "".join(out)
