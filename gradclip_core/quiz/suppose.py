"""Which words of an answer only suppose: counterfactuals and conditions the learner imagines.

A misconception is what the learner asserts, and a placement ("after the last micro-batch")
is earned only where it is asserted, so the words an answer merely supposes are marked as the
*premise* of their clause (:attr:`.text.Clause.premise`: the clause's first words that only
suppose). A clause supposes:

- when it is led by "if" / "unless" and names someone ("if you clip ...", "what if i clip
  ..."), a choice ("if it is set far below ...") or a subjunctive ("if clipping were done
  ...", "if it had ...");
- when its "if" / "unless" is answered by a "would" / "could" / "'d" later in the sentence ("if
  value clipping kept the direction, (3, 4) would become (0.6, 0.8)"): the condition is
  counterfactual, while "if the ratio exceeds λ, it scales ..." states a rule and asserts;
- when it is inverted ("were it clipped ...", "had you clipped ...", "should it exceed ...") or
  led by "suppose", "imagine", "assume", "otherwise", "else" or "whether" (not "whether X or
  Y", which asserts what it says holds either way: "rescaled, whether above or below λ");
- up to "amounts to" / "means" / "equals" / "is equivalent to" when an action in -ing comes
  first ("clipping before unscaling amounts to clipping at c/S": the action is weighed);
- nothing when it is led by "I would" / "we would": that is the answer's own plan ("I would
  call scaler.unscale_(optimizer), then clip"), unless a condition comes first in its sentence
  ("if I skipped unscale_, I would clip scaled gradients");
- all of it when an action in -ing "would mean" another ("leaving out unscale_ would mean
  clipping scaled gradients": that action is supposed too);
- up to "would" / "could" / "'d" (or "wouldn't") when a subject comes first ("clipping each
  micro-batch would ...": the subject still asserts, the predicate after "would" is the
  learner's claim), unless
  the "would" is a comparison's ("always shorter than norm clipping would make it");
- when it comes before a clause led by "would" / "could" in its sentence, with only commas
  between ("checking after every item, i.e. clipping each micro-batch, would keep squeezing
  ..."): it is the subject of that "would", an action supposed; so is a short second subject
  led by "or" ("clipping each micro-batch's contribution, or the running sum, would ...").

- when its sentence names a way just described as "that's X" / "this is what X does" and the
  next sentence answers it with "Instead ..." ("... the early voters count less. That's
  clipping after every micro-batch. Instead you clip once"): it names what is rejected.

- when it describes a way and the rest of its sentence names its harm ("..., the running sum
  is shrunk again and again", "..., the early ones count less"): led by "when" / "if" and
  someone or an action ("when you clip after every micro-batch, ...", "if clipping after each
  micro-batch, ...", "if clip after every micro-batch, ..."), or an imperative answered by "and"
  ("skip the conversion and the gradients look thousands of times bigger", "put the clip
  elsewhere (e.g. after the step) and the update has used the raw grads", "With SGD, set it
  far below and you cut the learning rate": up to its "and");
- when it goes on a supposition led by "suppose" / "say" / "imagine" with "and" ("say 4
  micro-batches and you clipped after each backward"), unless it goes on a procedure ("...,
  otherwise it steps, and finally scaler.update()");
- when it opens its sentence with "to" / "in order to" and more of the sentence follows ("To
  clip meaningfully, call scaler.unscale_(optimizer) ..."): it names the purpose, and the call
  it names is not yet made (up to a main clause that follows with no comma: "to avoid dividing
  by tiny norms the denominator is floored at 1e-3").

What follows a supposition ("..., the early ones would count more") is the learner's claim
about what would happen, and is judged like any other statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import takewhile
from typing import TYPE_CHECKING

from gradclip_core.quiz.claims import wordset
from gradclip_core.quiz.remarks import SCENE

if TYPE_CHECKING:
    from gradclip_core.quiz.text import Clause

_COMPARING = wordset("than instead versus vs unlike")  # before a comparison's "would"
WOULD = wordset("would d could")  # "clipping each micro-batch would ...", "you'd clip"
_WOULDS = WOULD | wordset("wouldn couldn")  # "putting the clip before backward wouldn't work"
_PLANNERS = wordset("i we")  # "I would call scaler.unscale_(optimizer)": what they would do
_CONDITIONS = wordset("if unless when whenever without otherwise else suppose imagine instead or")
_DECIDES = wordset("depends depend decided determined hinges")  # "whether it explodes depends on"
_EQUATES = wordset("amounts amount means equals equivalent tantamount")  # a gerund weighed
_LINKS = wordset("so and thus hence therefore but")
_SUPPOSE = wordset("if unless")  # "if you clip after the step, ...": the learner supposes
_SOMEONE = wordset("you we one someone i")
# "if it is set far below ...", "if max_norm is chosen too small": a supposed choice
_CHOSEN = wordset("set chosen picked put made choose pick")
_SUBJUNCTIVE = wordset("were had would d could should might")  # "if clipping were done ..."
_INVERTED = wordset("were had should")  # "were it clipped ...", "had you clipped ..."
_LEADS = wordset("otherwise else whether suppose supposing imagine assume assuming say")
_WHEN = wordset("when whenever if")  # "when you clip after every micro-batch, <harm>"
# actions an answer supposes without a subject: "if clip after every micro-batch, <harm>"
_ACTIONS = wordset(
    "clip call do use apply skip unscale put run divide forget omit drop leave set pick choose"
    " move swap place"
)
_AND = wordset("and or")
_WHOLE = wordset("every everything all nearly almost each")  # "and every step gets clipped"
_NAMED = wordset("the it your")  # "put it after the step and the update has used the raw grads"
_ASIDE = wordset("eg ie say")  # "put the clip elsewhere (e.g. after the step) and ..."
_SCENE = SCENE | wordset("plain sgd adam")  # "With plain SGD, set it ..."
_PLACED = wordset("after before then")  # "put it after backward and before step": one order
_SEQUEL = wordset("finally lastly then next afterwards")  # "..., and finally update()"
# what a supposed way does wrong: "..., the running sum is shrunk again and again"
_HARMS = (
    "shrunk",
    "shrink",
    "less",
    "distort",
    "skew",
    "wrong",
    "bias",
    "squash",
    "smaller",
    "bigger",
    "larger",
    "too",
    "weigh",
    "under",
    "fail",
    "nan",
    "explod",
    "diverg",
    "lose",
    "lost",
    "worse",
    "broke",
    "dampen",
    "penali",
    "cut",
    "off",
    "bent",
    "bend",
    "tilt",
    "halv",
    "slow",
    "raw",  # "put it after the step and the update has used the raw grads"
    "unclipped",
    "nothing",
)
_DEICTIC = wordset("that this")  # "that's clipping after every micro-batch"
_BE = wordset("s is was would")
_INSTEAD = wordset("instead rather")  # "Instead, clip once", "Rather, let the sum build up"
_FILLERS = wordset("so but and")  # "So instead, ..."
# words that start a clause of its own: a clause led by one is no subject of a later "would"
_OR_SUBJECT = 10  # words at most of a second subject of a "would": "X, or the running sum, would"
_OWN_CLAUSE = wordset(
    "but whereas while because since so then which although though however thus hence "
    "therefore when whenever until meaning and or"
)


def premise(raws: Sequence[str], content: Sequence[bool]) -> int:
    """How many leading words of one clause only suppose (see the module docstring).

    Args:
        raws: the clause's words as written (lower case).
        content: per word, whether it can say something (not a stop word or marker).

    Returns:
        The number of leading words that only suppose: 0 when the clause asserts all of it,
        ``len(raws)`` when it asserts nothing.
    """
    raws = list(raws)
    supposed = [
        n
        for n, r in enumerate(raws)
        if r in _SUPPOSE
        and (
            _SOMEONE & set(raws[n + 1 : n + 3])
            or _CHOSEN & set(raws[n + 1 : n + 5])
            or _SUBJUNCTIVE & set(raws[n + 1 :])
        )
    ]
    if supposed:  # "if you clipped each one the early ones would count more": the consequence
        then = [n for n, r in enumerate(raws) if r == "would" and n > supposed[0] + 2]
        return then[0] if then else len(raws)
    decides = [n for n, r in enumerate(raws) if r in _DECIDES and raws[:1] == ["whether"]]
    if decides and "or" not in raws:  # "whether it explodes depends on ...": that is asserted
        return decides[0]
    either_way = raws[:1] == ["whether"] and "or" in raws  # "..., whether above or below"
    marked = raws[1:2] == ["suppose"] and raws[0] in _OWN_CLAUSE - {"so"}  # "and suppose ..."
    if raws[:1] and (raws[0] in _LEADS or marked or _inverted(raws)) and not either_way:
        return len(raws)
    # "clipping before unscaling amounts to / means / is equivalent to ...": an action weighed
    equates = [n for n, r in enumerate(raws) if r in _EQUATES and n > 1]
    gerund = [r for r in raws[:2] if r not in _LINKS][:1]  # "so clipping first means ..."
    if gerund and gerund[0].endswith("ing") and gerund[0] not in _LEADS and equates:
        return equates[0]
    # "... a smaller norm than norm clipping would give", "moves w by (-0.06, -0.08) instead of
    # the (-0.3, -0.4) the raw gradient would have given": a comparison's "would" supposes nothing
    would = next(
        (n for n, r in enumerate(raws) if r in _WOULDS and not _COMPARING & {*raws[:n]}), None
    )
    if would is None:
        return 0
    if _supposed_action(raws, would):
        return len(raws)
    planned = would and raws[would - 1] in _PLANNERS  # "I would call unscale_ ...": a plan
    if planned and not _CONDITIONS & {*raws[: would - 1]}:  # "and then I'd", "right after X I'd"
        return 0
    return would if any(content[:would]) else len(raws)


def _supposed_action(raws: list[str], would: int) -> bool:
    """ "leaving out unscale_ would mean clipping scaled gradients": what a supposed action
    "would mean" doing is an action supposed too, not one the learner makes."""
    rest = raws[would + 1 : would + 4]
    equated = [n for n, r in enumerate(rest) if r in _EQUATES | {"mean", "amount"}][:1]
    after = rest[equated[0] + 1 :][:2] if equated else []
    after = [r for r in after if r != "to"][:1]
    return bool(raws[0].endswith("ing") and after and after[0].endswith("ing"))


def _inverted(raws: list[str]) -> bool:
    """ "were it clipped", "had you clipped", "were you to clip", "should it exceed": a verb
    before its subject at the start of a clause (not "had to", "were clipped")."""
    return raws[0] in _INVERTED and len(raws) > 2 and raws[1] in _SOMEONE | {"it", "they", "the"}


_MAIN_SUBJECTS = frozenset(("it", "they", "we", "you", "agc", "pytorch"))


def _purpose(raws: list[str]) -> int:
    """The words of a purpose ("to keep the ratio meaningful") up to the subject of the main
    clause that follows it with no comma ("... it also rescales the weights")."""
    main = (j for j in range(3, len(raws)) if raws[j] in _MAIN_SUBJECTS or _passive(raws, j))
    return next(main, len(raws))


def _passive(raws: list[str], j: int) -> bool:
    """Whether "the X is <done>" starts at ``j``: the main clause after a purpose ("to avoid
    dividing by tiny norms the denominator is floored at 1e-3")."""
    return raws[j] == "the" and raws[j + 2 : j + 3] in (["is"], ["are"]) and j + 3 < len(raws)


def suppositions(found: list[Clause]) -> None:
    """Mark the clauses that suppose only in the light of their sentence: an "if" answered by
    a later "would" in the sentence, the subject of a clause led by "would" / "could", and a
    "that's X" answered by "Instead ..." (see the module docstring). Sets ``premise`` in
    place."""
    _rejected(found)
    _harmful(found)
    for n, clause in enumerate(found):
        raws = [t.raw for t in clause.toks]
        same = [c for c in found[n + 1 :] if c.sentence == clause.sentence]
        if raws[:1] and raws[0] in _SUPPOSE and any(WOULD & {t.raw for t in c.toks} for c in same):
            clause.premise = len(raws)
        first = n == 0 or found[n - 1].sentence != clause.sentence
        if first and same and (raws[:1] == ["to"] or raws[:3] == ["in", "order", "to"]):
            clause.premise = _purpose(raws)  # "To clip meaningfully, call unscale_ ...": a purpose
        if _condition_goes_on(found, n):
            clause.premise = len(raws)  # "if the norm is under it, or every entry is, ...": a case
        if raws[1:2] == ["would"] and raws[0] in _PLANNERS and _after_condition(found, n):
            clause.premise = len(raws)  # "if I skipped unscale_, I would clip ...": supposed
        if raws[:1] and raws[0] in WOULD:
            for before in reversed(found[:n]):
                lead = before.toks[0].raw if before.toks else ""
                other = lead == "or" and len(before.toks) <= _OR_SUBJECT  # "X, or Y, would"
                if before.sentence != clause.sentence or (lead in _OWN_CLAUSE and not other):
                    break
                before.premise = len(before.toks)


def _after_condition(found: list[Clause], n: int) -> bool:
    """Whether a clause of clause ``n``'s sentence before it supposes ("if I skipped it, ...",
    "without unscale_, ...")."""
    same = [c for c in found[:n] if c.sentence == found[n].sentence]
    leads = _SUPPOSE | _LEADS | {"without", "when", "whenever"}
    return any(c.premise or (c.toks and c.toks[0].raw in leads) for c in same)


def _condition_goes_on(found: list[Clause], n: int) -> bool:
    """Whether clause ``n``, led by "or" right after a clause led by "if" / "when" / "unless",
    adds a second case to that condition: a main clause follows in its sentence ("and" rarely
    does: "..., if it is above 1, and finally step()" goes on with the procedure, but an "and"
    that denies does: "if rho > 1 and the activations don't damp it, it grows")."""
    clause = found[n]
    denies = clause.toks[:1] != [] and clause.toks[0].raw == "and" and bool(clause.negators)
    if n == 0 or not clause.toks or (clause.toks[0].raw != "or" and not denies):
        return False
    before, after = found[n - 1], found[n + 1 : n + 2]
    lead = before.toks[0].raw if before.toks else ""
    same = before.sentence == clause.sentence and after and after[0].sentence == clause.sentence
    return bool(same) and lead in _SUPPOSE | {"when", "whenever"}


def _rejected(found: list[Clause]) -> None:
    """Mark a sentence "that's X" / "this is what X does" followed by one led by "instead" or
    "rather": it names the way rejected, after its harm was described."""
    starts = [n for n, c in enumerate(found) if n == 0 or found[n - 1].sentence != c.sentence]
    for a, b in zip(starts, starts[1:], strict=False):
        raws = [t.raw for t in found[a].toks]
        nxt = [t.raw for t in found[b].toks if t.raw not in _FILLERS][:1]
        named = raws[:1] and raws[0] in _DEICTIC and raws[1:2] and raws[1] in _BE
        if named and nxt and nxt[0] in _INSTEAD:
            for clause in found[a:b]:
                clause.premise = len(clause.toks)


def _harms(clauses: Sequence[Clause], start: int = 0) -> bool:
    """Whether these clauses (from word ``start`` on) name a harm they do not deny ("nothing
    is lost" names none)."""
    return any(
        t.raw.startswith(_HARMS) and not c.negators.get(j)
        for c in clauses
        for j, t in enumerate(c.toks)
        if j >= start
    )


def _consequence(raws: Sequence[str], k: int) -> bool:
    """Whether "and" at ``k`` opens what an imperative leads to: "and you ...", "and every
    step ..."."""
    return raws[k] == "and" and raws[k + 1] in _SOMEONE | _WHOLE | _NAMED


def _harmful(found: list[Clause]) -> None:
    """Mark a way the rest of its sentence answers with its harm, and what goes on a
    "suppose" / "say" / "imagine" with "and" (see the module docstring)."""
    for n, clause in enumerate(found):
        raws = [t.raw for t in clause.toks]
        rest = [c for c in found[n + 1 :] if c.sentence == clause.sentence]
        if len(raws) < 2:
            continue
        action = raws[1] in _SOMEONE or raws[1] in _ACTIONS or raws[1].endswith("ing")
        led = raws[0] in _WHEN and action
        # "(With SGD,) set it far below ... and <harm>": an imperative that supposes
        verb = next((r for r in raws[:4] if r not in _SCENE), "")
        asides = list(takewhile(lambda c: c.toks[0].raw in _ASIDE, rest))  # "(e.g. ...)"
        rest = rest[len(asides) :]
        ordered = verb in _ACTIONS and bool(rest) and rest[0].toks[0].raw in _AND
        ordered = ordered and not _PLACED & {t.raw for t in rest[0].toks}  # "and right before"
        if (led and _harms(rest)) or (ordered and _harms(rest[:2])):
            clause.premise = len(raws)
            for aside in asides if ordered else ():
                aside.premise = len(aside.toks)
        elif verb in _ACTIONS:  # "set it far below and you cut the learning rate": one clause
            joint = next((k for k in range(2, len(raws) - 1) if _consequence(raws, k)), None)
            if joint is not None and _harms([clause], joint):
                clause.premise = max(clause.premise, joint)
        if raws[0] in _LEADS and raws[0] != "whether":
            for more in rest:
                if more.toks[0].raw not in _AND or _SEQUEL & {t.raw for t in more.toks[:3]}:
                    break  # "otherwise ..., and finally scaler.update()": the procedure goes on
                more.premise = len(more.toks)
