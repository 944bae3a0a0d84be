"""Statistics and settings defined wrongly in answers, marked.

Choosing a threshold from logged norms asks for two terms an answer can define wrongly in
fluent words, and one setting it can misread:

- the median called the mean ("the median, i.e. the average of all logged norms"; "the mean,
  which is the median") and the N-th percentile read upside down ("the 90th percentile: 90 % of
  steps have a norm above it"; "the value only 10 % of steps stay below"): each such sentence is
  followed by :data:`MISDEFINED`, and so is a statistic computed in code under another's name
  ("median = np.percentile(norms, 90)", "p90 = norms.quantile(0.99)");
- ``max_norm=0`` read as turning clipping off ("with max_norm=0 clipping is disabled and it just
  returns the norm"): torch multiplies every gradient by 0 / (norm + 1e-6), so they all become
  zero. Each such sentence is followed by :data:`MISDISABLED`.

Both are words the bank's misconceptions name. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

MISDEFINED = "misdefined"
MISDISABLED = "misdisabled"
_SENTENCE = re.compile(r"(?:[^.!?]|[.!?](?!\s|$))+(?:[.!?]|$)")
_DENIED = re.compile(r"\bnot\b|n't\b|\bnever\b|rather than|instead of|\bunlike\b|\bwhereas\b")
_IS = r"\s*(?:,|\(|—|-|:)?\s*(?:i\.?e\.?,?|that is,?|which is|meaning|aka|also called|=|or)\s+"
_MEAN_MEDIAN = re.compile(
    rf"\bmedian\b{_IS}(?:the\s+|an?\s+)?(?:average|mean)\b"
    rf"|\b(?:average|mean)\b[^.;]{{0,50}}?{_IS}(?:the\s+|a\s+)?median\b"
)
_PERCENTILE = re.compile(r"\b(\d{1,2})(?:th|st|nd|rd)?[\s-]+percentile\b|\bp(\d{1,2})\b")
_SHARE = re.compile(  # "90% of steps have a norm above", "only 10 % of steps stay below"
    r"\b(\d{1,2})\s*(?:%|percent)(?:\s+of)?[^.;%]{0,40}?"
    r"\b(above|over|exceed\w*|larger|higher|greater|bigger|below|under|less|smaller|lower)\b"
)
_LABELLED = re.compile(  # "median = np.percentile(norms, 90)", "p90 = norms.quantile(0.99)"
    r"(?:^|;)\s*(median|p\d{1,2})\s*=\s*[\w.]*?\b(percentile|quantile)\s*\(\s*(?:[\w.]+\s*,\s*)?"
    r"(?:q\s*=\s*)?(\d*\.?\d+)\s*[,)]",
    re.M,
)
_UP = ("above", "over", "exceed", "larger", "higher", "greater", "bigger")
_ZERO = re.compile(r"\bmax_norm\s*(?:=|of|to|at)?\s*(?:0(?:\.0+)?|zero)(?![\d.]*\d)")
_OFF = re.compile(
    r"\b(?:disabl\w*|turn\w* off|switch\w* off|is off|skips?|skipping|bypass\w*|no clipping"
    r"|nothing (?:is|gets) clipped|(?:just|only|merely) (?:returns?|reports?|measures?|computes?)"
    r"|leaves? (?:the )?grad\w* (?:alone|unchanged|untouched))"
)


def _upside_down(sentence: str) -> bool:
    """Whether the sentence names an N-th percentile and says N % lie above it (or 100 - N %
    below it)."""
    named = {int(a or b) for a, b in _PERCENTILE.findall(sentence)}
    for share, side in _SHARE.findall(sentence):
        up = side.startswith(_UP)
        if (up and int(share) in named) or (not up and 100 - int(share) in named - {50}):
            return True
    return False


def mark(text: str) -> str:
    """``text`` (lower case) with a marker after each sentence that defines the median or a
    percentile wrongly, or reads max_norm=0 as no clipping."""
    ends = []
    plain = text.replace("i.e.", "i.e,").replace("e.g.", "e.g,")  # no sentence ends there
    for m in _SENTENCE.finditer(plain):
        sentence = m.group()
        if _DENIED.search(sentence):
            continue
        if _MEAN_MEDIAN.search(sentence) or _upside_down(sentence):
            ends.append((m.end(), MISDEFINED))
        if _ZERO.search(sentence) and _OFF.search(sentence):
            ends.append((m.end(), MISDISABLED))
    for m in _LABELLED.finditer(text):
        label, kind, value = m.groups()
        wanted = 50.0 if label == "median" else float(label[1:])
        if abs(float(value) * (100 if kind == "quantile" else 1) - wanted) > 0.5:
            ends.append((m.end(), MISDEFINED))
    for at, word in sorted(ends, reverse=True):
        text = f"{text[:at]} {word}{text[at:]}"
    return text
