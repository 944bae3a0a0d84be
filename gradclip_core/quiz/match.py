"""Matching claims against the clauses of an answer (the syntax is in quiz.claims).

A claim holds in a clause when every part has an alternative there (its words close together; a
word alone fills one part only), parts joined by " > " come in that order, no excluded
alternative is there (its words close together too), and the clause's negations that reach its
words (not counting a negating word the claim names itself, like "prevent") are odd exactly when
the claim says "not". For a misconception, the words a clause only supposes ("if you ...", those
before "would", a clause led by "or" that means "otherwise") do not count, except the subject
before "would" ("the early ones would count more" asserts it). Two words match when they share a
synonym group or stem, or when the answer's word is long, not in the prompt's vocabulary, and
nearly equal (a typo).

Two repairs make clauses complete: a clause with no subject takes the subject of the clause
before it ("..., so it keeps the direction"), and a clause that is only a subject and a
negation takes its verb from the clause before it ("norm keeps the direction; value does not").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from itertools import islice, pairwise, product

from gradclip_core.quiz.claims import parse_claim, words, wordset
from gradclip_core.quiz.compared import lendable
from gradclip_core.quiz.parity import denied
from gradclip_core.quiz.places import nearest
from gradclip_core.quiz.tangents import likened, numeral_one
from gradclip_core.quiz.text import (
    Clause,
    Tok,
    is_negator,
    make_clause,
    meaningful,
    word_forms,
)
from gradclip_core.quiz.topics import fresh as topical
from gradclip_core.quiz.wordmatch import canon_set, positions

PREDICATE_SPAN = 10  # words from the first to the last part of a claim, subject aside
ORDERED_GAP = 1  # words allowed between two parts of a claim joined by " > "
DONOR_REACH = 2  # clauses back a clause may take its subject from (any in its own sentence)
MAX_TRIES = 256  # combinations of part matches tried per claim and clause
_BE = wordset("is are was were be s re")  # "there are", "there's"
_CONTRASTIVE = wordset("instead rather")  # "X instead of Y": Y is set against X
_QUANTIFIERS = wordset("each per")  # canon: "every" reads as "each"
_ECHO = wordset("do does did doesn don didn too also")  # "value does (not)"
_DOES = wordset("do does did")  # "norm does not; value does": the echo undoes the negation
_FLOATING = wordset("both either neither")  # quantifiers that can follow what they count
_COUNTED = wordset("entry element component coordinate")  # "both entries": not the modes
# "the former", "the latter", "the first keeps it, the second doesn't": the subjects named before
_NUMBER = re.compile(r"\d+(?:\.\d+)?")  # "2", "0.1": a value given to a word before it
_ORDINALS = {"former": 0, "first": 0, "latter": 1, "second": 1}
_ORDINAL_LISTS = wordset("and or second third fourth last two three")  # "first and third ..."
_MODALS = wordset("can cannot may might will does doesn never")  # "First keeps ..., second can"
_ORDINAL_ALWAYS = wordset("former latter")  # "first" and "second" only before a verb or "one"
_ORDINAL_HEADS = wordset(
    "one method option approach variant mode kind type version technique keeps changes "
    "preserves scales clamps rescales clips rotates distorts alters treats looks works acts "
    "shrinks cuts caps limits leaves maintains only never just also rule operation scheme "
    "keep preserve maintain rotate distort alter shrink clamp each every all"  # "in the first, all"
)


@dataclass(frozen=True)
class Word:
    raw: str
    stem: str
    canon: str


Alt = tuple[Word, ...]


@dataclass(frozen=True)
class Pattern:
    """A claim ready to match: a subject and parts, each a tuple of alternative word tuples."""

    subject: tuple[Alt, ...]
    slots: tuple[tuple[Alt, ...], ...]
    exclude: tuple[Alt, ...]
    negated: bool
    ordered: bool
    need: tuple = field(init=False, repr=False, compare=False)  # see __post_init__

    def __post_init__(self) -> None:  # per part, the synonym groups each alternative needs
        need = tuple(tuple(frozenset(w.canon for w in alt) for alt in slot) for slot in self.slots)
        object.__setattr__(self, "need", need)


def _word(raw: str) -> Word:
    return Word(raw, *word_forms(raw))


def _alts(alts: tuple[tuple[str, ...], ...]) -> tuple[Alt, ...]:
    return tuple(tuple(map(_word, alt)) for alt in alts)


def pattern(text: str) -> Pattern:
    """Compile a (non-order) claim."""
    claim = parse_claim(text)
    slots = tuple(_alts(slot) for slot in claim.slots)
    return Pattern(_alts(claim.subject), slots, _alts(claim.exclude), claim.negated, claim.ordered)


def alternatives(text: str) -> tuple[Alt, ...]:
    """A " / " list (as in CALLS) as alternatives."""
    return tuple(tuple(map(_word, words(alt))) for alt in text.split("/"))


def alt_hits(alt: Alt, clause: Clause, vocab: frozenset[str], hidden: bool = False) -> list:
    """Positions in ``clause`` where all words of ``alt`` occur close together: the first and
    the last at most as many words apart as there are words ("scaled back down").

    Args:
        alt: the words.
        clause: the clause.
        vocab: the prompt's words (see :func:`.wordmatch.same`).
        hidden: also look at words after "unlike" & co.

    Returns:
        A list of position tuples, one per place it occurs (empty when it does not).
    """
    rank, unseen = clause.rank, () if hidden else clause.hidden
    where = []
    for w in alt:
        where.append([j for j in positions(clause, w, vocab) if j in rank and j not in unseen])
        where[-1] = numeral_one(alt, w, clause.toks, where[-1])  # "the clipped one" is no 1.0
        if not where[-1]:
            return []
    hits = []
    for first in where[0]:
        if alt[0].canon in _QUANTIFIERS:
            chosen = _quantified(first, where[1:], rank)
        else:
            chosen = nearest(first, where[1:], lambda j: rank[j])
        ranks = [rank[j] for j in chosen]
        if chosen and max(ranks) - min(ranks) <= len(alt):
            hits.append(tuple(chosen))
    return hits


def _quantified(first: int, rest: list[list[int]], rank: dict[int, int]) -> list[int]:
    """The words a quantifier binds, in order after it: "each micro-batch", "every single
    time" (not "one time for each update": "each" counts the updates, not the times)."""
    chosen = [first]
    for js in rest:
        after = [j for j in js if rank[j] > rank[chosen[-1]]]
        if not after:
            return []
        chosen.append(min(after, key=lambda j: rank[j]))
    return chosen


def slot_hits(slot, clause: Clause, vocab: frozenset[str], hidden: bool = False) -> list:
    return [h for alt in slot for h in alt_hits(alt, clause, vocab, hidden)]


def holds(
    pat: Pattern,
    clause: Clause,
    donor: Clause | None,
    vocab: frozenset[str],
    assertive: bool = False,
) -> bool:
    """Whether the claim holds in ``clause``.

    Args:
        pat: the compiled claim.
        clause: the clause.
        donor: the clause whose subject this one takes when it has none (or None).
        vocab: the prompt's words (see :func:`.wordmatch.same`).
        assertive: skip words that only suppose ("if you ...", what comes before "would"): a
            misconception is what the learner asserts.
    """
    if assertive and clause.contrasted and not pat.subject:
        return False  # "compared with X, which uses one global norm, AGC ...": about X
    canons = canon_set(clause, vocab)  # None when a word may be a typo: then no shortcut
    if canons is not None and not all(any(a <= canons for a in alts) for alts in pat.need):
        return False  # a part none of whose alternatives has all its words here
    hits = []  # the parts first: most claims fail there, and it is the cheapest check
    for slot in pat.slots:
        hits.append(slot_hits(slot, clause, vocab))
        if not hits[-1]:
            return False
    subject = [()]  # no subject, or one lent by the clause before: no positions here
    if pat.subject:
        subject = slot_hits(pat.subject, clause, vocab)
        lent = not subject and donor and slot_hits(pat.subject, donor, vocab, clause.relative)
        if lent and lendable(lent, donor):
            subject = [()]
    if not subject or (pat.exclude and excluded(pat.exclude, clause, vocab)):
        return False
    hits = [subject, *hits]
    combos = islice(product(*hits), MAX_TRIES)
    return any(_fits(pat, clause, combo, assertive) for combo in combos)


def _fits(pat: Pattern, clause: Clause, combo: tuple, assertive: bool) -> bool:
    """Whether one choice of positions is close enough, in order, asserted (when asked) and of
    the claim's polarity (``combo[0]`` holds the subject's positions)."""
    parts = combo[1:]
    predicate = [clause.rank[j] for hit in parts for j in hit]
    words = [hit[0] for hit in parts if len(hit) == 1]  # parts met by one word ("big batches")
    if max(predicate) - min(predicate) > PREDICATE_SPAN or len(set(words)) < len(words):
        return False  # too far apart, or one word standing for two parts
    if pat.ordered and not _in_order(parts, clause.rank):
        return False
    if pat.ordered and assertive and _valued(parts, clause):
        return False  # "a row with W 2 and G 0.1 has ratio 0.05": values, not "W/G ratio"
    used = {j for hit in combo for j in hit}
    if assertive and (clause.alternative or min(j for hit in parts for j in hit) < clause.premise):
        return False  # a subject may come first: "the early ones would count more"
    if assertive and not combo[0] and likened(clause, used):
        return False  # "tricks like learning-rate warmup": an example (see .tangents)
    return denied(clause, used) == pat.negated


def _in_order(parts: tuple, rank: dict[int, int]) -> bool:
    """Whether the parts come in order, each at most ``ORDERED_GAP`` words after the last."""
    for a, b in zip(parts, parts[1:], strict=False):
        gap = rank[min(b)] - rank[max(a)] - 1
        if not 0 <= gap <= ORDERED_GAP:
            return False
    return True


def _valued(parts: tuple, clause: Clause) -> bool:
    """Whether a number stands between two parts of an ordered claim: each part is then given
    a value of its own ("||W|| = 2 and ||G|| = 0.1"), not joined into one phrase."""
    spans = [(max(a), min(b)) for a, b in zip(parts, parts[1:], strict=False)]
    return any(any(_NUMBER.fullmatch(t.raw) for t in clause.toks[lo + 1 : hi]) for lo, hi in spans)


def excluded(exclude: tuple[Alt, ...], clause: Clause, vocab: frozenset[str]) -> bool:
    """Whether an excluded alternative occurs in the clause, its words close together as in a
    claim ("loss backward" is "loss.backward()", not "(loss, 1.0) after backward"). "gradient"
    in the name "gradient clipping" does not count: it names the topic, not what is acted on,
    and neither does a word set against it ("lower the learning rate instead of touching the
    gradients", "clip the loss rather than the gradients")."""
    window = clause.memo.get("window")
    if window is None:
        toks = clause.toks
        kept = [
            j
            for j, t in enumerate(toks)
            if meaningful(t)
            and not _contrasted(toks, j, clause)  # "the loss rather than the gradients"
            and not (t.canon == "gradient" and j + 1 < len(toks) and toks[j + 1].stem == "clip")
        ]
        window = clause.memo["window"] = {j: n for n, j in enumerate(kept)}
    return any(_close(alt, clause, window, vocab) for alt in exclude)


def _contrasted(toks: list[Tok], j: int, clause: Clause) -> bool:
    """Whether word ``j`` is denied by "instead of" / "rather than": what is *not* acted on."""
    return any(toks[n].raw in _CONTRASTIVE for n in clause.negators.get(j, ()))


def _close(alt: Alt, clause: Clause, window: dict[int, int], vocab: frozenset[str]) -> bool:
    """Whether all words of ``alt`` occur among the clause's words in ``window`` (position ->
    place in it) at most ``len(alt)`` places apart."""
    where = [[window[j] for j in positions(clause, w, vocab) if j in window] for w in alt]
    if not all(where):
        return False
    for first in where[0]:
        chosen = nearest(first, where[1:], lambda n: n)
        if chosen and max(chosen) - min(chosen) <= len(alt):
            return True
    return False


def has_subject(clause: Clause, subjects: frozenset[str], hidden: bool = False) -> bool:
    """Whether the clause names a subject; "both" & co after other words float ("an entry of 4
    and one of 3 both become 1"), and so do those before what they count ("both entries")."""
    said = False
    for j, t in enumerate(clause.toks):
        visible = hidden or j not in clause.hidden
        nxt = clause.toks[j + 1].canon if j + 1 < len(clause.toks) else ""
        counted = t.raw in _FLOATING and nxt in _COUNTED
        if t.canon in subjects and visible and not (said and t.raw in _FLOATING) and not counted:
            return True
        said = said or meaningful(t)
    return False


def contexts(found: list[Clause], subjects: frozenset[str]) -> list[tuple[Clause, Clause | None]]:
    """Each clause, completed (see the module docstring), with the clause that lends it its
    subject (None when it has its own, or nothing before it has one). A clause that took a
    subject lends it on, so a topic carries over clauses that name none."""
    out: list[tuple[Clause, Clause | None]] = []
    bearer: list[Clause | None] = []  # per clause, the clause that names its subject
    for n, clause in enumerate(found):
        before = found[:n]
        if has_subject(clause, subjects):
            lead = next((t for t in clause.toks if meaningful(t)), None)
            # "unscale_(), which multiplies them by the scale": "which" is the subject (a word
            # in -s right after it is a verb: "which scales them up")
            verb = lead is not None and (lead.canon not in subjects or _verb_s(clause, lead))
            verb_first = clause.relative and verb
            ok = verb_first and before and has_subject(before[-1], subjects, True)
            lent = before[-1] if ok else None  # a first clause has none before it
            out.append((_elided(clause, before, subjects), lent))
            bearer.append(None if clause.contrasted else clause)  # what is set against, no topic
            continue
        donor = None
        if _existential(clause):  # "if there are infs": a subject of its own, "there"
            pass
        elif clause.relative and before and has_subject(before[-1], subjects, hidden=True):
            donor = before[-1]
        else:  # the topic carries on: "value clamps ...; big ones are cut, so it can shift"
            near = [
                k
                for k, c in enumerate(before)
                if c.sentence == clause.sentence or k >= len(before) - DONOR_REACH
            ]
            lent = [bearer[k] for k in reversed(near) if bearer[k]][:1]
            fresh = [c for c in lent if topical(c, clause, before)]
            donor = fresh[0] if fresh else None  # a topic fades a few sentences on
        out.append((clause, donor))
        bearer.append(donor)
    return out


def _verb_s(clause: Clause, tok: Tok) -> bool:
    """Whether ``tok`` is a verb in -s right after the relative word: "which scales ..."."""
    return clause.toks[1:2] == [tok] and tok.raw.endswith("s") and not tok.raw.endswith("ss")


def _existential(clause: Clause) -> bool:
    """Whether the clause says that something exists ("there are infs"): it is about that."""
    raws = [t.raw for t in clause.toks]
    return any(a == "there" and b in _BE for a, b in zip(raws, raws[1:], strict=False))


def _elided(clause: Clause, before: list[Clause], subjects: frozenset[str]) -> Clause:
    """ "value does not" after "norm keeps the direction": "value does not keep the direction"."""
    rest = [t for t in clause.toks if meaningful(t) and t.canon not in subjects]
    toks = clause.toks
    echo = any(  # "no" / "too" before a word: "no single step can be huge", "too high, and"
        (t.raw in _ECHO or is_negator(toks, j)) and not (t.raw in ("no", "too") and toks[j + 1 :])
        for j, t in enumerate(toks)
    )
    if len(rest) > 1 or not echo or not before or before[-1].sentence < clause.sentence - 1:
        return clause
    if before[-1].negators and not clause.negators and not _DOES & {t.raw for t in toks}:
        return clause  # "it does not always explode, because tanh is also there": no echo
    verb = [t for t in before[-1].toks if meaningful(t) and t.canon not in subjects]
    if not verb:
        return clause
    return make_clause(toks + verb, subjects, clause.premise, clause.contrasted)


def ordinals(found: list[Clause], groups: tuple[frozenset[str], ...]) -> list[Clause]:
    """The clauses with "the former" / "the first (one)" read as the first subject the answer
    named, and "the latter" / "the second" as the second: "norm keeps the direction; value
    does not. The first scales ..." (only once subjects of two groups have been named).

    Args:
        found: the answer's clauses.
        groups: canon words of the claims' subjects, one set per thing named ("norm",
            "clip_grad_norm": one thing).
    """
    subjects = frozenset().union(*groups)
    named: list[tuple[Tok, frozenset[str]]] = []
    out = []
    for n, clause in enumerate(found):
        toks, said = list(clause.toks), [t for c in found[:n] for t in c.toks]
        for j, tok in enumerate(toks):
            if tok.raw in _ORDINALS and len(named) >= 2 and _ordinal(toks, j, said):
                toks[j] = replace(named[_ORDINALS[tok.raw]][0], i=tok.i, sentence=tok.sentence)
                continue
            group = next((g for g in groups if tok.canon in g), None)
            if group and tok.raw not in _FLOATING and all(g != group for _, g in named):
                named.append((tok, group))
        kept = toks == clause.toks
        out.append(
            clause if kept else make_clause(toks, subjects, clause.premise, clause.contrasted)
        )
    return out


def _ordinal(toks: list[Tok], j: int, said: list = ()) -> bool:
    """Whether word ``j`` ("first", ...) stands for a subject: "the former", or "the first" before
    a verb, a negation or "one" ("the first keeps"), no entries counted before it (``said``)."""
    nxt = toks[j + 1].raw if j + 1 < len(toks) else ""  # "first one can ...", "second can ..."
    bare = j == 0 and (nxt == "one" or nxt in _ORDINAL_HEADS | _MODALS)
    if not bare and (j == 0 or toks[j - 1].raw != "the"):
        return False
    if toks[j].raw in _ORDINAL_ALWAYS:
        return True
    rest = [t for t in toks[j + 1 : j + 5] if t.raw not in _ORDINAL_LISTS]
    if rest and rest[0].canon in _COUNTED:  # "the first and third components": entries
        return False
    seen = [t for t in said if t.sentence == toks[j].sentence] + toks[: j + 1]
    if any(a.raw in _ORDINALS and b.canon in _COUNTED for a, b in pairwise(seen)):
        return False  # "the second entry was cut by 2, the first not at all": entries too
    after = toks[j + 1] if j + 1 < len(toks) else None
    return after is None or after.stop or after.raw in _ORDINAL_HEADS or is_negator(toks, j + 1)
