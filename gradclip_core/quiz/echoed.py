"""A clause led by a noun made from a verb said of a subject before takes that subject.

"Clipping by norm rescales; clipping by value truncates. Rescaling multiplies every entry by a
common factor, so the vector points the same way": "rescaling" echoes "rescales", said of norm
clipping, so that clause (and the clauses of its sentence that carry its topic on) is about
norm clipping, not about value clipping, the subject named last. The leading word must end in
"-ing" or "-ion", share its stem with a verb ("-s", "-ed") of exactly one earlier clause that
names its own subject (in one of the two sentences before; ";" ends one), and not be a subject
word itself.
"""

from __future__ import annotations

from gradclip_core.quiz.match import has_subject
from gradclip_core.quiz.text import Clause, meaningful

_ENDINGS = ("ing", "ion")
_REACH = 2  # sentences back (";" ends one) that an echoed verb may stand in


def _lead(clause: Clause, subjects: frozenset[str]):
    lead = next((t for t in clause.toks if meaningful(t)), None)
    if lead is None or not lead.raw.endswith(_ENDINGS) or lead.canon in subjects:
        return None
    return lead


def _verb_of(tok, lead) -> bool:
    """Whether ``tok`` is a verb ("rescales", "truncated") that ``lead`` ("rescaling") names."""
    verb = tok.raw.endswith(("s", "ed")) and not tok.raw.endswith("ss")
    return verb and tok.stem == lead.stem and tok.raw != lead.raw


def relend(
    ctx: list[tuple[Clause, Clause | None]], subjects: frozenset[str]
) -> list[tuple[Clause, Clause | None]]:
    """``ctx`` (clause, donor) with the donor of each echoing clause set to the clause it
    echoes, and the clauses after it in its sentence that shared its old donor likewise."""
    out = list(ctx)
    for n, (clause, donor) in enumerate(out):
        if has_subject(clause, subjects):
            continue
        lead = _lead(clause, subjects)
        if lead is None:
            continue
        said = [
            k
            for k in range(n)
            if out[k][0].sentence >= clause.sentence - _REACH
            and out[k][0].sentence < clause.sentence
            and has_subject(out[k][0], subjects)
            and any(_verb_of(t, lead) for t in out[k][0].toks)
        ]
        if len(said) != 1 or out[said[0]][0] is donor:
            continue
        new = out[said[0]][0]
        out[n] = (clause, new)
        for m in range(n + 1, len(out)):
            nxt, old = out[m]
            if nxt.sentence != clause.sentence or old is not donor or has_subject(nxt, subjects):
                break
            out[m] = (nxt, new)
    return out
