"""Remarks that go on the clause before them, for reading answers (:mod:`.text`).

- a code comment led by a verb in -s ("clip_grad_norm_(...)  # returns the norm") says what the
  code does: no clause ends at its "#" (a plural noun is no verb: "# grads back to true size");
- a dash remark right after a call written as code ("scaler.unscale_(optimizer) - divide out
  the loss scale") says what that call does: no clause ends at its dash;
- a short "i.e." / "namely" remark between commas ("the proportions, i.e. the direction, can
  change") renames the words before it: no clause ends at its commas;
- a remark in brackets is a clause of its own (:func:`asides`), and a word or two after it that
  end the sentence ("checks each unit (one row of W) separately") go on the clause before it.

- a short phrase that sets the scene ("With Adam, clipping every step ...") goes on the clause
  after it (:func:`fronted`, on the words of the clauses).

All but :func:`asides` and :func:`fronted` work on ``(kind, text, code)`` pieces
(:func:`.text.tokens` explains the kinds).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from gradclip_core.quiz.claims import wordset

if TYPE_CHECKING:
    from gradclip_core.quiz.text import Tok

FRONTED_WORDS = 3  # words a phrase that sets the scene ("with plain SGD,") may have
SCENE = wordset("with for in under using")  # "With Adam, ...": what the clause is about
_JOINS = wordset("and or but so because which that then while whereas")
CALL_WORDS = 5  # words a call before a dash remark may have: "scaler.unscale_(optimizer)"
ASIDE_MIN_WORDS = 4  # words a bracketed remark needs to be a clause of its own
_ENDED = re.compile(r"[.!?]\s*$")  # a remark, or the words before it, that end a sentence
_NEGATED = wordset("never not no")  # "(never above 1)": a short aside that denies is one too
_ASIDE = re.compile(r"(?:(?<=\s)|^)\(([a-z][^()]*)\)")  # "(and skips the step ...)"
# "... (like one row of W) separately.": the words that end the clause the remark interrupts
_TAIL = re.compile(r"[ \t]*([a-z][\w-]*(?:[ \t]+[a-z][\w-]*)?)(?=[ \t]*(?:[.,;:!?\n]|$))")
APPOSITIVE_WORDS = 4  # words an "i.e." remark between commas may have and stay in its clause
_RENAMES = wordset("ie namely")  # "..., i.e. the direction, ..."
# plural nouns a comment may start with: "# grads back to their true size" has no verb in -s
_PLURALS = wordset(
    "grads gradients weights params parameters values entries norms losses outputs "
    "activations steps calls numbers units rows"
)


def annotates(pieces: list[tuple[str, str, bool]], n: int) -> bool:
    """Whether piece ``n`` opens a code comment that goes on the line of code before it: one
    led by a verb in -s ("clip_grad_norm_(...)  # returns the norm"), whose subject is the
    code; other comments ("# now the threshold means what it says") are clauses of their own. A
    dash right after a call written as code opens a remark on that call."""
    if n + 1 >= len(pieces) or not any(p[2] for p in pieces[:n]):
        return False
    kind, word, _ = pieces[n + 1]
    if pieces[n][1].strip() == "-":  # "scaler.unscale_(optimizer) - divide out the scale"
        return kind == "word" and _a_call(pieces[:n])
    if pieces[n][1][:1] != "#" or word in _PLURALS:
        return False
    return kind == "word" and word.endswith("s") and not word.endswith("ss") and n > 0


def _a_call(before: list[tuple[str, str, bool]]) -> bool:
    """Whether the words since the last break are a call written as code and little else."""
    run = []
    for piece in reversed(before):
        if piece[0] != "word":
            break
        run.append(piece)
    return 0 < len(run) <= CALL_WORDS and any(code for _, _, code in run)


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


def asides(text: str) -> str:
    """A remark in brackets after a space ("(alternatively clip_grad_value_ clamps each
    entry)", "(and skips the step if there are infs)") is a clause of its own: its brackets
    read as dashes, and one or two words after it that end the clause ("each unit (like one
    row of W) separately.") are read before it. Brackets after a word ("f(x, y)") and short
    ones ("(3, 4)", "(its norm)") stay, unless they deny: a short denial qualifies a word and
    no more, so it is dropped ("tanh's derivative (never above 1) can shrink it" denies no
    shrinking). A remark that ends its sentence ("... (tanh can damp it.) Recap: ...") takes no
    words from the next one."""
    out, start = [], 0
    for m in _ASIDE.finditer(text):
        said = re.findall(r"[a-z_]\w*", m.group(1))
        if len(said) < ASIDE_MIN_WORDS and _NEGATED & set(said):  # "(never above 1)": dropped
            out += [text[start : m.start()].rstrip(), " "]
            start = m.end()
        elif len(said) >= ASIDE_MIN_WORDS:
            ended = _ENDED.search(m.group(1)) or _ENDED.search(text[: m.start()])
            tail = None if ended else _TAIL.match(text, m.end())
            rest = f" {tail.group(1)}" if tail else ""
            out += [text[start : m.start()].rstrip(), rest, " — ", m.group(1), " — "]
            start = tail.end() if tail else m.end()
    return "".join(out) + text[start:]


def fronted(parts: list[list[Tok]]) -> list[list[Tok]]:
    """The parts with a short phrase that sets the scene ("With Adam, clipping every step ...",
    "...: for SGD, it ...") read as part of the clause after it in its sentence (not one led by
    "and", "but", "so", ...)."""
    out: list[list[Tok]] = []
    pending: list[Tok] = []
    for n, part in enumerate(parts):
        nxt = parts[n + 1] if n + 1 < len(parts) else None
        short = len(part) <= FRONTED_WORDS and part[0].raw in SCENE
        joined = nxt and nxt[0].raw in _JOINS
        aside = n > 0 and parts[n - 1][-1].raw in ("and", "or", "but")  # "and, for tanh, ..."
        if short and nxt and nxt[0].sentence == part[0].sentence and not (joined or aside):
            pending = part
            continue
        out.append(pending + part)
        pending = []
    return out
