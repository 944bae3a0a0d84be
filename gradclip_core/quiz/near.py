"""Whether a clause that states a claim is about words the claim excludes, named next to it.

A claim's excluded words ("... - clip_grad_value / clamp") usually stand in its own clause; they
also count when they stand in the clause next to it (:func:`excluded_near`):

- before a short phrase with no verb that goes on it, in its sentence ("norm clipping multiplies
  the whole gradient (every parameter's grad, considered together) by one scalar");
- after a short phrase, in its sentence, that it qualifies as a condition ("(the mean, if you
  divided each loss by k)");
- before a clause led by "they" that stands for what it names ("LSTMs were designed against
  vanishing gradients; they do not stop them exploding": said of LSTMs), or a short one led by
  "it" after a warning ("don't call unscale_ twice, it raises an error": what doing so does);
- when it is only one word that the clause after it, led by "and" / "or", goes on ("tanh and
  sigmoid derivatives are at most 1": a subject split off);
- before a clause led by a past participle that goes on it ("one global scale factor, applied
  to every gradient"), or by a verb whose subject it is ("each row of a weight matrix, is
  clipped separately");
- before a short conclusion with no subject of its own ("(of losses divided by n, so it's the
  average)");
- before a relative clause ("clip_grad_value_(...), which clamps every entry") that takes its
  subject from it ("..., which makes the early micro-batches count more" names its own);
- after a call written as code that heads it in its sentence ("- clip_grad_value_(params,
  clip_value=1.0): clamps each entry to [-1, 1]": what the call does), or ends the sentence
  before one led by "it" / "this" ("... clip_grad_value_(params, 0.5). This clamps ...");
- after an "or" aside ("(or, to clamp every entry, clip_grad_value_)");
- after it in the same sentence, led by "and" / "so" / "which" / "whereas", naming no call and
  denying nothing, when the excluded word says what went wrong ("squash", "distort", "wrong",
  ...), for a claim that does not deny ("i clipped every micro-batch by accident and the early
  ones got squashed": the harm that came of it);
- after an arrow in the same sentence, naming no call ("clip per micro-batch -> the running sum
  shrinks again and again": its harm, not the next step of a procedure);
- after the condition it depends on, in the same sentence, when that condition says on which
  side of the limit ("if the norm is larger than the threshold, all gradients are shrunk so that
  their norm equals it": only the large ones; "if it is already below, the gradients are left
  exactly as they are": only the small ones);
- in a condition ("if" / "when" / "whenever" first), next to the clause it conditions, in the same
  sentence: the one after it ("if per-element bounding is preferred, clip_grad_value_ is used";
  "if inf turned up, scaler.step skips the update") or a short one before it that is only what it
  conditions ("clip_grad_value_(params, 1.0) if each entry is to be cut off at 1"); not one that
  states its own main clause ("when the ratio exceeds λ it scales the weights").
- before the condition that follows it in the same sentence, when that condition says on which
  side of the limit ("g is left untouched, when it was already below c": only the small ones).
- after the condition it depends on, in the same sentence, when it goes on "so that it" /
  "until it" ("if the ratio is above λ, scale the gradient down so that it equals λ": "it" is
  the ratio the condition named).

(A short clause that sets the scene before it, "Here I clip by value: every element is clamped",
does not count: read so, too many wrong answers pass.)
"""

from __future__ import annotations

import re

from gradclip_core.quiz.match import Pattern, excluded, slot_hits
from gradclip_core.quiz.text import Clause, meaningful, tokens

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")

_ACTS = frozenset(("clip", "clipping", "step", "update", "backward", "unscale", "zero_grad"))
_CONDITIONS = frozenset(("if", "when", "whenever", "once"))  # a clause that sets a condition
_PRONOUNS = frozenset(("it", "they"))  # a condition that states its own main clause
_BARE = 6  # words at most of a clause that is only what a condition conditions
_OVER = frozenset(("abov", "exceed", "larg", "beyond", "past", "high"))  # canon ("over" is "/")
_APPOSED = 4  # meaningful words at most of an apposition
_NOUN_LEADS = frozenset(("the", "a", "an", "every", "each", "all", "its", "their"))
_VERBS = frozenset(("is", "are", "was", "were", "be", "gets", "get", "becomes", "stays"))
# what went wrong, said of a practice in the clause after it (canon words)
_HARMS = frozenset(
    t.canon
    for t in tokens(
        "wrong bad incorrect mistake problem harm harmful distort skew squash biased penalise"
        " penalize unfair unevenly broken break hurt worse"
    )
)
_SHORT = 3  # meaningful words at most of a short clause led by "it" or before a condition
_CONCLUSION = 3  # meaningful words at most of a conclusion drawn from the clause before
_PARTICIPLES = frozenset(("applied", "used", "shared", "common", "computed", "taken", "given"))
_GOES_ON = frozenset(("and", "so", "which", "whereas"))  # what came of a clause
_SIDE = _OVER | frozenset(("below", "under", "small", "less", "within"))  # either side of it


def excluded_near(
    pat: Pattern, clause: Clause, before: Clause | None, after: Clause | None, vocab: frozenset[str]
) -> bool:
    """Whether ``clause`` is about words the claim excludes, named in the clause next to it (see
    the module docstring)."""
    if not pat.exclude:
        return False
    own = bool(pat.subject) and bool(slot_hits(pat.subject, clause, vocab))
    if clause.relative and before is not None and not own and excluded(pat.exclude, before, vocab):
        return True
    if not own and _apposed(before, clause) and excluded(pat.exclude, before, vocab):
        return True  # "multiplies the whole gradient (every parameter's grad, together)"
    if not own and _participle(before, clause) and excluded(pat.exclude, before, vocab):
        return True  # "one global factor, min(1, max_norm / norm), applied to every gradient"
    if not own and _concluded(before, clause) and excluded(pat.exclude, before, vocab):
        return True  # "(usually of losses divided by n, so it's the average)": from that premise
    if not own and _predicated(before, clause) and excluded(pat.exclude, before, vocab):
        return True  # "each row of a weight matrix, is clipped separately": said of the row
    if not own and _they(before, clause) and excluded(pat.exclude, before, vocab):
        return True  # "LSTMs were designed against vanishing; they do not stop explosions"
    if _conditioned(clause, after) and excluded(pat.exclude, after, vocab):
        return True  # "(the mean, if you divided each loss by k)": only under that condition
    if _coordinated(before, clause) and excluded(pat.exclude, before, vocab):
        return True  # "tanh and sigmoid derivatives are at most 1", read as two clauses
    if _called(before, clause) and excluded(pat.exclude, before, vocab):
        return True  # "- clip_grad_value_(params, clip_value=1.0): clamps each entry"
    side = tuple(a for a in pat.exclude if all(w.canon in _SIDE for w in a))
    if side and _condition(before, clause) and excluded(side, before, vocab):
        return True
    if _condition(before, clause) and _resumed(clause) and excluded(pat.exclude, before, vocab):
        return True  # "if the ratio is above λ, scale g so that it equals λ": "it" is the ratio
    own_main = any(t.raw in _PRONOUNS for t in clause.toks[2:])  # "when ..., it scales"
    if clause.toks[:1] and clause.toks[0].raw in _CONDITIONS - {"once"} and not own_main:
        near = [c for c in (before, after) if c is not None and c.sentence == clause.sentence]
        near = [c for c in near if c is after or sum(map(meaningful, c.toks)) <= _BARE]
        if any(excluded(pat.exclude, c, vocab) for c in near):
            return True
    if side and _condition(clause, after, lead=True) and excluded(side, after, vocab):
        return True  # "..., and g is left untouched, when it was already below c"
    harms = tuple(a for a in pat.exclude if all(w.canon in _HARMS for w in a))
    if harms and not pat.negated and _judged(clause, after) and excluded(harms, after, vocab):
        return True  # "I clipped every micro-batch, and the early ones got squashed"
    leads_or = clause.toks[:1] != [] and clause.toks[0].raw == "or"
    if after is not None and after.toks[:1] and after.toks[0].raw == "then":  # "a -> its harm"
        leads_or |= after.sentence == clause.sentence and not _ACTS & {t.raw for t in after.toks}
    return leads_or and after is not None and excluded(pat.exclude, after, vocab)


_CALL_WORDS = frozenset(("torch", "model", "params", "parameters", "optimizer"))


def _they(before: Clause | None, clause: Clause) -> bool:
    """Whether ``clause`` opens with "they", which stands for what the clause before it, in its
    sentence or the one before, is about, or is a short one led by "it" after a warning in its
    sentence ("don't call unscale_ twice, it raises": what doing so does)."""
    if before is None or not clause.toks or clause.sentence - before.sentence > 1:
        return False
    lead = clause.toks[0].raw
    short = before.sentence == clause.sentence and sum(map(meaningful, clause.toks)) <= _SHORT
    warned = [t.raw for t in before.toks[:2]] in (["don", "t"], ["do", "not"]) or (
        before.toks[:1] != [] and before.toks[0].raw == "never"
    )
    return lead == "they" or (lead == "it" and short and warned)  # "don't call it twice, it raises"


def _conditioned(clause: Clause, after: Clause | None) -> bool:
    """Whether ``clause`` is a short phrase that the condition after it, in its sentence,
    qualifies: "(the mean, if you divided each loss by k)", "zero, unless ..."."""
    if after is None or after.sentence != clause.sentence or not after.toks:
        return False
    lead = after.toks[0].raw in ("if", "unless", "provided")
    return lead and sum(map(meaningful, clause.toks)) <= _SHORT


def _called(before: Clause | None, clause: Clause) -> bool:
    """Whether ``before`` is only a call written as code ("torch.nn.utils.clip_grad_value_(
    model.parameters(), clip_value=1.0)") that heads ``clause`` in its sentence: what the
    clause says, it says of that call."""
    if before is None or not before.toks or not clause.toks:
        return False
    led = clause.toks[0].raw in ("it", "this") and before.sentence == clause.sentence - 1
    if before.sentence != clause.sentence and not led:  # "... clip_grad_value_(...). This ..."
        return False
    loose = [t for t in before.toks if not t.code and t.raw not in _CALL_WORDS]
    return any(t.code for t in before.toks) and all(_NUMBER.fullmatch(t.raw) for t in loose)


def _judged(clause: Clause, after: Clause | None) -> bool:
    """Whether ``after`` goes on ``clause`` in its sentence to say what came of it: led by "and"
    / "so" / "which" / "whereas", naming no call and denying nothing ("i clipped every
    micro-batch, and the early ones got squashed"). Not for a claim that denies: its exclusions
    are about its own words ("not per time step, so only depth")."""
    if after is None or after.sentence != clause.sentence or not after.toks:
        return False
    named = _ACTS & {t.raw for t in after.toks}
    return after.toks[0].raw in _GOES_ON and not named and not after.negators  # "so ... not"


def _apposed(before: Clause | None, clause: Clause) -> bool:
    """Whether ``clause`` is a short noun phrase with no verb of its own that goes on ``before``,
    in its sentence: a bracketed or comma-set apposition ("(every parameter's grad, ...)")."""
    if before is None or before.sentence != clause.sentence:
        return False
    said = [t for t in clause.toks if meaningful(t)]
    noun = clause.toks[:1] != [] and clause.toks[0].raw in _NOUN_LEADS  # not "when ..."
    verbs = any(t.raw in _VERBS or any(ch.isdigit() for ch in t.raw) for t in clause.toks)
    return noun and len(said) <= _APPOSED and not verbs  # "the square of 4": a value, no aside


def _participle(before: Clause | None, clause: Clause) -> bool:
    """Whether ``clause`` is led by a past participle that goes on the noun phrase of ``before``
    in its sentence ("one global scale factor, applied to every gradient")."""
    if before is None or before.sentence != clause.sentence or not clause.toks:
        return False
    return clause.toks[0].raw in _PARTICIPLES


def _concluded(before: Clause | None, clause: Clause) -> bool:
    """Whether ``clause`` is a short conclusion ("so it's the average") drawn from ``before``
    in its sentence, with no subject of its own: what qualifies the premise qualifies it."""
    if before is None or before.sentence != clause.sentence or not clause.toks:
        return False
    short = sum(map(meaningful, clause.toks)) <= _CONCLUSION
    bare = [t.raw for t in clause.toks[1:2]] in (["it"], ["this"])  # not "so its norm", "so that"
    return clause.toks[0].raw in ("so", "hence", "thus", "therefore") and short and bare


def _predicated(before: Clause | None, clause: Clause) -> bool:
    """Whether ``clause`` is led by a verb ("is clipped separately") whose subject is the noun
    phrase, with no verb of its own, that ``before`` is in its sentence ("each unit of a layer,
    for instance each row of a weight matrix, is clipped separately")."""
    if before is None or before.sentence != clause.sentence or not clause.toks:
        return False
    return clause.toks[0].raw in _VERBS and not any(t.raw in _VERBS for t in before.toks)


def _coordinated(before: Clause | None, clause: Clause) -> bool:
    """Whether ``before`` is one word that ``clause``, led by "and" / "or", goes on in its
    sentence: a subject split off ("tanh and sigmoid derivatives are at most 1")."""
    if before is None or before.sentence != clause.sentence or not clause.toks:
        return False
    return clause.toks[0].raw in ("and", "or") and sum(map(meaningful, before.toks)) == 1


def _condition(before: Clause | None, clause: Clause | None, lead: bool = False) -> bool:
    """Whether ``before`` is the condition ``clause`` depends on ("[and] if ..., ..."), or with
    ``lead``, whether ``clause`` is the condition that follows ``before`` ("..., when ...")."""
    if before is None or clause is None or before.sentence != clause.sentence:
        return False
    return bool(_CONDITIONS & {t.raw for t in (clause if lead else before).toks[:2]})


def _resumed(clause: Clause) -> bool:
    """Whether ``clause`` goes on with "so that it" / "until it": what "it" stands for is what
    the condition before it was about."""
    raws = " ".join(t.raw for t in clause.toks)
    return any(f" {lead} it " in f" {raws} " for lead in ("so that", "until", "till"))
