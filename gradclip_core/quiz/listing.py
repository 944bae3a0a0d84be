"""The procedure an answer lists, and the order of its first mentions, for judging the order of
its calls (:mod:`.call_order`).

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
    said = [m for m in _items(said) if not found[m.clause].negators.get(m.pos)]  # "not the clip"
    run: list[int] = []
    best: list[int] = []
    for n, clause in enumerate(found):
        calls = {m.call for m in said if m.clause == n}
        extras = [t for t in clause.toks if meaningful(t) and not (t.code or t.canon in _CALLISH)]
        coded = any(m.code for m in said if m.clause == n)
        if any(_remarked(clause, m.pos) for m in said if m.clause == n):
            run = []  # "unscale_ is necessary because ...": a remark on it, no list item
            continue
        joined = run and found[run[-1]].sentence == clause.sentence  # "a, b, c" or "a(); b()"
        if not calls or len(extras) > LIST_EXTRAS or not (coded or joined or not run):
            run = [n] if calls and len(extras) <= LIST_EXTRAS else []
            continue
        named = [k for k in run if calls & {m.call for m in said if m.clause == k}]
        run = [k for k in run if not named or k > named[-1]] + [n]  # from after the repeat
        # on a tie, a list in one sentence beats one that runs across sentences
        best = max(best, run, key=lambda r: (len(r), len({found[k].sentence for k in r}) < 2))
    if len(best) < LIST_RUN:
        return []
    return [m.call for m in said if m.clause in best]


def _items(said: list[Mention]) -> list[Mention]:
    """The mentions that make list items: in a clause with a call written as code, only the
    code ("scaler.step(optimizer)  # knows the grads are already unscaled" lists the step)."""
    coded = {m.clause for m in said if m.code}
    return [m for m in said if m.code or m.clause not in coded]


def sequence(said: list[Mention], found: list[Clause], a: str, b: str) -> tuple[bool, bool]:
    """(a before b, b before a) by the order of mention (see the module docstring), not counting
    a call only likened to, after "is" ("the glass is optimizer.step()"); when the
    first sentence naming both and the first mentions disagree, neither. When no sentence names
    both, first mentions in words can only say a before b ("... unscale_, clip, step. The
    gradients out of backward are scaled" does not put backward() after the clip); calls
    written as code ("loss.backward(); optimizer.step(); clip_grad_norm_(...)") can reverse,
    unless the first is only the object of "before" / "after"."""
    said = [m for m in said if not found[m.clause].negators.get(m.pos)]  # "not after backward"
    # "Without unscaling, clipping sees 32768": what would happen names no step of the procedure
    leads = {c.sentence: c.toks[0].raw for c in reversed(found) if c.toks}
    said = [m for m in said if leads.get(found[m.clause].sentence) != "without"]
    said = [m for m in said if not (m.code and _equated(found[m.clause], m.pos))]  # "x is step()"
    # code outranks words, but not code that is only the subject of a remark on the call
    coded = [
        m for m in said if m.code and (m.call != "clip" or not _remarked(found[m.clause], m.pos))
    ]
    in_code = {a, b} <= {m.call for m in coded}
    if in_code:  # code outranks words
        said = coded
    calls = [m.call for m in said]
    if a not in calls or b not in calls:
        return False, False
    # the clip first named as the subject of a remark ("clip_grad_norm_ has no knowledge of the
    # scale") is not yet placed: the first mentions that place it decide
    placing = [m for m in said if m.call != "clip" or not _remarked(found[m.clause], m.pos)]
    if not {a, b} <= {m.call for m in placing}:
        placing = said
    order = [m.call for m in placing]
    first = order.index(a) < order.index(b)
    lead = placing[order.index(a if first else b)]
    for sentence in sorted({found[m.clause].sentence for m in said}):
        here = [m.call for m in said if found[m.clause].sentence == sentence]
        if a in here and b in here:
            ab, ba = ahead(here, a, b), ahead(here, b, a)
            if ab and ba:  # "clip ... after backward(), call clip_grad_norm_": it says nothing
                return False, False
            return (ab and first), (ba and not first)
    # in words, across sentences, it never reverses; nor does a call named first only as the
    # object of "before" / "after" ("right before optimizer.step(): - by norm: clip_grad_norm_")
    # nor a call named as the subject of a sentence that describes it ("clip_grad_norm_ has no
    # idea about that. So you undo the scaling first, with scaler.unscale_(optimizer)")
    clause = found[lead.clause]
    return first, in_code and not first and not _placed_object(clause, lead.pos) and not _described(
        clause, lead.pos
    )


_COPULAS = frozenset(("is", "are", "was", "s"))
_OWNERS = frozenset(("loss", "optimizer", "opt", "scaler", "model", "torch", "nn", "utils"))
# "the first step is loss.backward()", "torch's counterpart is unscale_()": a step named
_RANKS = frozenset(
    ("first", "second", "third", "next", "then", "last", "final", "finally", "step", "steps")
    + ("call", "fix", "answer", "counterpart", "equivalent", "way")
)


def _equated(clause: Clause, pos: int) -> bool:
    """Whether the call at ``pos`` (written as code) is only what something is likened to, after
    "is" ("the tap is loss.backward()", "the glass is optimizer.step()"): it names the call, it
    runs nothing; not a step of the procedure ("the first step is loss.backward()", "the fix is
    unscale_()")."""
    k = pos - 1
    while k >= 0 and (clause.toks[k].code or clause.toks[k].raw in _OWNERS):
        k -= 1
    ranked = any(t.raw in _RANKS or t.raw.isdigit() for t in clause.toks[:k])
    return k >= 0 and clause.toks[k].raw in _COPULAS and not ranked


_DESCRIBING = frozenset(
    ("has", "is", "knows", "sees", "does", "doesn", "can", "cannot", "never", "only")
)


def _described(clause: Clause, pos: int) -> bool:
    """Whether the call at ``pos`` is the subject of a verb that describes it: the first word
    after its name that is not code ("has", "knows", "doesn't", ...)."""
    rest = [t.raw for t in clause.toks[pos + 1 :] if not t.code]
    return bool(rest) and rest[0] in _DESCRIBING


_REMARKS = frozenset(("has", "knows", "sees", "doesn", "cannot", "never"))
_PASSIVE = frozenset(("run", "done", "put", "then", "now", "also", "only", "always", "still"))


def _remarked(clause: Clause, pos: int) -> bool:
    """Whether the call at ``pos`` is the subject of a remark on it, not a step that runs it:
    "clip_grad_norm_ has no knowledge of the scale", "unscale_ is necessary because ...", "the
    norm seen by clip_grad_norm_ is S||g||" (not "clip_grad_norm_ is applied", a step)."""
    rest = [t.raw for t in clause.toks[pos + 1 :] if not t.code]
    if rest[:1] in (["is"], ["are"]) and len(rest) > 1:  # "is necessary", not "is applied"
        return not (rest[1].endswith("ed") or rest[1] in _PASSIVE)
    return (rest or [""])[0] in _REMARKS


def _placed_object(clause: Clause, pos: int) -> bool:
    """Whether the call at ``pos`` follows "before" / "after" closely: it places another."""
    return any(t.raw in ("before", "after") for t in clause.toks[max(0, pos - 3) : pos])


def ahead(calls: list[str], a: str, b: str) -> bool:
    """Whether some ``a`` comes before some ``b``."""
    return a in calls and b in calls[calls.index(a) :]
