"""Code under review in answers: what the code does now is not what the learner asserts.

Answers written as a code review describe the code they review before the fix: "The clip
currently runs on scaled gradients.", "Right now you clip and then unscale, so ...", "Your clip
comes after optimizer.step(), so ...", "Current code clips right after backward(), ...", "The
AGC implementation in this PR computes one ratio for the whole model; that's not AGC.", "you're
clipping model.fc.parameters() only; pass model.parameters()", "The clip is in the wrong spot:
it runs before loss.backward()" (or "in the wrong place because it runs before ...", unless the
reason says where it must go), "Two issues in the AMP loop: (1) the clip runs on scaled grads.".
They quote a claim to deny it, too: 'nit in the comment: "value clipping keeps the direction":
it doesn't.', or tell what a comment says and turn from it: "the comment says it compares
against the learning rate, but AGC ...". And a sentence answered by "Move it ..." ("The clip is
inside the micro-batch loop, so it runs after every backward(). Move it out:"), by "Move
clip_grad_norm_(...)" or by "Please reorder" tells where the code has it now. The way so
described (up to a ";", ":", ", so", "but" or the end of its sentence; the whole sentence before
"Move it") is read as a supposition: each of its clauses is led by "suppose", which
:mod:`.suppose` marks as the premise of its clause, so neither a misconception nor an order is
read there. What follows it ("so the weights have already been updated with the raw gradients")
is the reviewer's own claim. A "you ..." lead is read so only when a ";" and a fix in the
imperative follow it ("...; use scaler.step(...)"), or a next sentence that corrects ("Insert
...", "Move ...", "Please reorder ..."): "You clip once, after the last backward()" tells the
way to do it; "your loop already calls backward() and step()" tells what is there to keep, and
"Move the clip after the step and it does nothing" supposes a move. Reads the lower-cased
answer.
"""

from __future__ import annotations

import re

from gradclip_core.quiz.confessed import told

_START = r"(?:(?<=[.!?;\n])|^)([ \t]*(?:-\s*)?(?:\(\d\)\s*)?(?:nit\s*:\s*)?)"
_BODY = r"(?:[^.!?;:\n]|\.(?!\s|$))*?"  # ".grad" does not end a sentence, ";" and ":" do
_END = r"(?=\s*,?\s*\b(?:so|but|however)\b|[.!?](?:\s|$)|[;:\n]|$)"
_NOW = (  # what marks the code as it is now
    r"(?:right\s+now|currently|at\s+the\s+moment|as\s+written|as\s+it\s+stands)\b"
    r"|(?:the\s+)?current\s+(?:code|loop|version|implementation|setup|snippet)\b"
    r"|your\s+(?:code|clip|loop|call|version|snippet|implementation)\b(?!\s+already)"
    r"|the\s+(?:\w+\s+){0,2}(?:implementation|code|version|loop)\s+in\s+(?:this|the|your)\s+"
    r"(?:pr|diff|patch|commit|branch|snippet)\b"
    r"|(?:the\s+)?[\w.]+(?:\s+[\w.]+)?\s+currently\b"  # "the clip currently runs ..."
)
_DESCRIBED = re.compile(rf"{_START}((?:{_NOW}){_BODY}{_END})")
_MISPLACED = re.compile(  # "the clip is in the wrong spot: it runs before ..."
    rf"{_START}([^.!?;:\n]*\bwrong\s+(?:spot|place|position|order|line)\s*:\s*)({_BODY}{_END})"
)
_MODAL = r"(?![^.!?;:\n]*\b(?:must|should|needs?\s+to|has\s+to|have\s+to|belongs?)\b)"
_MISPLACED_AS = re.compile(  # "the clip is in the wrong place because it runs before ..."
    rf"(\bwrong\s+(?:spot|place|position|order|line)\s*,?\s*(?:because|since|as)\s+)"
    rf"{_MODAL}({_BODY}{_END})"
)
_ISSUES = re.compile(  # "two issues in the amp loop: (1) the clip runs on scaled grads."
    rf"(\b(?:issues|problems|bugs)\b[^.!?;:\n]{{0,40}}:\s*(?:\(1\)|1[.)])\s*)({_BODY}{_END})"
)
_FIX = r"(?:use|pass|move|put|add|insert|call|swap|replace|change|drop|remove|clip)\b"
_CORRECT = r"(?:please\s+)?(?:insert|move|reorder|swap|replace)\b"  # a fix, not a first step
_YOU = re.compile(  # "you're clipping x only; pass y", "you call optimizer.step() directly; use"
    rf"{_START}((?:you(?:['’]re|\s+are)\s+\w+ing|you\s+(?:call|run|pass|use))\b"
    rf"{_BODY})(?=\s*;\s*{_FIX}|[.!]\s+{_CORRECT})"
)
_SAYS = re.compile(  # "the comment says it compares against the lr, but AGC compares ..."
    r"(\b(?:the|this|your|that)\s+(?:\w+\s+)?(?:comment|docstring|description|readme|note|"
    r"pr|doc|docs|log\s+message|commit\s+message)\s+(?:says|claims|states|suggests|implies)"
    r"\s+(?:that\s+)?)([^.!?;:\n\"“”]{3,200}?)(?=\s*,?\s*\b(?:but|however)\b)"
)
_QUOTE = r"[\"“”]"
_DENIED = re.compile(  # '"value clipping keeps the direction": it doesn't'
    rf"{_QUOTE}([^\"“”\n]{{3,200}}?){_QUOTE}(\s*[:,—–-]?\s*(?:(?:it|that|this|they)\s+"
    r"(?:doesn['’]?t|does\s+not|isn['’]?t|is\s+not|aren['’]?t|are\s+not|don['’]?t|do\s+not)\b"
    r"|is\s+(?:wrong|false|incorrect|not\s+true|a\s+myth)\b|no\b))"
)
_MOVED = re.compile(  # a sentence answered by "Move it out:" tells where the code has it now
    r"(?:(?<=[.!?\n])|^)([ \t]*)([^.!?\n](?:[^.!?\n]|\.(?!\s|$))*?[.!?])"
    r"(?=\s+(?:please\s+)?(?:move\s+(?:it|the\s+clip|that|(?:torch\.nn\.utils\.)?clip_grad_\w+)"
    r"|reorder)\b(?![^.!?:\n]*\band\s+(?:it|the|you|that|this)\b))"
)


def _told(body: str) -> str:
    """:func:`.confessed.told`, with a "then" in the way led by "suppose" too ("right now you
    clip and then unscale": "then" starts a clause of its own)."""
    return re.sub(r"\bthen\s+", "then suppose ", told(body)).replace(
        "suppose then suppose", "then suppose"
    )


def mark(text: str) -> str:
    """``text`` with each clause of a way the review says the code has now led by
    "suppose"."""
    text = _DENIED.sub(lambda m: f'"{_told(m.group(1))}"{m.group(2)}', text)
    text = _SAYS.sub(lambda m: _told(m.group(1) + m.group(2)), text)
    text = _MISPLACED.sub(lambda m: m.group(1) + m.group(2) + _told(m.group(3)), text)
    text = _MISPLACED_AS.sub(lambda m: m.group(1) + _told(m.group(2)), text)
    text = _ISSUES.sub(lambda m: m.group(1) + _told(m.group(2)), text)
    text = _YOU.sub(lambda m: m.group(1) + _told(m.group(2)), text)
    text = _MOVED.sub(lambda m: m.group(1) + _told(m.group(2)), text)
    return _DESCRIBED.sub(lambda m: m.group(1) + _told(m.group(2)), text)
