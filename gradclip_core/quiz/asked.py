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

# its words, up to "?"; the point of a decimal ("is the norm 0.3?") or of a dotted name ("before
# loss.backward()?") ends no sentence
_QUESTION = re.compile(
    r"(?:(?<=[!?;:\n])|(?<=\.)(?!\w)|^)([ \t]*)((?:[^.!?;:\n]|(?<=\w)\.(?=\w))+)\?"
)
# "does it always explode? no, tanh can damp it": the "no" answers the question, it denies nothing
_ANSWERED = re.compile(r"(\?\s+)(?:no|nope|nah|yes|yep|yeah)\s*[,!:]\s*")
CLAUSE = re.compile(r"(,\s*(?:(?:and|but|or|so)\s+)?|\s+(?:and|but|or|so|because|which)\s+)")
# a word that starts a clause of its own: "suppose" goes after it ("... and then suppose let ...")
_SO, _SO_LEADS = re.compile(r"\bso\s+$"), re.compile(r"^(\s*)so\s+")
_LED = re.compile(r"^\s*(?:then|but|because|since|which|when|while|though|although)\s+")


def _lead(part: str) -> str:
    """``part`` led by "suppose", after a word that starts a clause of its own."""
    m = _LED.match(part)
    return f"{m.group()}suppose {part[m.end() :]}" if m else f"suppose {part}"


def supposed(body: str, cuts: re.Pattern = CLAUSE) -> str:
    """``body`` with each of its clauses (split at ``cuts``, never inside brackets: the comma of
    "(6, 0)" splits nothing) led by "suppose"."""
    out, start = [], 0
    for cut in cuts.finditer(body):
        before = body[start : cut.start()]
        if before.count("(") + before.count("[") == before.count(")") + before.count("]"):
            out.append(f"{_lead(before)}{cut.group()}")
            start = cut.end()
    return f"{''.join(out)}{_lead(body[start:])}"


def mark(text: str) -> str:
    """``text`` with each clause of a question led by "suppose"."""

    def ask(m: re.Match) -> str:
        parts = CLAUSE.split(m.group(2))
        # a "so" in a question asks too: "so it clips ...?", "..., so clipping gives ...?" (dropped)
        parts = [_SO.sub("", p) if n % 2 else _SO_LEADS.sub(r"\1", p) for n, p in enumerate(parts)]
        said = "".join(p if n % 2 else _lead(p) for n, p in enumerate(parts))
        return f"{m.group(1)}{said}?"

    return _ANSWERED.sub(r"\1", _QUESTION.sub(ask, text))
