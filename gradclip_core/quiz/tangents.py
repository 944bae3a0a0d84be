"""Wordings of long answers' tangents that look like claims about clipping and are none.

Long answers compare, give examples and name what clipping is used with. Read word by word,
such a remark puts a claim's parts together across words that do not go together. Two kinds
are handled here.

Rewrites of the lower-cased answer (:func:`mark`, run last by :mod:`.marks`):

- "they mean the global-norm version", "people usually mean ...": a verb, not an average (see
  :mod:`.meant` for "means"), read as "intend";
- "large-scale", "small-scale", "full-scale": one word, no "scale" (or "large") of its own;
- "as insurance against loss spikes", "a cheap guard against blow-ups": a protection (a noun),
  read as "insurance from", so "against the loss" is no comparison with the loss;
- "sqrt(number of params)", "the square root of the number of parameters": the size of a bound,
  no weights acted on, read as "number of coordinates";
- "foreach=None" (the default of clip_grad_norm_'s foreach): a value, no negation, read as
  "foreach=auto";
- "the threshold scales with its own weights", "grows with the batch": in proportion to them,
  read as "scales relative to" (nothing is scaled by the weights);
- "scaler.step(optimizer) then knows they're unscaled": "then" before a verb of knowing is "by
  that point", no next step, read as "now" (not "step, then unscale").
- "before backward it's None", "after step it has already been applied": the state of the
  gradient, read as "the grad is none" (no clipping call placed before backward or after step).

"the clipped one", "the scaled ones": in a claim, "one" after a participle is a pronoun, matched
only by the word "one" in an answer, not by a number 1 ("clip value 1.0", "clipped down to 1.0
scaled units": :func:`numeral_one`).

An analogy or an example inside a clause (:func:`likened`, for misconceptions): a claim's
words after "like", "such as", "effectively", "akin to", "similar to", "as insurance", ... are
what the clause likens something to or gives as an example ("clipping plays nicely with tricks
like learning-rate warmup", "a tight threshold is effectively lowering the learning rate", "it
acts like a smaller learning rate"): a misconception is not matched when the last of its
words comes after such a marker that it does not name itself, unless the clause names the
claim's subject ("with Adam that acts exactly like dividing the learning rate" says it of Adam).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from gradclip_core.quiz.claims import wordset

if TYPE_CHECKING:
    from gradclip_core.quiz.text import Clause

_MEAN_VERB = re.compile(
    r"\b(i|we|you|they|people|papers|authors|folks|most|practitioners)"
    r"(\s+(?:usually|typically|often|generally|normally|mostly|almost always|always|all)?\s*)"
    r"mean\b(?!\s*(?:of|and|or|is|are|was|were)\b|\s*[-.,;:)]|\s*$)"
)
_COMPOUNDS = re.compile(r"\b(large|small|full|mid|medium)-scale\b")  # not "a large scale factor"
_GUARD = re.compile(
    r"\b((?:as |an? |some |cheap |extra |good )+(?:\w+ )?)(insurance|guard|safeguard|protection|"
    r"hedge|defen[cs]e|safety net|backstop|precaution)\s+against\b"
)
_COUNTED = re.compile(  # under a root: a bound's size ("a norm up to sqrt(number of params)")
    r"\b((?:sqrt|square root of|root of)\s*\(?\s*(?:the\s+)?)(number|count|num|#)\s+of\s+"
    r"(?:the\s+)?(?:model'?s?\s+)?(?:parameters|params|weights)\b"
)
_FOREACH = re.compile(r"\b(foreach\s*(?:=|defaults to|default is|is)\s*)none\b")
_TRACKS = re.compile(
    r"\b(scales|scale|grows|grow|varies|vary|increases|increase)\s+with\s+"
    r"(?=(?:its|their|the|each|that)\b)"
)

# what a clause likens something to, or gives as an example, after these words
_MARKERS = wordset(
    "like effectively insurance safeguard precaution backstop akin resembles resemble mimics "
    "analogous guard protection hedge"
)
_PAIRS = (("such", "as"), ("similar", "to"))
_EXAMPLES = wordset("like as")  # "tricks like warmup": the examples are the words right after
EXAMPLE_REACH = 3  # words after "like" / "such as" that name its examples
# "acts like", "is a bit like": an analogy, even with all of a claim's words after it (a bare
# ", like clipping the params" gives an instance of what the clause asserts)
_LIKENESS = wordset(
    "act acts acting behave behaves behaving is are was be works work bit lot much kind sort "
    "just exactly something more"
)
_NOT_LIKE = wordset("would d i you we they feel looks look")  # "i'd like", "looks like ..."
_MARKED = re.compile(r"mis[a-z]+ed|onefactor|suppose")  # the markers of .marks: no analogy

_KNOWS = re.compile(  # "scaler.step(optimizer) then knows ...": at that point, no next step
    r"([\w)]\s+)then(\s+(?:already\s+)?(?:knows|sees|notices|realises|realizes|recognises"
    r"|recognizes|detects|finds|remembers)\b)"
)


_STATE = re.compile(  # "it's None", "it is stale", "it has already been applied": the gradient
    r"\bit(?:(?:'s|\s+is|\s+was)(?=\s+(?:none|stale|empty|undefined)\b)"
    r"|\s+ha[sd]\s+already\s+been(?=\s+(?:applied|consumed|used)\b))"
)


def mark(text: str) -> str:
    """``text`` with the rewrites of the module docstring."""
    text = _STATE.sub(lambda m: "the grad " + m[0][2:].lstrip().replace("'s", "is"), text)
    text = _MEAN_VERB.sub(lambda m: f"{m[1]}{m[2]}intend", text)
    text = _COMPOUNDS.sub(lambda m: f"{m[1]}scale", text)
    text = _GUARD.sub(lambda m: f"{m[1]}{m[2]} from", text)
    text = _FOREACH.sub(lambda m: f"{m[1]}auto", text)
    text = _COUNTED.sub(lambda m: f"{m[1]}{m[2]} of coordinates", text)
    text = _KNOWS.sub(lambda m: f"{m[1]}now{m[2]}", text)
    return _TRACKS.sub(lambda m: f"{m[1]} relative to ", text)


def _markers(clause: Clause) -> list[int]:
    """Positions of the words that open an analogy or an example in ``clause``."""
    raws = [t.raw for t in clause.toks]
    out = []
    for j, raw in enumerate(raws):
        if raw in _MARKERS and not (raw == "like" and j and raws[j - 1] in _NOT_LIKE):
            out.append(j)
        elif any(raws[j : j + 2] == list(p) for p in _PAIRS):
            out.append(j + 1)
    return out


def likened(clause: Clause, used: set[int]) -> bool:
    """Whether the last of the words a claim matched (``used``, positions) comes after a word
    that opens an analogy or an example, and the claim does not name that word itself; after
    "like" / "such as" (examples: "optimizers like SGD and Adam clip ..." still says it), only
    when a word the claim matched is one of the few right after it, and a word it matched comes
    before it or the marker likens ("acts like", "is a bit like"). A marker right after a word
    the claim matched is part of the claim's phrase ("exactly like SGD")."""
    if not used or any(_MARKED.fullmatch(clause.toks[j].raw) for j in used):
        return False
    last = max(used)
    for m in _markers(clause):
        if m in used or m >= last or any(m - 2 <= j < m for j in used):
            continue  # "slows it exactly like SGD": the claim's own phrase runs through it
        if clause.toks[m].raw not in _EXAMPLES:
            return True
        before = clause.toks[m - 1].raw if m else ""
        split = min(used) < m or before in _LIKENESS or before == "such"  # "acts like", "such as"
        if split and any(m < j <= m + EXAMPLE_REACH for j in used):
            return True
    return False


def numeral_one(alt: tuple, word, toks: list, found: list[int]) -> list[int]:
    """``found`` (positions matching ``word`` of claim words ``alt``) without the numbers, when
    ``word`` is the pronoun "one" after a participle ("clipped one", not "exceed one")."""
    k = alt.index(word)
    lead = alt[k - 1].raw if k else ""
    if word.raw not in ("one", "ones") or not lead.endswith("ed") or lead.endswith("eed"):
        return found
    return [j for j in found if toks[j].raw in ("one", "ones")]
