"""Skipped steps in answers: what goes wrong without a step describes the wrong way as a case.

"If you skip step 2, the clip measures the scaled gradients, so it clips way too much",
"Without the unscale, the clip sees the scaled gradients" and "Forget the unscale_ and the clip
compares scaled grads with max_norm" tell what happens when a needed step is left out: the way
they describe (clipping the scaled gradients) is the one the answer warns against. What they
say about it is still the learner's claim ("without unscaling the gradients would look smaller"
is false), so only a misconception that names the wrong way itself must not be read there.
Every clause of a sentence led by such a condition ("if / when you skip / forget / omit / leave
out / don't ...", "if X is skipped / left out ...", "unless ...", "without ...", or an
imperative "skip / forget X and ..."; after "because" / "since" / "so" / "and" / "but" too:
"because if you don't unscale, the gradients you clip are still scaled") gets :data:`MARKER`, a
word such a misconception can exclude. A sentence that says the omission does no harm ("nothing
changes", "it's fine") is left as said. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

MARKER = "skipcase"
_NOT = r"(?:don['’]?t|do\s+not|never|didn['’]?t|did\s+not|fail\s+to|neglect\s+to)"
_LEAVE = r"(?:skip|forget|omit|leave\s+out|drop|miss|neglect)"
_LEFT = r"(?:skipped|omitted|forgotten|left\s+out|missing|dropped|missed|not\s+called)"
_LEADS = (
    rf"(?:if|when|whenever)\s+(?:you|we|one|someone)\s+(?:just\s+|simply\s+)?(?:{_LEAVE}|{_NOT})"
    rf"|(?:if|when|whenever)\s+(?:the\s+|that\s+|this\s+)?(?:[\w.()]+\s+){{1,3}}"
    rf"(?:is|was|gets|got)\s+{_LEFT}"
    r"|unless|without|(?:skip|forget|omit|leave\s+out)(?=[^.!?;\n]*\band\b)"
)
_LINK = r"(?:(?:because|since|so|and|but|cause|that'?s\s+because|this\s+is\s+because),?\s+)"
_OMITTED = re.compile(  # from the condition to the end of its sentence (".grad" does not end it)
    rf"(?:(?<=[.!?;\n])|^)([ \t]*(?:-\s*)?{_LINK}?)((?:{_LEADS})\b(?:[^.!?;\n]|\.(?!\s|$))*)"
)
# where a clause can end: a comma or colon, or a word that starts a new statement
_ENDS = re.compile(
    r"(?=[,:]|\s(?:and|or|but|so|because|since|which|that|then|when|if|while|whereas|thus"
    r"|hence|therefore|meaning)\b)"
)
# "nothing changes", "it's fine": the answer says leaving it out does no harm
_HARMLESS = re.compile(
    r"\b(?:nothing\s+(?:changes|happens|breaks|bad|goes\s+wrong|is\s+lost)|fine|ok|okay"
    r"|harmless|no\s+(?:harm|problem|difference|effect)|(?:doesn['’]?t|does\s+not)\s+matter"
    r"|same\s+result)\b"
)


def _marked(body: str) -> str:
    """``body`` with :data:`MARKER` at the end of each stretch that can be a clause (never
    inside brackets: "(6, 0)" splits nothing)."""
    out, start, depth = [], 0, 0
    for n, ch in enumerate(body):
        depth += (ch in "([") - (ch in ")]" and depth > 0)
        if depth == 0 and re.search(r"\w", body[start:n]) and _ENDS.match(body, n):
            out.append(f"{body[start:n]} {MARKER}")
            start = n
    return "".join(out) + f"{body[start:]} {MARKER}"


def mark(text: str) -> str:
    """``text`` with :data:`MARKER` in every clause of a sentence led by a skipped step."""

    def case(m: re.Match) -> str:
        if _HARMLESS.search(m.group(2)):
            return m.group(0)
        return m.group(1) + _marked(m.group(2))

    return _OMITTED.sub(case, text)
