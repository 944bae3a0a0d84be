"""Worked examples in answers that use plain numbers, checked by arithmetic (see .examples for
vectors).

- Clipping by norm with numbers: "a norm of 10 with max_norm 2 is scaled by 0.2" (or "norm 10,
  max_norm 2 -> x0.2"): the factor must be max_norm / norm when the norm is over max_norm, and
  1 (no change) when it is not, and the norm it leaves ("so the final norm is 1") must be
  min(norm, max_norm). A false factor or result is marked with :data:`.examples.MARKER`. The
  limit may be stated in an earlier sentence (unless the sentence is about a loss scale or a
  learning rate), the norm in the one just before when that one states the limit too
  ("max_norm is 5 and the norm is 20. clip_grad_norm_ divides every gradient by 20");
  "clip_grad_norm_ divides by 20" is a factor of 1/20. In a code comment the norm and the limit
  may stand in a comment before it in the same code block.
- Clipping after every micro-batch: with N micro-batches and each clip scaling the running sum
  by f ("each clip halves it", "scales it by 0.5"), the first micro-batch ends up scaled by
  f^N and the last by f. A false fraction given to the first or the last is marked with
  :data:`MARKER`, a word a misconception of the bank can name.

Both read the lower-cased answer, one sentence at a time, before it is split into words.
"""

from __future__ import annotations

import re

from gradclip_core.quiz.examples import MARKER as MISCOMPUTED
from gradclip_core.quiz.examples import SENTENCE

MARKER = "misfactored"  # after a false fraction of a micro-batch; see lessons/quiz
_NUM = r"(\d+/\d+|\d*\.\d+|\d+)(?![\d/.]*\d)"
_COUNTS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "eight": 8, "ten": 10}
_MICRO = re.compile(r"\b(\d+|two|three|four|five|six|eight|ten)\s+micro[- ]?batch")
_PER_CLIP = re.compile(
    r"\b(halv\w*|(?:in|by) half)\b"
    rf"|\b(?:scal|multipl|shrink|shrunk|cut)\w*\s+(?:\w+\s+){{0,3}}?by\s+(?:a factor of\s+)?{_NUM}"
)
_LISTED = re.compile(rf"\s*(?:,|and)\s*{_NUM}")
_ENDS = re.compile(r"\b(first|earliest|last|final|latest)\b")
_FRACTION = re.compile(rf"(?<![\w.^]){_NUM}(?!\s*(?:micro|times|steps?|batch))")
_NORM = re.compile(  # "a norm of 10", "norm sqrt(81 + 144) = 15"
    rf"(?<![\w_])(?<!max )norm(?:\s+(?:after|before)\s+\w+)?\s*(?:of|is|=|:)?\s*"
    rf"(?:(?:sqrt|√)\s*\(?[^)=;]*\)?\s*[=≈]\s*)?"
    rf"(?:\d+(?:\.\d+)?\s*(?:×|x|\*)\s*\d+(?:\.\d+)?\s*[=≈]\s*)?{_NUM}"  # "norm 0.25 × 2048 = 512"
)
_LIMIT = re.compile(rf"\b(?:max_norm|max norm|threshold|limit)\s*(?:of|is|=|:)?\s*{_NUM}")
_FACTOR = re.compile(
    rf"(?:(?:->|→|=>|so|gives?|giving)\s*(?:a\s+)?(?:factor\s+(?:of\s+)?)?(?:x|×|\*)\s*{_NUM})"
    rf"|(?:(?:scal|multipl|shrink|shrunk)\w*\s+(?:\w+\s+){{0,3}}?by\s+(?:a factor of\s+)?{_NUM})"
    rf"|(?:factor\s+(?:is|of|=)\s*{_NUM}(?!\s*[/÷]))"  # "factor is 4 / 40": a quotient
)
_DIVIDE = re.compile(  # "clip_grad_norm_ divides every gradient by 20" (not unscale_'s division)
    r"\b(?:clip_grad_norm_?|clipping|clip|it)\s+(?:\w+\s+)?divid\w*\s+(?:\w+\s+){0,3}?by\s+" + _NUM
)
# a sentence about the loss scale or a learning rate: its factors are not the clip's
_OTHER_SCALE = re.compile(
    r"unscal|scaler|loss scale|real norm|true norm|real size|true size|\bs\s*=|learning rate|\blr\b"
)
# "a true norm of 0.25 shows up as 16,384 under a loss scale of 65536, so max_norm 1 shrinks it
# by 16,384 times": the clip's norm is the scaled one (see .inflated), not the norm it names
_LOSS_SCALE = re.compile(r"unscal|scaler|loss scale|real norm|true norm|\bs\s*=")
_RESULT = re.compile(  # what the clip leaves: "so the new norm is 1", "the final norm is 2"
    rf"\b(?:new|final|resulting|clipped)\s+norm\s*(?:is|becomes|of|=|:)?\s*(?:now\s+)?"
    rf"(?:about\s+|roughly\s+|exactly\s+)?{_NUM}"
)
_TIMES = re.compile(r"\b(?:halv\w*|shrunk|scaled|clipped|cut)\s+(twice|three|four|five)\b")
_COUNTS = _COUNTS | {"twice": 2}
CLOSE = 0.02  # relative tolerance for a stated number (a fraction, a factor, a median)


def _value(text: str) -> float:
    if "/" in text:
        a, b = text.split("/")
        return float(a) / float(b) if float(b) else float("inf")
    return float(text)


def off(said: float, true: float) -> bool:
    """Whether a stated number is further from the true one than :data:`CLOSE` allows."""
    return abs(said - true) > CLOSE * max(abs(true), 1e-9)


def mark(text: str) -> str:
    """``text`` (lower case) with a marker after each false number of a worked example."""
    micro, per_clip = _MICRO.search(text), _PER_CLIP.search(text)
    count = micro and (_COUNTS.get(micro.group(1)) or int(micro.group(1)))
    factor = None
    if per_clip and not _LISTED.match(text, per_clip.end()):  # "by 2/3, 4/7 and 4/7": no one f
        factor = 0.5 if per_clip.group(1) else _value(per_clip.group(2))
    out, limit, setup, before, fenced = [], None, None, "", False
    for n, piece in enumerate(SENTENCE.split(text)):
        if n % 2:
            out.append(piece)
            continue
        if count and factor and 0 < factor < 1:
            piece = _micro_batches(piece, count, factor)
        fenced ^= piece.lstrip().startswith("```")  # a code comment may take its numbers
        comment = piece.lstrip().startswith("#")  # ... from a comment before it
        out.append(_norm_factor(piece, limit, setup, before if comment else ""))
        before = piece if comment else before if fenced else ""
        limit = _LIMIT.search(piece) or limit  # "max_norm = 2. the sum has norm 4, so ..."
        norms = list(_NORM.finditer(piece))  # a setup states both: "max_norm 5, norm 20."
        setup = norms[-1] if norms and _LIMIT.search(piece) and not _FACTOR.search(piece) else None
    return "".join(out)


def _micro_batches(sentence: str, count: int, factor: float) -> str:
    """The sentence with :data:`MARKER` after a false fraction given to the first or the last
    micro-batch (the first fraction after the word that names it)."""
    wrong = []
    ends = list(_ENDS.finditer(sentence))
    for n, end in enumerate(ends):
        stop = ends[n + 1].start() if n + 1 < len(ends) else len(sentence)
        said = _FRACTION.search(sentence, end.end(), stop)
        if said is None or said.group(1).isdigit():
            continue
        first = end.group(1) in ("first", "earliest")
        times = _TIMES.search(sentence, 0, said.start())  # "halved twice": as often as it says
        true = factor ** (_COUNTS.get(times.group(1), 0) if times else count) if first else factor
        if off(_value(said.group(1)), true):
            wrong.append(said.end())
    for at in reversed(wrong):
        sentence = f"{sentence[:at]} {MARKER}{sentence[at:]}"
    return sentence


def _norm_factor(sentence: str, before=None, setup=None, comment: str = "") -> str:
    """The sentence with :data:`.examples.MARKER` after a false clipping factor, or after a
    false norm it says the clip leaves ("so the new norm is 1"). The limit may be stated in an
    earlier sentence (``before``), the norm in the sentence just before (``setup``): "max_norm
    is 5 and the norm is 20. clip_grad_norm_ divides every gradient by 20"; or both in the code
    comment before it (``comment``): "# norm 10, max_norm 2" then "# x 0.5"."""
    limit = _LIMIT.search(sentence) or _LIMIT.search(comment)
    limit = limit or (None if _OTHER_SCALE.search(sentence) else before)
    factor = _FACTOR.search(sentence) or _DIVIDE.search(sentence)
    norm = factor and _NORM.search(sentence, 0, factor.start())  # not the result's: "-> norm 3"
    norm = norm or (factor and _NORM.search(comment))
    norm = norm or (factor and setup)
    if not (norm and limit and factor) or _LOSS_SCALE.search(sentence):  # which norm: unclear
        return sentence
    said = _value(next(g for g in factor.groups() if g is not None))
    said = 1 / said if factor.re is _DIVIDE and said else said
    size, cap = _value(norm.group(1)), _value(limit.group(1))
    if not size:
        return sentence
    if off(said, min(1.0, cap / size)):
        return f"{sentence[: factor.end()]} {MISCOMPUTED}{sentence[factor.end() :]}"
    result = _RESULT.search(sentence, factor.end())
    if result and off(_value(result.group(1)), min(size, cap)):
        return f"{sentence[: result.end()]} {MISCOMPUTED}{sentence[result.end() :]}"
    return sentence
