"""The procedure an answer lists, for judging the order of its calls (:mod:`.call_order`).

A listed procedure is ``LIST_RUN`` or more clauses in a row that each name a call and little
else ("so: scaled backward, unscale_, clip, scaler.step(optimizer), scaler.update()"); one
line of code each, a "# comment" or a "- remark" on a line aside, lists the calls written as
code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gradclip_core.quiz.text import Clause, meaningful, tokens

if TYPE_CHECKING:
    from gradclip_core.quiz.call_order import Mention

# words of a call and its object: "scaler.step(optimizer)", "scaled backward", "the clip"
_CALLISH = frozenset(
    t.canon
    for t in tokens(
        "zero_grad zero grad reset clear wipe forward backward backprop compute calculate "
        "unscale divide scale scaled undo clip clip_grad_norm clip_grad_value clamp step scaler "
        "update optimizer loss model parameters weights call run do then"
    )
)
LIST_EXTRAS = 2  # words besides the call (code aside) a list item may have: "scaled backward"
LIST_RUN = 3  # list items in a row that make a procedure: "backward, unscale_, clip, step"


def procedure(found: list[Clause], said: list[Mention]) -> list[str]:
    """The calls of the longest procedure the answer lists: ``LIST_RUN`` or more clauses in a
    row that each name a call and little else, none named twice, in one sentence unless
    written as code ("so: scaled backward,
    unscale_, clip, scaler.step(optimizer), scaler.update()"). It orders the calls it names,
    ahead of the order of first mentions (a clip named in an explanation before it does not
    count)."""
    said = _items(said)
    run: list[int] = []
    best: list[int] = []
    for n, clause in enumerate(found):
        calls = {m.call for m in said if m.clause == n}
        extras = [t for t in clause.toks if meaningful(t) and not (t.code or t.canon in _CALLISH)]
        coded = any(m.code for m in said if m.clause == n)
        joined = run and found[run[-1]].sentence == clause.sentence  # "a, b, c" or "a(); b()"
        if not calls or len(extras) > LIST_EXTRAS or not (coded or joined or not run):
            run = [n] if calls and len(extras) <= LIST_EXTRAS else []
            continue
        named = [k for k in run if calls & {m.call for m in said if m.clause == k}]
        run = [k for k in run if not named or k > named[-1]] + [n]  # from after the repeat
        best = run if len(run) > len(best) else best
    if len(best) < LIST_RUN:
        return []
    return [m.call for m in said if m.clause in best]


def _items(said: list[Mention]) -> list[Mention]:
    """The mentions that make list items: in a clause with a call written as code, only the
    code ("scaler.step(optimizer)  # knows the grads are already unscaled" lists the step)."""
    coded = {m.clause for m in said if m.code}
    return [m for m in said if m.code or m.clause not in coded]
