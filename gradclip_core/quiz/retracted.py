"""Self-corrections in answers: a belief the learner says they once held is not asserted.

"I first thought clipping changes the loss, but actually it only acts on the gradients" and
"I used to clip after every backward(). But .grad is a running sum ..." name a belief or a way
the answer goes on to retract, so a misconception must not be read in it, and it earns no
concept either. A sentence led by "I (first / initially / once ...) thought" (or "believed",
"assumed", "used to", "first put" ...) is read as a supposition up to the "but" / "however"
that retracts it, in its sentence or leading the next one ("... . But ...", "... . Actually
..."): each of its clauses is led by "suppose", which :mod:`.suppose` marks as the premise of
its clause. A belief never retracted ("I thought about it and clipping ...") is left as said.

Spoken answers repair themselves in mid-sentence: "you cap the loss, no wait, sorry, the
gradients", "you clip after every micro-batch, no sorry, that's the mistake, you clip once",
"value clipping keeps the direction, no, hang on, it's the other way round". The clause before
the repair ("no wait", "wait, no", "no, sorry", "no, hang on", "scratch that", ...; after a comma
or a dash, within its sentence) is retracted: from the start of its sentence, or the last comma
or colon before it outside brackets, it is read as a supposition, and the words after the repair
are read as said. A "no wait" that opens a sentence retracts nothing ("... above it the gradient
passes as is. No wait, yeah, ..." may go on to say the same).

An edit note that names what it takes back ("EDIT: fixed my earlier claim that rho > 1 always
explodes, it doesn't", "corrected my previous statement that ...") is read as a supposition up
to the end of its clause. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

from gradclip_core.quiz.asked import supposed

_WHEN = r"(?:first|initially|originally|once|previously|at\s+first)"
_BELIEF = r"(?:thought|believed|assumed|expected|figured|guessed|was\s+sure)"
_DEED = r"(?:put|placed|called|clipped|did|wrote|tried|had)"  # only with a "when": "I first put"
_RETRACTS = r"(?:but|however|actually|in\s+fact|it\s+turns\s+out|that(?:'s|\s+is|\s+was)\s+wrong)"
_RETRACTED = re.compile(  # from "I ... thought" up to the word that retracts it
    r"(?:(?<=[.!?;\n])|^)([ \t]*(?:-\s*)?)"
    rf"((?:{_WHEN},?\s+)?i\s+(?:(?:{_WHEN}\s+)?(?:{_BELIEF}|used\s+to)|{_WHEN}\s+{_DEED})\b"
    r"(?:[^.!?;\n]|\.(?!\s|$))*?)"  # up to the end of the belief (".grad" does not end it)
    rf"(?=\s*[,;]?\s*(?:but|however|though|yet)\b|[.!?]\s+{_RETRACTS}\b)"
)
_TAKEN_BACK = re.compile(  # "fixed my earlier claim that <belief>"
    r"(\b(?:fixed|corrected|retracted|withdrew|withdrawn|dropped|scratched|scratch|struck|removed)"
    r"\s+(?:my|the|an?)\s+(?:earlier|previous|original|old|first|initial)\s+(?:claim|statement"
    r"|answer|point|line|sentence|mistake|error|version)\s+that\s+)((?:[^.!?;,:\n]|\.(?!\s|$))+)"
)


_HALT = r"(?:wait|sorry|hang\s+on|hold\s+on|hold\s+up|oops)"
_REPAIR = re.compile(  # "..., no wait, ...": after a comma or a dash, before a pause
    rf"(,|\s[-–—]|…|\.\.\.)\s*(?:no,?\s+{_HALT}|wait,?\s+no|sorry,?\s+no|{_HALT},?\s+no"
    r"|(?:no,?\s+)?(?:scratch|strike)\s+that)(?=\s*(?:[,.!:;…]|\s[-–—]))"
)
_SO = re.compile(r"^\s*(?:(?:ok|okay|um|uh|well|right)\s+)?(?:so\s+)?")
_CLAUSE_START = re.compile(r"[.!?;\n](?=\s)|[,:]")  # where a retracted clause can begin
_BRACKETS = re.compile(r"\([^()\n]*\)")


def _masked(text: str) -> str:
    """``text`` with each bracket, nested ones too, as "_": "f(a(), b)" names no clause."""
    while True:
        masked = _BRACKETS.sub(lambda m: "_" * len(m.group()), text)
        if masked == text:
            return text
        text = masked


def _repaired(text: str) -> str:
    """``text`` with the clause before each mid-sentence repair led by "suppose", and the
    repair's words as a dash: the "no" of "wait, no" denies nothing after it."""
    masked = _masked(text)
    for m in reversed(list(_REPAIR.finditer(masked))):
        start = max((b.end() for b in _CLAUSE_START.finditer(masked, 0, m.start())), default=0)
        body = text[start : m.start()]
        said = _SO.sub("", body)  # "so you cap the loss": "so suppose" would suppose nothing
        if said.strip() and not said.startswith("suppose "):
            body = " " + supposed(said)
        text = text[:start] + body + m.group(1) + " —" + text[m.end() :]
    return text


def mark(text: str) -> str:
    """``text`` with each clause of a retracted belief, of one repaired in mid-sentence or of
    one an edit note takes back, led by "suppose"."""
    text = _TAKEN_BACK.sub(lambda m: supposed(m.group(0)), _repaired(text))
    return _RETRACTED.sub(lambda m: m.group(1) + supposed(m.group(2)), text)
