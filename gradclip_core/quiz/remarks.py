"""Remarks that go on the clause before them, for reading answers (:mod:`.text`).

- a code comment led by a verb in -s ("clip_grad_norm_(...)  # returns the norm") says what the
  code does: no clause ends at its "#";
- a short "i.e." / "namely" remark between commas ("the proportions, i.e. the direction, can
  change") renames the words before it: no clause ends at its commas.

Both work on ``(kind, text, code)`` pieces (:func:`.text.tokens` explains the kinds).
"""

from __future__ import annotations

from gradclip_core.quiz.claims import wordset

APPOSITIVE_WORDS = 4  # words an "i.e." remark between commas may have and stay in its clause
_RENAMES = wordset("ie namely")  # "..., i.e. the direction, ..."


def annotates(pieces: list[tuple[str, str, bool]], n: int) -> bool:
    """Whether piece ``n`` opens a code comment that goes on the line of code before it: one
    led by a verb in -s ("clip_grad_norm_(...)  # returns the norm"), whose subject is the
    code; other comments ("# now the threshold means what it says") are clauses of their own."""
    if pieces[n][1][:1] != "#" or n + 1 >= len(pieces) or not any(p[2] for p in pieces[:n]):
        return False
    kind, word, _ = pieces[n + 1]
    return kind == "word" and word.endswith("s") and not word.endswith("ss") and n > 0


def appositive(pieces: list[tuple[str, str, bool]]) -> set[int]:
    """The pauses around a short "i.e." / "namely" remark ("the proportions, i.e. the
    direction, can change"): it renames the words before it, so no clause ends there."""
    out: set[int] = set()
    for n, (kind, word, _) in enumerate(pieces):
        if kind != "word" or word not in _RENAMES or not n or pieces[n - 1][0] != "pause":
            continue
        close = next((k for k in range(n + 1, len(pieces)) if pieces[k][0] != "word"), None)
        if close is not None and pieces[close][0] == "pause" and close - n <= APPOSITIVE_WORDS:
            out |= {n - 1, close}
    return out
