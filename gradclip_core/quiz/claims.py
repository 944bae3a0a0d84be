"""Explain prompts from TOML: concepts, misconceptions and order rules, written as claims.

Standard library only (the grader that matches claims is :mod:`gradclip_core.quiz.grading`).
A *claim* is one statement an answer can make, judged in the clause that makes it::

    "limit / cap + gradient"           every part (split by " + ") must occur in one clause;
                                       " / " separates alternatives; an alternative of several
                                       words needs them all, close together, in any order
    "norm: keep / preserve + direction"
                                       a subject before ":"; a clause without any subject
                                       ("..., so it keeps the direction") takes the subject of
                                       the clause before it, and "value does not" takes its
                                       verb from the clause before it
    "not + explode / blow up"          "not" (anywhere) asks for a clause that denies the rest:
                                       "they never explode", "it stops them exploding"
    "clip + weight - gradient"         no alternative after " - " may occur in the clause,
                                       its words close together as above ("clip the weights'
                                       gradients" is not "clip the weights"; the name
                                       "gradient clipping" does not count)
    "weight > divide > gradient"       parts joined by " > " must come in that order
    "backward < clip"                  an order claim: backward() comes before clipping,
                                       judged over the whole answer (call names: CALLS)

A misconception that is not a "not" claim is not matched in a clause that only supposes it
("if you clipped after the step, ...", "clipping each micro-batch would ...").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from gradclip_core.lessons import ContentError
from gradclip_core.quiz.items import CallOrder, Concept, ExplainPrompt, Misconception


def wordset(text: str) -> frozenset[str]:
    """The words of a space-separated list (for readable word tables)."""
    return frozenset(text.split())


# Words too common to mean anything in a claim; they are never matched.
STOP_WORDS = wordset("""
a an the is are was were be been being am it its this these those to of in on at for with
by as from into about and or that which what why how who whom you your we our us i me my they
them their there here do does did doing done have has had get gets got can could will would
should shall may might must just really basically simply also etc eg ie s d ll ve re m doesn
don isn won wasn aren weren didn shouldn couldn wouldn hasn haven hadn mustn needn so if when
""")
# Calls an answer can put in order: name -> how an answer says it (claim alternatives).
CALLS = {
    "zero_grad": "zero_grad / zero grad / reset grad / clear grad / wipe grad",
    "forward": "forward",
    "backward": "backward / backprop / bwd / compute grad / calculate grad",
    "unscale": "unscale / unscaled / unscaling / divide scale / undo scale",
    "clip": "clip / clip_grad_norm / clip_grad_value / clamp",
    "step": "step",
    # a bare "update": see call_order
    "update": "scaler update / update scaler / update scale / update loss scale / update",
}
_WORD = re.compile(r"\d+\.\d+|\w+")  # as the grader reads answers: "1.0" is one word
_ORDER = re.compile(r"^\s*(\w+)\s*<\s*(\w+)\s*$")
_HOW = (
    'write parts joined by " + ", alternatives by " / ", e.g. "norm: keep / preserve + '
    'direction", or an order such as "backward < clip"'
)


@dataclass(frozen=True)
class Claim:
    """A parsed claim (see the module docstring for the syntax).

    Attributes:
        subject: alternatives for the subject (empty when the claim has none).
        slots: per part, its alternatives, each a tuple of lower-case words.
        exclude: alternatives that must not occur among (or just after) the claim's words.
        negated: the clause must deny the claim ("not" in the text).
        ordered: the parts must come in the order written (joined by " > ").
        order: ``(first, then)`` call names for an order claim, else ``None``.
    """

    subject: tuple[tuple[str, ...], ...] = ()
    slots: tuple[tuple[tuple[str, ...], ...], ...] = ()
    exclude: tuple[tuple[str, ...], ...] = ()
    negated: bool = False
    ordered: bool = False
    order: tuple[str, str] | None = None


def words(text: str) -> tuple[str, ...]:
    """The words of ``text`` as the grader reads them: lower case, ``_`` trimmed."""
    return tuple(w.strip("_") for w in _WORD.findall(text.lower()) if w.strip("_"))


def _alternatives(part: str, claim: str) -> tuple[tuple[str, ...], ...]:
    alts = []
    for alt in part.split("/"):
        ws = words(alt)
        if not ws:
            raise ValueError(f"an empty alternative in {claim!r}; {_HOW}")
        if all(w in STOP_WORDS for w in ws):
            raise ValueError(
                f"{alt.strip()!r} in {claim!r} has only common words ({', '.join(ws)}) that "
                "are never matched; name a word with meaning"
            )
        alts.append(tuple(w for w in ws if w not in STOP_WORDS))
    return tuple(alts)


@lru_cache(maxsize=4096)
def parse_claim(text: str) -> Claim:
    """Parse one claim.

    Args:
        text: the claim as written in the TOML file.

    Returns:
        The :class:`Claim`.

    Raises:
        ValueError: the claim is malformed; the message says how to write it.
    """
    order = _ORDER.match(text)
    if order:
        first, then = order.groups()
        for name in (first, then):
            if name not in CALLS:
                raise ValueError(f"unknown call {name!r} in {text!r}; known: {', '.join(CALLS)}")
        return Claim(order=(first, then))
    if "<" in text:
        raise ValueError(f'an order claim names two calls, e.g. "backward < clip", not {text!r}')
    keep, _, drop = text.partition(" - ")
    head, colon, keep = keep.rpartition(":") if ":" in keep else ("", "", keep)
    subject = _alternatives(head, text) if colon else ()
    ordered = " > " in keep
    parts = keep.split(" > " if ordered else " + ")
    negated = False
    slots = []
    for part in parts:
        if "not" in words(part):
            if "/" in part or words(part)[0] != "not":
                raise ValueError(
                    f'"not" in {text!r} denies the whole claim: write it first in its own part, '
                    'e.g. "not + exceed / pass"'
                )
            negated, part = True, re.sub(r"\bnot\b", " ", part, count=1, flags=re.IGNORECASE)
        if words(part):
            slots.append(_alternatives(part, text))
    if not slots:
        raise ValueError(f"{text!r} has nothing to match after its subject; {_HOW}")
    exclude = _alternatives(drop, text) if drop.strip() else ()
    return Claim(subject, tuple(slots), exclude, negated, ordered)


def explain_prompt(entry: dict, where: str) -> ExplainPrompt:
    """Build an :class:`ExplainPrompt` from one checked ``[[prompt]]`` table.

    Args:
        entry: the table; its keys and its nested tables' keys are already checked.
        where: the file and prompt, for error messages.

    Returns:
        The prompt, with its concepts, misconceptions and order rules.

    Raises:
        ContentError: a claim is malformed, a misconception cancels an unknown concept, an order
            rule names an unknown call, or an order claim has no rule (the message names the fix).
    """
    e = dict(entry)
    if not e["concepts"]:
        raise ContentError(f"{where}: add at least one [[prompt.concepts]] table")
    concepts = tuple(Concept(c["name"], c["hint"], tuple(c["claims"])) for c in e.pop("concepts"))
    names = [c.name for c in concepts]
    if len(set(names)) != len(names):
        raise ContentError(f"{where}: two concepts share a name; give each its own `name`")
    misconceptions = tuple(
        Misconception(
            tuple(m["claims"]), tuple(m["cancels"]), m["feedback"], m.get("portable", False)
        )
        for m in e.pop("misconceptions", ())
    )
    order = tuple(
        CallOrder(
            r["first"],
            r["then"],
            r["feedback"],
            tuple(r.get("cancels", ())),
            r.get("listed", False),
        )
        for r in e.pop("order", ())
    )
    for n, c in enumerate(concepts, 1):
        _check_claims(c.claims, f"{where} concept #{n} ({c.name!r})")
    for n, m in enumerate(misconceptions, 1):
        label = f"{where} misconception #{n}"
        _check_claims(m.claims, label, orders=False)
        _check_cancels(m.cancels, names, label)
    _check_order(order, concepts, names, where)
    return ExplainPrompt(**e, concepts=concepts, misconceptions=misconceptions, order=order)


def _check_claims(claims: tuple[str, ...], where: str, orders: bool = True) -> None:
    for text in claims:
        try:
            claim = parse_claim(text)
        except ValueError as err:
            raise ContentError(f"{where}: {err}") from None
        if claim.order and not orders:
            raise ContentError(
                f"{where}: {text!r} is an order; write order mistakes as [[prompt.order]] "
                'tables (`first = "clip"`, `then = "step"`, `feedback = "..."`)'
            )


def _check_cancels(cancels: tuple[str, ...], names: list[str], where: str) -> None:
    for name in cancels:
        if name not in names:
            known = "; ".join(repr(n) for n in names)
            raise ContentError(
                f"{where}: `cancels` names {name!r}, which is no concept of this prompt; "
                f"copy a concept's `name`: {known}"
            )


def _check_order(order: tuple[CallOrder, ...], concepts, names: list[str], where: str) -> None:
    pairs = set()
    for n, rule in enumerate(order, 1):
        label = f"{where} order rule #{n}"
        for name in (rule.first, rule.then):
            if name not in CALLS:
                raise ContentError(f"{label}: unknown call {name!r}; known: {', '.join(CALLS)}")
        if rule.first == rule.then:
            raise ContentError(f"{label}: `first` and `then` must be two different calls")
        _check_cancels(rule.cancels, names, label)
        pairs.add((rule.first, rule.then))
    for c in concepts:
        for text in c.claims:
            pair = parse_claim(text).order
            if pair and pair not in pairs:
                raise ContentError(
                    f"{where}: concept {c.name!r} claims {text!r} but no order rule says so; "
                    f'add [[prompt.order]] with first = "{pair[0]}", then = "{pair[1]}" and a '
                    "`feedback` for an answer that reverses them"
                )
