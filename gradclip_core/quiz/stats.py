"""Statistics of logged gradient norms in answers, checked by arithmetic.

- A median stated for numbers listed in the same sentence ("the norms 0.5, 0.6, 0.7, 0.8 and
  12: the median is 0.7") must be their median (a mean given as the median is the usual slip);
  a false one is marked with :data:`.examples.MARKER`.
- A threshold set to a fraction of the median ("10 % of the median", "a quarter of the median",
  "0.5 x the median") lies below it: it is marked with :data:`SUBMEDIAN`, as "below the median".
- A threshold at the p-th percentile of the logged norms lets p % of the steps pass unclipped
  and clips the other 100 - p %: "at the 90th percentile 90 % of the steps get clipped" is
  marked with :data:`MISSHARED`, a word a misconception of the bank can name.

The median and the share are read one sentence at a time, in the lower-cased answer. (AGC's
worked numbers are checked by :mod:`.agcmath`.)
"""

from __future__ import annotations

import re
import statistics

from gradclip_core.quiz.examples import MARKER as MISCOMPUTED
from gradclip_core.quiz.examples import SENTENCE
from gradclip_core.quiz.scalars import off

MISSHARED = "misshared"  # after a share of clipped steps that a percentile does not give
SUBMEDIAN = "submedian"  # after a threshold that is a fraction of the median
_NUM = r"\d+(?:\.\d+)?"
_LISTED = re.compile(rf"(?<![\w.^]){_NUM}(?:\s*(?:,|,?\s*and)\s*{_NUM}){{2,}}")
_MEDIAN = re.compile(
    rf"\bmedian\s*(?:is|=|≈|~|of|:|would be|comes out at|at|(?=\d))\s*"
    r"(?:about\s+|roughly\s+|around\s+)?"
    rf"({_NUM})(?![\d.]\d)"
)
_PERCENTILE = re.compile(r"\b(\d{1,2})(?:th|st|nd|rd)?[ -]*(?:percentile|pct)\b|\bp(\d{1,2})\b")
_CLIPPED = re.compile(
    rf"({_NUM})\s*(?:%|percent)\s*(?:of\s+)?(?:the\s+|all\s+)?(?:\w+\s+){{0,2}}?"
    r"(?:get|gets|are|is|would\s+be|will\s+be|be)?\s*(?:clipped|clip)\b"
)


_FRACTION_OF_MEDIAN = re.compile(  # "10 % of the median", "a quarter of the median norm"
    rf"(?:\b({_NUM})\s*(?:%|percent)|\b(?:half|a\s+third|a\s+quarter|a\s+fifth|a\s+tenth|"
    rf"a\s+fraction)|(?<![\d.])(0?\.\d+)\s*(?:x|×|\*|times))\s*(?:of\s+)?(?:the\s+)?median\b"
)


def _fraction(text: str) -> str:
    """``text`` with :data:`SUBMEDIAN` after each threshold set to a fraction of the median."""
    for m in reversed(list(_FRACTION_OF_MEDIAN.finditer(text))):
        if m.group(1) is None or 0 < float(m.group(1)) < 100:
            text = f"{text[: m.end()]} {SUBMEDIAN}{text[m.end() :]}"
    return text


def _median(sentence: str) -> str:
    listed, said = _LISTED.search(sentence), _MEDIAN.search(sentence)
    if not (listed and said) or said.start() < listed.end():
        return sentence
    values = [float(v) for v in re.findall(_NUM, listed.group())]
    true = statistics.median(values)
    if not off(float(said.group(1)), true):
        return sentence
    return f"{sentence[: said.end()]} {MISCOMPUTED}{sentence[said.end() :]}"


def _share(sentence: str) -> str:
    at = _PERCENTILE.search(sentence)
    if at is None:
        return sentence
    p = float(at.group(1) or at.group(2))
    for m in reversed(list(_CLIPPED.finditer(sentence, at.end()))):
        if p != 50 and abs(float(m.group(1)) - p) < 0.5:
            sentence = f"{sentence[: m.end()]} {MISSHARED}{sentence[m.end() :]}"
    return sentence


def mark(text: str) -> str:
    """``text`` (lower case) with a marker after each false median or share of clipped steps."""
    pieces = SENTENCE.split(text)
    checked = "".join(_share(_median(p)) if n % 2 == 0 else p for n, p in enumerate(pieces))
    return _fraction(checked)
