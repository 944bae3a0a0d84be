"""Procedures told sentence by sentence: "Firstly, ... Secondly, ... Finally, ..." orders calls.

A formal answer often gives its steps as sentences led by ordinal adverbs ("Firstly,
loss.backward() is called ... . Secondly, clip_grad_norm_(...) rewrites .grad ... . Finally,
optimizer.step() ..."), after an introduction that names a call without placing it ("the
trailing underscore in clip_grad_norm_ means ..."). The order of first mentions then reads the
introduction as the first step. So the calls named in the sentences led by such a word
(:data:`_LEADS`), in the order of those sentences, settle each pair that no order word in the
answer states ("a after b", "a, then b"), and each pair an order rule judges by a listed
procedure only; a call named in two of them orders nothing, and
only the clause that tells each step counts. Words an
answer only supposes or denies place nothing. Reads the clauses with their calls resolved
(:func:`.grading._resolved`) and the order :func:`.call_order.judge` found; used by grading.
"""

from __future__ import annotations

from gradclip_core.quiz.call_order import LOOP_START, mentions, statements
from gradclip_core.quiz.claims import wordset
from gradclip_core.quiz.listing import ahead
from gradclip_core.quiz.text import Clause

_LEADS = wordset(
    "first firstly second secondly third thirdly fourth fourthly fifth fifthly next then "
    "lastly finally afterwards subsequently"
)
MIN_STEPS = 2  # led sentences that name a call, for a told procedure


def steps(found: list[Clause], vocab: frozenset[str]) -> list[str]:
    """The calls named in the sentences led by an ordinal word, in text order: only in the
    clause that tells the step ("First, clipping is not lowering the rate: it only affects the
    big steps" names no step call)."""
    starts: dict[int, int] = {}
    for n, clause in enumerate(found):
        starts.setdefault(clause.sentence, n)
    body = set()  # the clause that tells each step: the lead's own, or the one after it
    for n in starts.values():
        toks = found[n].toks
        if toks and toks[0].raw in _LEADS:
            alone = len(toks) == 1 and n + 1 < len(found)
            body.add(n + 1 if alone and found[n + 1].sentence == found[n].sentence else n)
    said = [
        m
        for m in mentions(found, vocab)
        if m.clause in body
        and m.pos >= found[m.clause].premise
        and not found[m.clause].negators.get(m.pos)
    ]
    if len({found[m.clause].sentence for m in said}) < MIN_STEPS:
        return []
    return [m.call for m in said]


def settle(
    order: dict[tuple[str, str], str],
    found: list[Clause],
    vocab: frozenset[str],
    listed: frozenset[tuple[str, str]] = frozenset(),
) -> dict[tuple[str, str], str]:
    """``order`` with each pair no order word states settled by a procedure told in steps (a
    ``listed`` pair, judged by a procedure only, by the steps whatever the words say)."""
    told = steps(found, vocab)
    if not told:
        return order
    strong = statements(found, mentions(found, vocab))
    out = dict(order)
    for a, b in order:
        stated = (a, b) not in listed and ((a, b) in strong or (b, a) in strong)
        if LOOP_START in (a, b) or stated:
            continue
        ab, ba = ahead(told, a, b), ahead(told, b, a)
        if ab != ba:
            out[(a, b)] = "stated" if ab else "reversed"
    return out
