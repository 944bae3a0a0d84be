"""Grading free-text explanations, offline and deterministic, by the claims they make.

Each prompt of ``lessons/quiz/NN_explain.toml`` lists concepts, misconceptions and order rules;
each concept and misconception is a list of *claims* (syntax: :mod:`.claims`). An answer
is read clause by clause (:mod:`.text`): a concept is earned when one of its claims holds
in some clause, with its polarity ("does not prevent explosion" is not "prevents explosion";
"does not change the direction" keeps it). Then:

- a misconception that holds cancels the concepts it contradicts, and its feedback is shown;
- order is judged over the whole answer (:mod:`.call_order`): an answer that puts an order
  rule's calls the other way round loses the concepts that claim that order, with feedback
  (a pronoun that stands for a call is read as that call first: "use clip_grad_norm_(...);
  add it after backward()", "step() uses them, so the clip must precede it");
- a list of keywords without sentences earns at most 1 (``KEYWORD_BAG_MAX``);
- an answer that only repeats the question earns nothing.

Used by the quiz pages (``ui/learn/write.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from gradclip_core.quiz import bounds, echoed, enumerated, itlead, recaps
from gradclip_core.quiz.bag import keyword_bag
from gradclip_core.quiz.call_order import judge, mentions
from gradclip_core.quiz.claims import CALLS, parse_claim, wordset
from gradclip_core.quiz.items import ExplainPrompt
from gradclip_core.quiz.listing import ahead, procedure
from gradclip_core.quiz.match import (
    Pattern,
    contexts,
    holds,
    ordinals,
    pattern,
)
from gradclip_core.quiz.near import excluded_near
from gradclip_core.quiz.scope import possessed
from gradclip_core.quiz.text import (
    MAX_ANSWER_CHARS,
    Clause,
    Tok,
    clauses,
    make_clause,
    meaningful,
    tokens,
)

_QUANTIFIERS = wordset("both either neither")  # subjects that name no one thing
KEYWORD_BAG_MAX = 1  # concepts a list of keywords can earn at most
BAG_NOTICE = (
    "Write it as one or two sentences: a list of keywords earns at most "
    f"{KEYWORD_BAG_MAX} concept, however many it names."
)


@dataclass(frozen=True)
class Grade:
    """The result of :func:`grade_explanation`.

    Attributes:
        found: names of the concepts the answer earns.
        missing: ``(name, hint)`` for each concept it does not earn.
        score: ``len(found)``.
        total: the number of concepts.
        message: e.g. ``"You got 2/3 concepts"``.
        repeats_question: the answer only reuses words from the question.
        notice: a sentence to show the learner when there is something to say, else "".
        mistakes: feedback for each misconception or reversed order the answer states.
        keyword_bag: the answer is a list of keywords, so its score was capped.
        slips: feedback for each false statement about torch that belongs to another prompt
            (a portable misconception, :mod:`.portable`): it cancels no concept, but an answer
            with one does not earn full marks. Also in ``mistakes``.
    """

    found: tuple[str, ...]
    missing: tuple[tuple[str, str], ...]
    score: int
    total: int
    message: str
    repeats_question: bool = False
    notice: str = ""
    mistakes: tuple[str, ...] = ()
    keyword_bag: bool = False
    slips: tuple[str, ...] = ()

    @property
    def full(self) -> bool:
        return self.score == self.total and not self.slips


@dataclass(frozen=True)
class _Prepared:
    question: frozenset[str]  # canon words of the question
    vocab: frozenset[str]  # canon words of everything the prompt says (typos are judged apart)
    subjects: frozenset[str]  # canon words of the claims' subjects
    groups: tuple[frozenset[str], ...]  # the same, one set per thing named ("the former")
    concepts: tuple[tuple[tuple[Pattern, ...], tuple[tuple[str, str], ...]], ...]
    misconceptions: tuple[tuple[Pattern, ...], ...]
    pairs: tuple[tuple[str, str], ...]  # the order rules' (first, then)


def _split(claims: tuple[str, ...]) -> tuple[tuple[Pattern, ...], tuple[tuple[str, str], ...]]:
    """Word claims as patterns, and order claims as (first, then) pairs."""
    orders = {c: parse_claim(c).order for c in claims}
    return tuple(pattern(c) for c in claims if not orders[c]), tuple(filter(None, orders.values()))


@lru_cache(maxsize=256)
def _prepare(item: ExplainPrompt) -> _Prepared:
    concepts = tuple(_split(c.claims) for c in item.concepts)
    wrong = tuple(tuple(pattern(c) for c in m.claims) for m in item.misconceptions)
    patterns = [p for pats, _ in concepts for p in pats] + [p for pats in wrong for p in pats]
    subjects = frozenset(alt[0].canon for p in patterns for alt in p.subject)
    groups = _groups([frozenset(alt[0].canon for alt in p.subject) for p in patterns])
    claim_words = {w.canon for p in patterns for slot in p.slots for alt in slot for w in alt}
    texts = [item.question, item.model_answer, *CALLS.values()]
    vocab = frozenset(t.canon for text in texts for t in tokens(text)) | claim_words
    question = frozenset(t.canon for t in tokens(item.question))
    pairs = tuple((r.first, r.then) for r in item.order if not r.listed)
    return _Prepared(question, vocab, subjects, groups, concepts, wrong, pairs)


def _groups(sets: list[frozenset[str]]) -> tuple[frozenset[str], ...]:
    """Subject alternatives merged where they share a word: "norm / clip_grad_norm" and
    "norm / norm base" name one thing; "both", "neither" and "either" name none."""
    merged: list[frozenset[str]] = []
    for s in sets:
        s = s - _QUANTIFIERS
        if not s:
            continue
        overlapping = [m for m in merged if m & s]
        merged = [m for m in merged if not m & s] + [frozenset().union(s, *overlapping)]
    return tuple(merged)


def dead_claims(item: ExplainPrompt) -> list[tuple[str, str]]:
    """``(concept, claim)`` pairs that can never earn credit: only words from the question.

    Args:
        item: an explain prompt from the bank.

    Returns:
        The offending pairs; a well-written bank has none.
    """
    question = _prepare(item).question
    dead = []
    for concept in item.concepts:
        for text in concept.claims:
            claim = parse_claim(text)
            if claim.order:
                continue
            canon = {w.canon for slot in pattern(text).slots for alt in slot for w in alt}
            if canon <= question:
                dead.append((concept.name, text))
    return dead


def grade_explanation(item: ExplainPrompt, answer: str) -> Grade:
    """Grade a free-text answer by the claims it makes.

    Args:
        item: the explain prompt, with its concepts, misconceptions and order rules.
        answer: what the learner wrote; empty, whitespace or very long text is fine (only the
            first ``MAX_ANSWER_CHARS`` characters are read).

    Returns:
        A :class:`Grade`: the concepts earned, the hints for those missing, and feedback on
        any misconception.
    """
    text = answer if isinstance(answer, str) else ""
    prep = _prepare(item)
    toks = tokens(text)
    content = [t for t in toks if meaningful(t)]
    repeats = bool(content) and all(t.canon in prep.question for t in content)
    earned, mistakes = ([False] * len(item.concepts), []) if repeats else _judge(item, prep, text)
    bag = not repeats and keyword_bag(text)
    found = [c.name for c, ok in zip(item.concepts, earned, strict=True) if ok]
    found = found[:KEYWORD_BAG_MAX] if bag else found
    missing = tuple((c.name, c.hint) for c in item.concepts if c.name not in found)
    total = len(item.concepts)
    slips = () if repeats else _slips(item, text, frozenset(t.canon for t in toks))
    message = f"You got {len(found)}/{total} concepts"
    if slips and len(found) == total:
        verb = "is" if len(slips) == 1 else "are"
        message += f", but {_count_things(len(slips))} you said {verb} not right"
    return Grade(
        found=tuple(found),
        missing=missing,
        score=len(found),
        total=total,
        message=message,
        repeats_question=repeats,
        notice=_notice(text, repeats, bag),
        mistakes=tuple(mistakes) + slips,
        keyword_bag=bag,
        slips=slips,
    )


def _count_things(n: int) -> str:
    """The count in words: "one thing", "two things" ... "5 things"."""
    words = ("no", "one", "two", "three", "four")
    return f"{words[n] if n < len(words) else n} thing{'' if n == 1 else 's'}"


def _slips(item: ExplainPrompt, text: str, words: frozenset[str]) -> tuple[str, ...]:
    """The feedback of each borrowed misconception the answer states, judged as its own
    prompt reads the answer. A prompt is read again only when the answer has, for one of its
    borrowed claims, every word the claim needs among ``words`` (the answer's canon words;
    typos aside): most answers need no re-reading."""
    if not item.borrowed:
        return ()
    slips: list[str] = []
    for home, feedbacks in _lent(item):
        candidates = [(f, pats) for f, pats in feedbacks if any(_may_hold(p, words) for p in pats)]
        if candidates:  # read as the home prompt reads it: only these claims are checked
            prep = _prepare(home)
            _, ctx = _context(prep, text)
            slips += [f for f, pats in candidates if _says(ctx, pats, prep.vocab, True)]
    return tuple(slips)


@lru_cache(maxsize=64)
def _lent(item: ExplainPrompt) -> tuple:
    """``item.borrowed`` by home prompt: ``((home, ((feedback, patterns), ...)), ...)``."""
    homes: dict[str, tuple] = {}
    for home, m in item.borrowed:
        pats = tuple(pattern(c) for c in m.claims)
        homes.setdefault(home.id, (home, []))[1].append((m.feedback, pats))
    return tuple((home, tuple(found)) for home, found in homes.values())


def _may_hold(pat: Pattern, words: frozenset[str]) -> bool:
    """Whether the answer has, in each part of the claim, all the words of one alternative."""
    return all(any(alt <= words for alt in alts) for alts in pat.need)


def _neighbours(ctx: list, n: int) -> tuple[Clause | None, Clause | None]:
    """The clauses before and after clause ``n`` (None at either end)."""
    return (ctx[n - 1][0] if n else None, ctx[n + 1][0] if n + 1 < len(ctx) else None)


def _context(prep: _Prepared, text: str) -> tuple[list[Clause], list]:
    """The answer's clauses as the prompt reads them, and each with the clause that lends it
    its subject (see :func:`.match.contexts`)."""
    found = clauses(text, prep.subjects)
    ctx = recaps.lenders(contexts(ordinals(found, prep.groups), prep.subjects))
    ctx = echoed.relend(ctx, prep.subjects)  # "Rescaling ..." is about what "rescales"
    ctx = itlead.relend(ctx, prep.subjects)  # "Call clip_grad_value_(...). It ..."
    return found, ctx


def _says(ctx: list, patterns, vocab: frozenset[str], assertive: bool = False) -> bool:
    """Whether a clause of the answer makes one of the claims (asserted, when ``assertive``:
    not supposed, and no excluded word in the clauses beside it)."""
    return any(
        holds(p, c, d, vocab, assertive)
        and not (assertive and excluded_near(p, c, *_neighbours(ctx, n), vocab))
        for p in patterns
        for n, (c, d) in enumerate(ctx)
    )


def _judge(item: ExplainPrompt, prep: _Prepared, text: str) -> tuple[list[bool], list[str]]:
    """Per concept whether it is earned (after cancels), and the feedback to show."""
    found, ctx = _context(prep, text)
    resolved = _resolved(found, prep.vocab, prep.subjects) if item.order else found
    resolved = bounds.unbound(resolved, prep.subjects) if item.order else resolved
    order = judge(resolved, prep.vocab, list(prep.pairs)) if prep.pairs else {}
    if any(r.listed for r in item.order):  # judged by a listed procedure only, its items
        said = mentions(resolved, prep.vocab)  # not placed by an order word ("a after b")
        listed = procedure(resolved, [m for m in said if not _PLACING & _raws(resolved[m.clause])])
        for r in (r for r in item.order if r.listed):
            backwards = ahead(listed, r.then, r.first) and not ahead(listed, r.first, r.then)
            order[(r.first, r.then)] = "reversed" if backwards else "unknown"
    listed_pairs = frozenset((r.first, r.then) for r in item.order if r.listed)
    order = enumerated.settle(order, resolved, prep.vocab, listed_pairs) if order else order

    def said(patterns: tuple[Pattern, ...], assertive: bool = False) -> bool:
        return _says(ctx, patterns, prep.vocab, assertive)

    earned = [  # a placement (a concept that claims an order) must be asserted, not supposed
        said(pats, assertive=bool(pairs)) or any(order.get(pair) == "stated" for pair in pairs)
        for pats, pairs in prep.concepts
    ]
    names = [c.name for c in item.concepts]
    mistakes, cancelled = [], set()
    for wrong, pats in zip(item.misconceptions, prep.misconceptions, strict=True):
        if said(pats, assertive=True):
            mistakes.append(wrong.feedback)
            cancelled.update(wrong.cancels)
    for rule in item.order:
        if order.get((rule.first, rule.then)) == "reversed":
            mistakes.append(rule.feedback)
            cancelled.update(rule.cancels)
            cancelled.update(
                n
                for n, (_, pairs) in zip(names, prep.concepts, strict=True)
                if (rule.first, rule.then) in pairs
            )
    return [ok and name not in cancelled for ok, name in zip(earned, names, strict=True)], mistakes


def _raws(clause: Clause) -> set[str]:
    return {t.raw for t in clause.toks}


_PRONOUNS = wordset("it this")  # "you add it after backward()": the clip, named before
_GOVERNING = wordset("by of with from into than")  # "every gradient is multiplied by it too"
_PLACES = wordset("after before")
_PLACING = _PLACES | {"between"}  # "unscale_() between backward() and the clip": no list item
# "the clip has to precede it": "it" is the call named last before the clause
_ORDERING = wordset("after following follows follow before preceding precedes precede followed")
_REACHES = 6  # words from "before it" to a call that is its object: "before it reaches step()"
_ONE_WORD = {"backward", "clip", "step", "unscale", "forward", "zero_grad"}  # calls as one word


def _as_call(tok: Tok, call: str) -> Tok:
    return replace(tok, raw=call, stem=call, canon=call, stop=False)


def _resolved(found: list[Clause], vocab: frozenset[str], subjects: frozenset[str]) -> list[Clause]:
    """The clauses with the pronouns that stand for a call read as that call, for judging the
    order: in "use clip_grad_norm_(...). You add it after loss.backward()", "it" is the clip,
    named before, even in a heading ("it" or "this" before "after" / "before" in a clause that
    names no call before that word); in "optimizer.step() applies them, so the clip has to
    precede it", "it" is the call named last before the clause, in its sentence or the one
    before (named in a supposition too: "the clip runs on scaled grads. Add unscale_ before
    it"); "it" after another call named in its sentence is that call, not the clip
    ("scaler.step() skips the update if it found inf")."""
    said = mentions(found, vocab)
    # a clip named in a heading or a supposition is still what a later "it" stands for
    named = mentions([replace(c, premise=0) for c in found], vocab)
    out = []
    for n, clause in enumerate(found):
        toks = list(clause.toks)
        marker = next((j for j, t in enumerate(toks) if t.raw in _PLACES), len(toks))
        placed = any(m.clause == n and m.pos < marker for m in said)
        for j, tok in enumerate(toks):
            if tok.raw == "it" and j and toks[j - 1].raw in _ORDERING:
                if any(m.clause == n and 0 < m.pos - j <= _REACHES for m in said):
                    continue  # "before it reaches the cup (optimizer.step())": that call
                last = [m for m in named if m.clause < n and m.call in _ONE_WORD][-1:]
                if last and found[last[0].clause].sentence >= clause.sentence - 1:
                    toks[j] = _as_call(tok, last[0].call)
            elif (
                tok.raw in _PRONOUNS
                and not possessed(toks, j)
                and not (j and toks[j - 1].raw in _GOVERNING)  # "multiplied by it": the scale
                and j < marker
                and not placed
                and any(m.call == "clip" and m.i < tok.i for m in named)
                and not _other_call(named, found, tok, clause.sentence)
            ):
                toks[j] = _as_call(tok, "clip")
        out.append(
            make_clause(toks, subjects, clause.premise, clause.contrasted)
            if toks != clause.toks
            else clause
        )
    return out


def _other_call(named: list, found: list[Clause], tok: Tok, sentence: int) -> bool:
    """Whether the call named last before ``tok`` is another than the clip, written as code and
    leading its clause in ``tok``'s sentence: in "scaler.step() skips the update if it found
    inf", "it" is the step (not in "clipping goes after backward() because it needs the grads");
    or the first call of the sentence before, written as code, when that one names no clip."""
    last = [m for m in named if m.i < tok.i][-1:]
    lead = bool(last) and last[0].pos <= 1 and last[0].code  # "scaler.step() skips ..."
    if lead and last[0].call != "clip" and found[last[0].clause].sentence == sentence:
        return True
    # "call scaler.unscale_(optimizer) after backward(); it divides ...": the call the sentence
    # before is about, when that sentence names no clip
    before = [m for m in named if found[m.clause].sentence == sentence - 1 and m.i < tok.i]
    return bool(before) and before[0].code and all(m.call != "clip" for m in before)


def _notice(text: str, repeats: bool, bag: bool) -> str:
    if not text.strip():
        return "Write a few sentences first, then check your answer."
    if repeats:
        return "Your answer only repeats the question. Say what happens, and why."
    if bag:
        return BAG_NOTICE
    if len(text) > MAX_ANSWER_CHARS:
        return f"Only the first {MAX_ANSWER_CHARS:,} characters were graded."
    return ""
