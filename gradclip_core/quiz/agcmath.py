"""AGC's arithmetic in worked examples, checked: the norm a unit is clipped to, and its factor.

Adaptive gradient clipping scales a unit whose gradient norm ‖G_i‖ is over λ · max(‖W_i‖, 1e-3)
down to that norm (it multiplies G_i by λ · max(‖W_i‖, 1e-3) / ‖G_i‖) and leaves the others
alone. One reader takes the numbers of an example: λ ("lambda = 0.1", "λ of 0.01", "lam is
0.01"), a unit's weight norm ("a weight row norm of 0.5", "whose weight norm is 2", "the norm of
the weights is 2", "||W_i|| = 2", "‖w‖_f = 2") and its gradient norm ("gradient norm 1", "‖G_i‖
= 1", "||∇w_i|| = 1"), none of them a number multiplied on ("0.01 x 4 = 0.04"). Two checks:

- The clipped norm (:func:`clipped`): a sentence that states a weight norm and what the gradient
  is clipped to ("weight norm 2, gradient norm 1, λ = 0.1: scaled to norm 0.2", "shrunk to 0.02",
  "rescaled to norm lambda / ||w|| = 0.005"; not a product such as "to 0.01 x 4 = 0.04"), with λ
  stated in it or a sentence before ("Example with λ = 0.1."), must give λ · max(‖W‖, 1e-3),
  to the places written or within 2 %. When the stated gradient norm is within that limit, the
  clip leaves it alone: the norm is the gradient's own.
- The factor (:func:`factor`): "λ = 0.01, ‖W_i‖ = 2, ‖G_i‖ = 0.1: the ratio is 0.05, so G_i is
  multiplied by 0.5" scales the unit to a ratio of 0.025, not λ: the factor that brings the ratio
  down to λ is 0.01 · 2 / 0.1 = 0.2. When an answer gives λ, a weight norm and a gradient norm
  (the first of each counts) and then multiplies (or scales) the gradient by a number (or by an
  expression "= number"), a factor more than :data:`TOLERANCE` off the right one is marked.

A false number is followed by :data:`.examples.MARKER` ("miscomputed"), a word the bank's
misconceptions name. Sentences that suppose ("if", "would") are checked too: arithmetic is true
or false whatever is supposed. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

from gradclip_core.clipping import AGC_EPS
from gradclip_core.quiz.examples import MARKER, SENTENCE
from gradclip_core.quiz.worked import misstated

TOLERANCE = 0.1  # relative error allowed in a factor (answers round)
_NUM = r"(\d+(?:\.\d+)?(?:e-?\d+)?)(?![\d.]*\s*(?:[x×*·/^]|times\b))"  # not "0.01 x 4 = ..."
_IS = r"\s*(?:=|is|of|equal to|equals|:)?\s*(?:about\s+|roughly\s+)?"
_BARS = r"(?:\|\||‖)"  # "||W||", "‖W_i‖"
_UNIT = r"(?:\w*|_\{\w+\})"  # a unit's subscript: "W_i", "W_{i}", "W1"
_NUMBERS = {
    "lam": re.compile(rf"(?:λ|\blambda|\blam)\b{_IS}{_NUM}"),
    "w": re.compile(
        rf"(?:\bweights?(?:'s)?\s+(?:row\s+|unit\s+)?norm|\bnorm\s+of\s+(?:the\s+)?(?:w|weights?)\w*"
        rf"|{_BARS}\s*w{_UNIT}\s*{_BARS}(?:_f)?){_IS}{_NUM}"
    ),
    "g": re.compile(
        rf"(?:\bgrad(?:ient)?s?(?:'s)?\s+norm|\bnorm\s+of\s+(?:the\s+)?g\w*"
        rf"|{_BARS}\s*(?:g|∇w){_UNIT}\s*{_BARS}(?:_f)?){_IS}{_NUM}"
    ),
}
_CLIPPED = re.compile(  # "scaled down to norm 0.01", "rescaled to norm lambda · ||w|| = 0.005"
    r"\b(?:scaled|rescaled|shrunk|clipped|reduced|brought|cut)\s+(?:\w+\s+){0,2}?to\s+"
    rf"(?:a\s+|the\s+)?(?:norm\s+(?:of\s+)?(?:[^\d.;=]{{1,30}}=\s*)?)?{_NUM}"
)
_FACTOR = re.compile(  # "multiplied by 0.5", "scales it by 0.01 · 2 / 0.1 = 0.2"
    r"\b(?:multipl\w*|scal(?:e|es|ed|ing))(?:\s+(?:it|them|the\s+gradient|its\s+gradient))?\s+by\s+"
    r"(?:(?:about|roughly|approximately)\s+)?(?:[\d.\sλ*·×/()e-]*?=\s*|[^;]{0,60}?=\s*)??"
    r"(\d+(?:\.\d+)?(?:e-?\d+)?)(?!\s*[*·×/\d]|\.\d)"
)


def mark(text: str) -> str:
    """``text`` (lower case) with :data:`MARKER` after each false AGC norm or factor."""
    return factor(clipped(text))


def numbers(text: str) -> dict[str, re.Match[str] | None]:
    """The first λ ("lam"), weight norm ("w") and gradient norm ("g") ``text`` states."""
    return {name: pattern.search(text) for name, pattern in _NUMBERS.items()}


def clipped(text: str) -> str:
    """``text`` with :data:`MARKER` after each clipped norm that is not λ · max(‖W‖, 1e-3)."""
    out, lam = [], None
    for n, piece in enumerate(SENTENCE.split(text)):
        if n % 2 == 0:  # not a separator
            piece, lam = _clipped(piece, lam)
        out.append(piece)
    return "".join(out)


def _clipped(piece: str, lam: float | None) -> tuple[str, float | None]:
    """One sentence checked, and the λ it states or, if none, the one of a sentence before."""
    said = list(_CLIPPED.finditer(piece))
    found = numbers(_masked(piece, said))
    lam = float(found["lam"].group(1)) if found["lam"] else lam  # "Example with λ = 0.1."
    if found["w"] is None or lam is None:
        return piece, lam
    limit = lam * max(float(found["w"].group(1)), AGC_EPS)
    grad = float(found["g"].group(1)) if found["g"] else None
    true = grad if grad is not None and grad <= limit else limit  # within the limit: kept
    for m in reversed(said):
        if misstated(m.group(1), true):
            piece = f"{piece[: m.end()]} {MARKER}{piece[m.end() :]}"
    return piece, lam


def factor(text: str) -> str:
    """``text`` with :data:`MARKER` after an AGC factor that does not bring the ratio to λ."""
    found = numbers(text)
    lam, weight, grad = found["lam"], found["w"], found["g"]
    if lam is None or weight is None or grad is None:
        return text
    g = float(grad.group(1))
    limit = float(lam.group(1)) * max(float(weight.group(1)), AGC_EPS)
    if g <= limit or g == 0:
        return text
    said = _FACTOR.search(text, max(lam.end(), weight.end(), grad.end()))
    if said is None or abs(float(said.group(1)) / (limit / g) - 1) <= TOLERANCE:
        return text
    return f"{text[: said.end()]} {MARKER}{text[said.end() :]}"


def _masked(piece: str, said: list[re.Match[str]]) -> str:
    """``piece`` with the clipped norms it states blanked out: "rescaled to norm λ·||w_i|| =
    0.2" states no weight norm."""
    for m in said:
        piece = f"{piece[: m.start()]}{' ' * (m.end() - m.start())}{piece[m.end() :]}"
    return piece
