"""Hedges in answers: a claim said with "I reckon" or "if I remember right" is still asserted.

An informal answer wraps its claims in hedges: "I reckon it only works with plain SGD", "if I
remember right clip_grad_value_ is applied to the weights", "I think value clipping only does
that when the norm is over the limit", "it's pretty much the weights that get clamped", "IIRC
it returns None". A teacher marks such a claim wrong all the same: the hedge says how sure the
learner is, not that the claim is someone else's. Read as written, "if I remember right ..."
is a condition that names someone (a supposition for :mod:`.suppose`), so the claim after it
was never read. Each hedge is dropped before the answer is read, so what it wraps is read as
said:

- "I reckon / think / believe / guess / suspect / figure (that)", "I'd
  say", "I'm (pretty / fairly / quite) sure (that)", "I'm not (totally) sure, but";
- "if I remember / recall (right / rightly / correctly)", "if memory serves (me right)",
  "unless / if I'm (not) mistaken / wrong", "as far as I know / remember / can tell", "IIRC",
  "AFAIK", "from memory";
- "pretty much", "more or less", and "sort of" / "kind of" where no article or determiner
  makes them a noun phrase ("a kind of clamp", "what sort of norm" are kept).

A hedge after "used to", "first", "once" ("I used to think ...") is a past belief, left to
:mod:`.retracted`; "I don't think" denies and is kept. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

_I = r"(?<![\w'])i"
_VERB = r"(?:reckon|think|believe|guess|suspect|figure)"  # not "suppose": a supposition
_HEDGES = re.compile(
    r"(?:"
    rf"{_I}(?:\s+(?:also|still|really|do))?\s+{_VERB}(?:\s+that(?=\s))?(?![\w'])"
    rf"|{_I}(?:'d|\s+would)\s+(?:say|guess|think)(?:\s+that(?=\s))?(?![\w'])"
    rf"|{_I}(?:'m|\s+am)\s+(?:pretty|fairly|quite|almost|reasonably)\s+(?:sure|certain)"
    r"(?:\s+that(?=\s))?(?![\w'])"
    rf"|{_I}(?:'m|\s+am)\s+not\s+(?:totally\s+|entirely\s+|100\s*%\s+|completely\s+)?sure"
    r"\s*,?\s*but(?![\w'])"
    rf"|\bif\s+{_I}\s+(?:remember|recall)(?:\s+(?:right|rightly|correctly|well))?(?![\w'])"
    r"|\bif\s+(?:my\s+)?memory\s+serves(?:\s+me)?(?:\s+(?:right|well|correctly))?(?![\w'])"
    rf"|\b(?:unless|if)\s+{_I}(?:'m|\s+am)\s+(?:not\s+)?(?:mistaken|wrong|misremembering)(?![\w'])"
    rf"|\bas\s+far\s+as\s+{_I}\s+(?:know|remember|recall|can\s+tell)(?![\w'])"
    r"|\b(?:iirc|afaik|afaict)\b|\bfrom\s+memory\b"
    r"|\bpretty\s+much\b|\bmore\s+or\s+less\b"
    r")[ \t]*,?"
)
_PAST = re.compile(r"(?:used\s+to|first|once|initially|originally|had|don't|do\s+not|never)\s*$")
_VAGUE = re.compile(r"\b(?:sort|kind)\s+of\b[ \t]*")
_NOUNISH = re.compile(
    r"(?:\b(?:a|an|the|what|which|this|that|any|some|each|every|one|same|no|other|another"
    r"|different|particular|special|new|right|wrong)\s*)$"
)


def _dropped(pattern: re.Pattern[str], text: str, keep: re.Pattern[str]) -> str:
    out, at = [], 0
    for m in pattern.finditer(text):
        if keep.search(text[max(0, m.start() - 24) : m.start()]):
            continue
        out.append(text[at : m.start()])
        at = m.end()
    return "".join(out) + text[at:]


def mark(text: str) -> str:
    """``text`` with its hedges dropped, so the claims they wrap are read as said."""
    return _dropped(_VAGUE, _dropped(_HEDGES, text, _PAST), _NOUNISH)
