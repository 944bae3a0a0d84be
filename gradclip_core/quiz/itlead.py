"""A clause that opens with "it" is about what the clause before it named.

"Call torch.nn.utils.clip_grad_value_(model.parameters(), 1.0). It rescales all the gradients
together by one factor": "it" is clip_grad_value_, named just before, even though the clause
names other subject words ("gradients", "norm") after its verb. So a clause led by "it" (in its
sentence's first place or after a comma) that names no subject before its verb is lent the clause
before it, when that one names a subject and supposes nothing; a claim whose subject the clause
itself names still finds it there first (:func:`gradclip_core.quiz.match.holds`).
"""

from __future__ import annotations

from gradclip_core.quiz.match import has_subject
from gradclip_core.quiz.text import Clause

_LEADS = frozenset({"it"})


def relend(
    ctx: list[tuple[Clause, Clause | None]], subjects: frozenset[str]
) -> list[tuple[Clause, Clause | None]]:
    """``ctx`` (clause, donor) with each clause led by "it" lent the clause before it."""
    out = list(ctx)
    for n in range(1, len(out)):
        clause, donor = out[n]
        before = out[n - 1][0]
        if donor is not None or not clause.toks or clause.toks[0].raw not in _LEADS:
            continue
        if before.premise or before.sentence < clause.sentence - 1:
            continue
        if has_subject(before, subjects, True):
            out[n] = (clause, before)
    return out
