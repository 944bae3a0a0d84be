"""Dialogues in answers: what one speaker says and the next one rejects asserts nothing.

An answer written as a dialogue ("Student: ... Tutor: ...", "Q: ... A: ...") often lets the
one who asks state a belief that the one who answers goes on to reject: "Student: I put
clip_grad_norm_ right after optimizer.step(). Is that OK? Tutor: No, by then the weights have
already been updated ...". A turn of the one who asks (a line led by "student:", "q:",
"user:", "learner:", "interviewer:", ...) is read as a supposition when the next turn opens
with a rejection ("no", "nope", "not quite", "not really", "not necessarily", "close, but",
"it's the opposite", "the other way round", "that's a myth"): each clause of each of its
sentences is led by "suppose", which :mod:`.suppose` marks as the premise of its clause. A turn
the next one confirms ("yes, ...") or merely goes on from is left as said: it asserts what it
says. A "no," / "yes," that opens the answer to a question is dropped, as :mod:`.asked` does:
it denies nothing in its own sentence ("q: ...? a: no, each backward() adds ..."). Sentences
that ask are already read so by :mod:`.asked`. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

from gradclip_core.quiz.asked import supposed

_ASKER = r"(?:student|learner|user|q\d*|question|interviewer|me)"
_ANSWERER = r"(?:tutor|teacher|instructor|a\d*|answer|candidate|expert|assistant)"
_LABEL = re.compile(rf"(?m)^[ \t]*(?:{_ASKER}|{_ANSWERER})[ \t]*:")
_ASKS = re.compile(rf"^[ \t]*{_ASKER}[ \t]*:")
_REJECTS = re.compile(
    rf"^[ \t]*{_ANSWERER}[ \t]*:\s*"
    r"(?:no\b|nope\b|nah\b|not\s+(?:quite|really|necessarily|exactly|at\s+all)\b"
    r"|close\s*,?\s*but\b|(?:it'?s|that'?s)\s+the\s+(?:opposite|other\s+way)"
    r"|the\s+other\s+way\s+round|that'?s\s+(?:a\s+)?(?:common\s+)?(?:myth|misconception)\b)"
)
# "q: does it overwrite .grad? a: no, each backward() adds": the "no" answers, it denies nothing
_ANSWERED = re.compile(rf"^([ \t]*{_ANSWERER}[ \t]*:\s*)(?:no|nope|nah|yes|yep|yeah)\s*[,!:]\s*")
# a sentence of a turn: up to ". " / "! " (not the dot of "optimizer.step()") or a line end
_SENTENCE = re.compile(r"[^\n]*?(?:[.!](?=\s)|\n|$)")


def _suppose_turn(turn: str) -> str:
    """``turn`` (its label kept) with each clause of each sentence that does not ask (the
    sentences that ask are marked already) led by "suppose"."""
    label = _ASKS.match(turn)
    body = turn[label.end() :]
    out = []
    for m in _SENTENCE.finditer(body):
        piece = m.group()
        words = piece.strip()
        if not words or words.endswith("?") or "suppose" in words.split()[:1]:
            out.append(piece)
            continue
        lead = piece[: len(piece) - len(piece.lstrip())]
        out.append(lead + supposed(piece.lstrip()))
    return turn[: label.end()] + "".join(out)


def mark(text: str) -> str:
    """``text`` with each turn of the one who asks that the next turn rejects read as a
    supposition."""
    starts = [m.start() for m in _LABEL.finditer(text)]
    if len(starts) < 2:
        return text
    bounds = [*starts, len(text)]
    turns = [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    out = [text[: starts[0]]]
    for n, turn in enumerate(turns):
        rejected = n + 1 < len(turns) and _REJECTS.match(turns[n + 1])
        if n and turns[n - 1].rstrip().endswith("?"):
            turn = _ANSWERED.sub(r"\1", turn)
        out.append(_suppose_turn(turn) if rejected and _ASKS.match(turn) else turn)
    return "".join(out)
