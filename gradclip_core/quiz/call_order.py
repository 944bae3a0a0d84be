"""Which calls an answer puts in which order, judged over the whole answer.

The answer's mentions of calls (``CALLS`` in quiz.claims: ``loss.backward()``, "clip",
``optimizer.step()``, ...) are read in two ways:

- statements: "clip after backward", "before the step, clip", "backward, then clip", "clip
  between backward and step" ("between them": the two calls named before it), "backward
  first", "a followed by b", "once (or when) backward has run", "after that last backward" (a
  negation reverses one: "never clip before backward"; "not after every backward" orders
  nothing). They chain (a < b < c); when two disagree, the one written first wins (a later
  "clipping before unscaling is wrong" does not undo the procedure given before it);
- a listed procedure, for pairs no statement orders: three or more calls in a row, each a
  clause of its own ("so: scaled backward, unscale_, clip, scaler.step(optimizer)");
- the sequence, for the pairs left: the first sentence that names both calls
  ("loss.backward(); clip_grad_norm_(...); optimizer.step()") and the order of their first
  mentions must agree, or it says nothing; when no sentence names both, first mentions in
  words can credit the pair but never reverse it. Calls written as code outrank words ("to
  add clipping: loss.backward(), ..."). A clause led by "after" / "before" places the clip
named earlier in its sentence ("the clip goes where the step goes: after backward(), ...") or,
with none, the one :mod:`.placed` finds.
A pair (a, b) is *stated* when the answer orders a before b and *reversed* when it orders b
before a. The loop repeats, so ``zero_grad()`` written before a later call (``step()``) is in
order when it also comes before ``backward()``: it starts the iteration; only one between
``backward()`` and that call comes too early ("backward, clip, zero_grad, step"), and so does
one before the clip when no ``backward()`` is named ("zero_grad(), then clip, then step()").
A bare list of calls written as code that runs a stated pair the other way round ("1.
backward() 2. step() 3. clip_grad_norm_(). The clip comes before the step") leaves the pair
unknown: the answer says both.
Hypothetical clauses ("if you clipped after the step, ...") order nothing, a participle before a
noun ("the clipped gradients", "clipped far too much") refers to a call, and a bare word that names
a call only in sentences too ("update") is a call only as an item of a list of calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from gradclip_core.quiz.claims import CALLS, wordset
from gradclip_core.quiz.fronted import object_end, pointed, subject
from gradclip_core.quiz.futile import after_between, far_between, rejected, then_placed, unacted
from gradclip_core.quiz.listing import ahead, procedure, sequence
from gradclip_core.quiz.match import alt_hits, alternatives
from gradclip_core.quiz.placed import placed
from gradclip_core.quiz.text import Clause, meaningful

_AFTER = wordset("after once following follows follow when")  # "a after b": b < a
_BEFORE = wordset("before prior ahead preceding precedes precede followed")  # "a before b"
_THEN = wordset("then afterwards afterward subsequently finally lastly later next")
_FIRST = wordset("first firstly initially")
_EVERY = wordset("every each all")
_ANAPHORA = wordset("that this it which these them")  # "after that, ..."
_PAIR = wordset("them two both")  # "between them", "between the two"
_NOT_A_STEP = wordset("time train each per one singl previous accumul accum micro")  # "time step"
_ONCE_LEADS = wordset("loss optimizer scaler model all")  # "once loss.backward() has run"
_NOUNS = wordset("gradient valu one norm sum loss")  # "the clipped gradients" (canon)
_DETERMINERS = wordset("the each every any its their")  # "the later clips", "the first backward"
_PLACING = wordset(
    "put place placed goes go call called do right just only either way immediately directly "
    "belongs belong sits sit comes come happens happen insert inserted add added slotted extra"
)
_MARKERS = _AFTER | _BEFORE | _THEN | _FIRST | {"between"}
_LISTED_ONLY = {"update"}  # calls whose bare word is a call only as a list item
_LIST_FILLERS = wordset("and then finally lastly call run do scaler s")  # "..., and then update"
LOOP_START = "zero_grad"  # the call that starts an iteration (see the module docstring)
TOPIC = "clip"  # what every answer places: "the clip goes where the step goes: after backward()"


@dataclass(frozen=True)
class Mention:
    call: str  # a name from CALLS
    clause: int  # index of its clause
    pos: int  # its first word's index in that clause
    i: int  # its first word's index in the answer
    code: bool  # written as code: loss.backward(), clip_grad_norm_


@lru_cache(maxsize=1)
def _call_patterns() -> dict[str, tuple]:
    return {name: alternatives(text) for name, text in CALLS.items()}


def mentions(found: list[Clause], vocab: frozenset[str]) -> list[Mention]:
    """Every call the answer makes (not one it only supposes), in the order written."""
    out = {}
    for n, clause in enumerate(found):
        hits = [
            (name, hit)
            for name, alts in _call_patterns().items()
            for alt in alts
            for hit in alt_hits(alt, clause, vocab, hidden=True)
        ]
        for name, hit in hits:
            pos = min(hit)
            if pos < clause.premise or _not_a_call(name, clause, pos, max(hit)):
                continue
            if any(other != name and pos < min(h) <= max(h) < max(hit) for other, h in hits):
                continue  # "the scaler do the step and update": "scaler ... update" spans a step
            code = any(clause.toks[j].code for j in hit)
            out.setdefault(clause.toks[pos].i, Mention(name, n, pos, clause.toks[pos].i, code))
    return sorted(out.values(), key=lambda m: m.i)


def _not_a_call(name: str, clause: Clause, pos: int, last: int) -> bool:
    """A "time step", a participle naming a noun ("the clipped gradients") or a state ("already
    unscaled"), or a bare word that names a call only in a list of calls ("..., step, update")."""
    toks = clause.toks
    if name == "step" and any(t.canon in _NOT_A_STEP for t in toks[max(0, pos - 3) : pos]):
        return True
    if unacted(name, [t.raw for t in toks], last):  # "steps 3 to 5", "clipped far too much"
        return True
    if name in _LISTED_ONLY and pos == last:
        return any(t.raw not in _LIST_FILLERS for j, t in enumerate(toks) if j != pos)
    after = next((t for t in toks[last + 1 :] if meaningful(t)), None)
    noun = after is not None and after.canon in _NOUNS or pos and toks[pos - 1].raw == "already"
    return toks[last].raw.endswith("ed") and bool(noun)


@dataclass
class _Reader:
    """Collects (first, then) call pairs from the order words of one answer, in text order."""

    found: list[Clause]
    said: list[Mention]
    pairs: list[tuple[str, str]] = field(default_factory=list)
    objects: set[int] = field(default_factory=set)  # answer indices of mentions used as objects
    earlier: set[int] = field(default_factory=set)  # those of "after": "a after b" runs b first

    def topic(self, i: int, sentence: int) -> Mention | None:
        """The first mention of the clip in ``sentence`` before answer index ``i`` that is no
        object of an order word: what a clause led by "after" / "before" places."""
        return next(
            (
                m
                for m in self.said
                if m.call == TOPIC
                and m.i < i
                and self.sentence(m) == sentence
                and m.i not in self.objects
            ),
            None,
        )

    def add(self, first: Mention | None, then: Mention | None, flip: bool) -> None:
        if first is None or then is None or first.call == then.call:
            return
        a, b = (then, first) if flip else (first, then)
        self.pairs.append((a.call, b.call))

    def sentence(self, m: Mention) -> int:
        return self.found[m.clause].sentence

    def objects_of(self, i: int, clause: int, raw: str) -> list[Mention]:
        """The mentions a marker word at answer index ``i`` orders against: those up to the
        next marker ("after computing the gradients with loss.backward()"), the first first."""
        toks = self.found[clause].toks
        stop = object_end(toks, i, _MARKERS)
        ahead = [m for m in self.said if i < m.i < stop and m.clause == clause]
        if raw == "when":  # only "when all micro-batches have been backpropagated" orders
            return ahead if {"have", "has", "had"} & {t.raw for t in toks} else []
        if not ahead or raw != "once":  # "once" is also "clip once": only "once backward()
            return ahead  # has run" orders anything
        between = [t for t in toks if i < t.i < ahead[0].i and meaningful(t)]
        return ahead if all(t.canon in _ONCE_LEADS for t in between) else []

    def before(self, i: int, sentence: int | None = None, free: bool = False) -> Mention | None:
        for m in reversed(self.said):
            if m.i >= i or (free and m.i in self.objects):
                continue
            if sentence is None or self.sentence(m) == sentence:
                return m
        return None

    def later(self, sentence: int, clause: int) -> Mention | None:
        """The first mention of ``sentence`` after ``clause`` that is not an object: the
        subject of "before the step, clip" or "after backward(), call clip_grad_norm_"; none
        when a marker leads its clause ("after backward(), before step() (then zero_grad)")."""
        for m in self.said:
            lead, prior = self.found[m.clause].toks[0].raw, self.found[m.clause - 1].toks
            led = lead in _MARKERS or (lead == "and" and any(t.raw == "before" for t in prior))
            if m.clause > clause and self.sentence(m) == sentence and m.i not in self.objects:
                return None if led else m
        return None


def statements(found: list[Clause], said: list[Mention]) -> set[tuple[str, str]]:
    """(first, then) pairs the answer states with order words (see the module docstring)."""
    reader = _Reader(found, said)
    words = [
        (n, pos, tok)
        for n, c in enumerate(found)
        for pos, tok in enumerate(c.toks)
        if pos >= c.premise
    ]
    for n, _, tok in words:  # first pass: what "after" / "before" point at
        if tok.raw in _AFTER or tok.raw in _BEFORE:
            reader.objects |= (objects := {m.i for m in reader.objects_of(tok.i, n, tok.raw)})
            reader.earlier |= objects if tok.raw in _AFTER else set()
    for n, pos, tok in words:
        clause = found[n]
        flip = (len(clause.negators.get(pos, ())) % 2 == 1) != rejected(clause)
        following = clause.toks[pos + 1].raw if pos + 1 < len(clause.toks) else ""
        if tok.raw in _AFTER or tok.raw in _BEFORE:
            _relation(reader, clause, n, tok, following, flip)
        elif tok.raw in _THEN and _prev_raw(clause, pos) not in _DETERMINERS:
            _then(reader, n, tok.i, tok.raw == "next", flip)
        elif tok.raw in _FIRST and _prev_raw(clause, pos) not in _DETERMINERS:
            _first(reader, clause, n, tok.i)
        elif tok.raw == "between":
            _between(reader, clause, tok.i, flip)
    return _chain(reader.pairs)


def _prev_raw(clause: Clause, pos: int) -> str:
    return clause.toks[pos - 1].raw if pos else ""


def _placing(clause: Clause, i: int) -> bool:
    """Whether the words before a marker only place the topic, the clip: "right before
    optimizer.step()", "put it after backward()", "the call goes after loss.backward()"."""
    return all(t.raw in _PLACING for t in clause.toks if t.i < i and meaningful(t))


def _relation(reader: _Reader, clause: Clause, n: int, tok, following: str, flip: bool) -> None:
    """ "a after b", "after b, a", "a before b", "before b, a", "a followed by b"."""
    if flip and following in _EVERY:  # "not after every backward": not each time, no order
        return
    objects = reader.objects_of(tok.i, n, tok.raw)
    named_next = objects[0].i if objects else None  # "after that last backward": no "that"
    if following in _ANAPHORA and tok.raw in _AFTER and not pointed(clause.toks, tok.i, named_next):
        _then(reader, n, tok.i, False, flip)
        return
    if not objects:
        return
    obj = objects[0]
    subj = subject(reader, clause, n, tok.i, _MARKERS)
    named = _pronoun_object(reader, clause, tok.i, obj)
    if named is not None:  # "before checking it you convert back with unscale_()"
        obj, subj = named, obj
    if _placing(clause, tok.i):  # "the clip goes where the step goes: after backward(), ..."
        subj = reader.topic(tok.i, clause.sentence) or placed(reader, subj, tok.i, clause, n)
    if tok.raw in _AFTER:
        reader.add(obj, subj, flip)
    else:
        reader.add(subj, obj, flip)


def _pronoun_object(reader: _Reader, clause: Clause, i: int, first: Mention) -> Mention | None:
    """The call a gerund's pronoun names when a marker's object is "checking it" / "applying
    them" (the clip named before, in this sentence or the one before): the call named after
    it is then the subject ("before checking it you convert back with unscale_()")."""
    between = [t.raw for t in clause.toks if i < t.i < first.i]
    if not any(
        a.endswith("ing") and b in _ANAPHORA for a, b in zip(between, between[1:], strict=False)
    ):
        return None
    named = reader.before(i)
    near = named is not None and reader.sentence(named) >= clause.sentence - 1
    return named if near and named.call == TOPIC else None


def _then(reader: _Reader, n: int, i: int, post_only: bool, flip: bool) -> None:
    """ "a, then b" (or "b comes next": the mention before the word, after the one before);
    when that one is the object of an "after", its subject: "unscale_ after backward(); then
    clip" puts the clip after unscale_."""
    nxt = None if post_only else then_placed(reader, n, i)  # not what a placing phrase names
    last = reader.before(i)
    if nxt is not None and last is not None and last.call == nxt.call:
        return  # "the clip should apply to the sum -> do it once": the same call, no order
    if nxt is None:
        nxt = reader.before(i)
        if nxt is None or nxt.clause != n:
            return
    before = min(i, nxt.i)  # what comes before "then", not a placing phrase's object after it
    prv = next((m for m in reversed(reader.said) if m.i < before and m.call != nxt.call), None)
    if prv is not None and prv.i in reader.earlier:  # "unscale_ after backward(); then clip"
        same = (m for m in reader.said if m.clause == prv.clause and m.i not in reader.objects)
        prv = next(same, prv)
    reader.add(prv, nxt, flip)


def _first(reader: _Reader, clause: Clause, n: int, i: int) -> None:
    """ "first backward", "backward first" or "First, backward": it comes before the
    sentence's other calls."""
    said, toks = reader.said, clause.toks
    ahead = [m for m in said if m.clause == n and 0 < m.i - i <= 3]
    behind = [m for m in said if m.clause == n and 0 < i - m.i <= 3]
    nxt = next((t.raw for t in toks if t.i > i), "")
    if nxt in ("", "and", "then"):  # "unscale first and clip afterwards": it names the one before
        ahead = []
    alone = not [t for t in toks if meaningful(t) and t.raw not in _FIRST]
    lead = [m for m in said if m.clause == n + 1] if alone else []
    if ahead and behind and i - behind[-1].i < ahead[0].i - i:  # "unscaling first makes the clip"
        ahead = []
    target = (ahead[:1] or behind[-1:] or lead[:1] or [None])[0]
    if target is None:
        return
    for m in said:
        if reader.sentence(m) == clause.sentence and m.call != target.call:
            reader.add(target, m, False)


def _between(reader: _Reader, clause: Clause, i: int, flip: bool) -> None:
    """ "clip between backward and step" (or "between backward and step, clip")."""
    sentence = clause.sentence
    ends = [m for m in reader.said if m.i > i and reader.sentence(m) == sentence]
    near = [t.raw for t in clause.toks if i < t.i < ends[0].i] if ends else None
    pair = _PAIR & after_between(
        [t.raw for t in clause.toks if i < t.i <= i + 3]
    )  # "between them: a, b, c"
    if len(ends) < 2 or (
        not pair and far_between(near if reader.found[ends[0].clause] is clause else None)
    ):
        _between_them(reader, clause, i, flip)
        return
    subj = reader.before(i, sentence, free=True) or (ends + [Mention(TOPIC, -1, -1, -1, False)])[2]
    reader.objects.update((ends[0].i, ends[1].i))
    for first, then in [] if flip else [(ends[0], subj), (subj, ends[1])]:  # "never between"
        reader.add(first, then, False)  # orders nothing: it is not "after both" either


def _between_them(reader: _Reader, clause: Clause, i: int, flip: bool) -> None:
    """ "you have backward() and step(); put the clip (in) between them": the two calls named
    last before the one placed, in its sentence or the one before."""
    if flip or not _PAIR & after_between([t.raw for t in clause.toks if i < t.i <= i + 3]):
        return
    subj = reader.before(i, clause.sentence, free=True)
    if subj is None:
        return
    named = [
        m
        for m in reader.said
        if m.i < subj.i and reader.sentence(m) >= clause.sentence - 1 and m.call != subj.call
    ]
    if len(named) < 2 or named[-2].call == named[-1].call:
        return
    reader.add(named[-2], subj, flip)
    reader.add(subj, named[-1], flip)


def _chain(pairs: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """The pairs in text order, chained (a < b and b < c give a < c); a pair that contradicts
    what came before it is dropped."""
    out: set[tuple[str, str]] = set()
    for a, b in pairs:
        if (b, a) in out or (a, b) in out:
            continue
        before_a = {x for x, y in out if y == a} | {a}
        after_b = {y for x, y in out if x == b} | {b}
        out |= {(x, y) for x in before_a for y in after_b if x != y}
    return out


def _placed(clause: Clause) -> bool:
    """Whether a clause places its call by another ("before optimizer.step()"): no list item."""
    return clause.relative or any(t.raw in ("after", "before", "again") for t in clause.toks)


def judge(
    found: list[Clause], vocab: frozenset[str], pairs: list[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    """How the answer orders each pair.

    Args:
        found: the answer's clauses.
        vocab: the prompt's words (for typos).
        pairs: (first, then) call pairs to judge.

    Returns:
        pair -> "stated" (first before then), "reversed" (then before first) or "unknown".
    """
    said = mentions(found, vocab)
    strong = statements(found, said)
    listed = procedure(found, said)
    bare = procedure(found, [m for m in said if m.code and not _placed(found[m.clause])])

    def how(a: str, b: str) -> str:
        ab, ba = (a, b) in strong, (b, a) in strong
        if not (ab or ba) and {a, b} <= set(listed):
            ab, ba = ahead(listed, a, b), ahead(listed, b, a)
        elif ab != ba and LOOP_START not in (a, b) and {a, b} <= set(bare):
            # a bare list that runs the pair the other way round contradicts the statement
            # ("1. backward() 2. step() 3. clip_grad_norm_(). The clip comes before the step")
            x, y = (a, b) if ab else (b, a)
            if ahead(bare, y, x) and not ahead(bare, x, y):
                ab = ba = True
        elif not (ab or ba):
            ab, ba = sequence(said, found, a, b)
        return "stated" if ab and not ba else ("reversed" if ba and not ab else "unknown")

    out = {}
    for a, b in pairs:
        out[(a, b)] = how(a, b)
        if b == LOOP_START and a != "backward" and out[(a, b)] == "reversed":
            # the loop repeats: zero_grad() before backward() starts the next iteration, after
            # the last one's step; only one between backward() and a comes too early
            out[(a, b)] = how(b, "backward")
            if out[(a, b)] == "unknown" and how(b, TOPIC) == "stated":
                out[(a, b)] = "reversed"  # "zero_grad(), then clip, then step": nothing to clip
    return out
