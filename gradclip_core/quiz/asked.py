"""Questions in answers: a sentence that ends with "?" asks, it asserts nothing.

"Why not just pick a small threshold to be safe? Because ..." names a choice the answer goes on
to reject, so a misconception must not be read in it, and it earns no concept either. Each
clause of a question is read as a supposition: it is led by "suppose", which
:mod:`.suppose` marks as the premise of its clause. A "no," / "yes," that answers the question
("does it always explode? no, tanh can damp it", "... no: the gradients are still scaled") is
dropped: it denies nothing in its own sentence. The point of a decimal ends no sentence: "next
step the norm is 0.3?" asks all of it. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

# its words, up to "?"; the point of a decimal ("is the norm 0.3?") ends no sentence
_QUESTION = re.compile(
    r"(?:(?<=[!?;:\n])|(?<=\.)(?!\d)|^)([ \t]*)((?:[^.!?;:\n]|(?<=\d)\.(?=\d))+)\?"
)
# "does it always explode? no, tanh can damp it": the "no" answers the question, it denies nothing
_ANSWERED = re.compile(r"(\?\s+)(?:no|nope|nah|yes|yep|yeah)\s*[,!:]\s*")
CLAUSE = re.compile(r"(,\s*(?:(?:and|but|or|so)\s+)?|\s+(?:and|but|or|so|because|which)\s+)")


def supposed(body: str, cuts: re.Pattern = CLAUSE) -> str:
    """``body`` with each of its clauses (split at ``cuts``, never inside brackets: the comma of
    "(6, 0)" splits nothing) led by "suppose"."""
    out, start = [], 0
    for cut in cuts.finditer(body):
        before = body[start : cut.start()]
        if before.count("(") + before.count("[") == before.count(")") + before.count("]"):
            out.append(f"suppose {before}{cut.group()}")
            start = cut.end()
    return f"{''.join(out)}suppose {body[start:]}"


def mark(text: str) -> str:
    """``text`` with each clause of a question led by "suppose"."""

    def ask(m: re.Match) -> str:
        parts = CLAUSE.split(m.group(2))
        said = "".join(p if n % 2 else f"suppose {p}" for n, p in enumerate(parts))
        return f"{m.group(1)}{said}?"

    return _ANSWERED.sub(r"\1", _QUESTION.sub(ask, text))
