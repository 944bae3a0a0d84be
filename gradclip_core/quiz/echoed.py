"""A clause led by a noun made from a verb said of a subject before takes that subject.

"Clipping by norm rescales; clipping by value truncates. Rescaling multiplies every entry by a
common factor, so the vector points the same way": "rescaling" echoes "rescales", said of norm
clipping, so that clause (and the clauses of its sentence that carry its topic on) is about
norm clipping, not about value clipping, the subject named last. The leading word must end in
"-ing" or "-ion", share its stem with a verb ("-s", "-ed") of exactly one earlier clause that
names its own subject (in one of the two sentences before; ";" ends one), and not be a subject
word itself.

A noun the answer gives a subject as its name works the same way: "norm clipping is a rescale,
value clipping is a clamp. The rescale uses one factor ...; the clamp works per element":
a clause led by "the" and that noun is about the subject of the one earlier clause that says
it "is a" / "is an" (or "does a") noun of that stem, not about the subject named last.
"""

from __future__ import annotations

from gradclip_core.quiz.match import has_subject
from gradclip_core.quiz.text import Clause, meaningful

_ENDINGS = ("ing", "ion")
_ARTICLE = ("a", "an")
_NAMING = ("is", "s", "does", "do", "are")  # "value clipping is a clamp", "norm does a rescale"
_REACH = 2  # sentences back (";" ends one) that an echoed verb may stand in


def _lead(clause: Clause, subjects: frozenset[str]):
    lead = next((t for t in clause.toks if meaningful(t)), None)
    if lead is None or lead.canon in subjects:
        return None
    named = [t.raw for t in clause.toks[:2]] == ["the", lead.raw]  # "the clamp works ..."
    return lead if named or lead.raw.endswith(_ENDINGS) else None


def _verb_of(clause: Clause, lead, named: bool) -> bool:
    """Whether the clause says ``lead`` of its subject: a verb ("rescales", "truncated") that
    ``lead`` ("rescaling") names, or, for a lead ``named`` after "the", "is a <lead>"."""
    toks = clause.toks
    if named and any(
        t.stem == lead.stem and toks[j - 1].raw in _ARTICLE and toks[j - 2].raw in _NAMING
        for j, t in enumerate(toks)
        if j >= 2
    ):
        return True
    return lead.raw.endswith(_ENDINGS) and any(
        t.raw.endswith(("s", "ed"))
        and not t.raw.endswith("ss")
        and t.stem == lead.stem
        and t.raw != lead.raw
        for t in toks
    )


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
            and _verb_of(out[k][0], lead, clause.toks[0].raw == "the")
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
