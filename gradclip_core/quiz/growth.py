"""Growth compounded over steps or layers, worked out in an answer, checked: g per step for n
steps is g^n, not g · n.

- Powers (:func:`powers`): "1.1^50 is about 117", "1.1 over 100 steps is already about 13,800",
  "1.2 per layer over 30 layers gives 24000", "1.5 repeated 20 times gives 3300" state g^n; a
  result off by more than a third either way is marked (a number the power is multiplied by,
  "2 * 1.5**50", counts, and so do a scale word and a power of ten, "1.2 million", "6.4 ×
  10^8"). A product written as repeated steps,
  "1.1 x 100 = 110" after "100 steps", is checked against 1.1^100 too.
- Gains (:func:`gains`): "with a gain of 1.1 per step (or a spectral radius of 1.1), after 100
  steps the gradient is about 110 times larger" adds the gains up instead of multiplying them
  (1.1^100 is about 13,800): a gain above 1 per step or layer, a number of steps or layers and
  a "times larger" result in one sentence are checked, and a result more than :data:`SLACK`
  times off g^n is marked.

A false result is followed by :data:`.examples.MARKER` ("miscomputed"), a word the bank's
misconceptions name. Logarithms are compared, so that no power overflows a float. Reads the
lower-cased answer.
"""

from __future__ import annotations

import math
import re

from gradclip_core.quiz.examples import MARKER

SLACK = 3.0  # a "times larger" result this far off g^n, either way, is a miscomputation
_LOG2 = math.log(2)
_NUM = r"\d+(?:\.\d+)?"
_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "billion": 1e9}
_POWER = re.compile(  # "1.1^50 is already about 1.2 million", "1.2 over 30 layers gives 24000"
    r"\b(\d\.\d+)\s*(?:\^|\*\*|(?:\s+(?:per|each|a|every)\s+(?:time[ -]?)?(?:step|layer))?"
    r"\s+(?:over|for|across|through)\s+|\s+(?:repeated|compounded|multiplied(?:\s+by\s+itself)?)\s+)"
    r"(\d+)\b[^.;\d]{0,40}?"  # "1.1 per step over 100 steps", "1.5 repeated 20 times"
    r"(?:≈|~|=|\bis|\bgives?|\bof|\bto|\babout|\broughly|\baround|\bnearly|\bapproximately)"
    r"[^.;\d]{0,20}?(?:(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?(?:e[-+]?\d+)?)(?!\d|[.,]\d)|\b(?:a|one)\b)\s*"
    r"(?:[x×*·]\s*10\s*(?:\^|\*\*)\s*([-+]?\d+)\s*)?"  # "6.4 × 10^8"
    r"(thousand|million|billion|k\b)?(?!\s*(?:\^|\*\*|[x×]\s*\d))"  # "110x" is a result
)
# "after 100 steps it is 1.1 x 100 = 110 times bigger": a factor times the steps, not a power
_TIMES = re.compile(
    r"\b(1\.\d+|2\.0*)\s*(?:x|×|\*|times)\s*(\d+)\s*(?:=|≈|~|\bis\b|\bgives?\b|\bmakes?\b)\s*"
    r"(?:about\s+|roughly\s+|around\s+|approximately\s+|only\s+|just\s+)?"
    r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\d.])"  # "131,072" is one number
)
_COMPOUNDING = re.compile(r"\b(?:steps?|layers?|time|power|compound\w*|recurren\w*|backprop\w*)\b")
_COEFFICIENT = re.compile(r"(?<![\w.^*])(\d+(?:\.\d+)?|sqrt\s*\(\s*(\d+)\s*\))\s*(?:\*|×|·|x)\s*$")
_SENTENCE = re.compile(r"(?:[^.!?\n]|\.(?=\d))+")
_UNITS = r"(?:time\s+)?(?:steps?|layers?|links?|factors?|multiplications?)"
_GAIN = re.compile(
    r"\b(?:gain|factor|multiplier|(?:spectral\s+)?radius|(?:largest\s+)?(?:eigenvalue|singular\s+value)"
    r"|(?:jacobian\s+)?norm)\s*(?:of|is|=|≈|~|:)?\s+"  # "a spectral radius of 1.1"
    rf"(?:about\s+|roughly\s+|around\s+)?({_NUM})\b"
    rf"|\b({_NUM})\s*(?:x\s+)?(?:per|at each|at every|each|every)\s+{_UNITS}\b"
)
_COUNT = re.compile(rf"\b(?:after|over|across|through|for)\s+(\d+)\s+{_UNITS}\b")
_RESULT = re.compile(
    r"\b(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(?:times|x|×)\s+"
    r"(?:larger|bigger|greater|as large|as big|its size|the size)\b"
)


def mark(text: str) -> str:
    """``text`` (lower case) with :data:`MARKER` after each false compounded growth."""
    return gains(powers(text))


def powers(text: str) -> str:
    """``text`` with :data:`MARKER` after the result of each false compounding example (a
    product written as repeated steps, "1.1 x 100 = 110" after "100 steps", is one too)."""
    for m in reversed(list(_TIMES.finditer(text))):
        base, times = float(m.group(1)), int(m.group(2))
        said = float(m.group(3).replace(",", ""))
        sentence = re.split(r"[.!?;](?=\s)|\n", text[: m.start()])[-1]
        if times >= 10 and _COMPOUNDING.search(sentence) and not _near(said, base, times):
            text = f"{text[: m.end()]} {MARKER} {text[m.end() :]}"
    for m in reversed(list(_POWER.finditer(text))):
        base, times, said, power, scale = m.groups()
        if said is None and scale is None:
            continue
        coefficient = _coefficient(text[: m.start()])
        claimed = float((said or "1").replace(",", "")) * _SCALES.get(scale or "", 1.0)
        power = int(power or 0)
        if _log(coefficient, float(base), int(times)) >= _LOG2 and not _near(
            claimed, float(base), int(times), coefficient, power
        ):
            at = m.start() + len(m.group(0).rstrip())  # the marker stays a word of its own
            text = f"{text[:at]} {MARKER} {text[at:].lstrip()}"
    return text


def gains(text: str) -> str:
    """``text`` with :data:`MARKER` after a "times larger" result of a gain per step that is
    more than :data:`SLACK` times off g^n."""
    ends = []
    for sentence in _SENTENCE.finditer(text):
        part = sentence.group()
        gain, count = _GAIN.search(part), _COUNT.search(part)
        if gain is None or count is None:
            continue
        g = float(gain.group(1) or gain.group(2))
        for m in _RESULT.finditer(part):
            claimed = float(m.group(1).replace(",", ""))
            if m.start() > count.end() and _far(g, int(count.group(1)), claimed):
                ends.append(sentence.start() + m.end())
    for at in sorted(ends, reverse=True):
        text = f"{text[:at]} {MARKER}{text[at:]}"
    return text


def _far(gain: float, count: int, claimed: float) -> bool:
    """Whether ``claimed`` is more than :data:`SLACK` times off ``gain ** count`` (a gain above
    1 over two steps or more)."""
    if gain <= 1.0 or count < 2 or claimed <= 0:
        return False
    return abs(math.log(claimed) - _log(1.0, gain, count)) > math.log(SLACK)


def _log(coefficient: float, base: float, times: int) -> float:
    """ln(coefficient * base ** times), without overflow ("2.0 * 65536" read as a power);
    -inf where the product is 0."""
    if coefficient <= 0 or base <= 0:
        return -math.inf
    return math.log(coefficient) + times * math.log(base)


def _near(said: float, base: float, times: int, coefficient: float = 1.0, power: int = 0) -> bool:
    """Whether ``said x 10**power`` is within a factor 0.67-1.5 of ``coefficient x base**times``,
    compared as logarithms so that neither side overflows a float."""
    true = _log(coefficient, base, times)
    if said <= 0 or true == -math.inf:
        return said <= 0 and true == -math.inf
    return math.log(0.67) <= math.log(said) + power * math.log(10) - true <= math.log(1.5)


def _coefficient(before: str) -> float:
    """The number a power is multiplied by ("2 * 1.5**50", "sqrt(2) * 1.2**40"), else 1."""
    m = _COEFFICIENT.search(before)
    if m is None:
        return 1.0
    return float(m.group(2)) ** 0.5 if m.group(2) else float(m.group(1))
