"""An angle stated between vectors written out, checked: "(3, 4) → (1, 1) rotates it by 45°".

Value clipping can turn a gradient: (3, 4) clamped to 1 is (1, 1), about 8.1° away. An answer
that names an angle in degrees ("rotates by 45°", "an angle of 30 degrees") after vectors of the
same length written out states the angle between two of them. When no two of the vectors written
before it (ranges such as "[-1, 1]" left out) are within 1° of the angle stated, or 5 % of it,
the angle is followed by :data:`.examples.MARKER`. An angle said of one vector ("(1, 1) points
at 45°", not "rotates by" or "between") may also be its angle to an axis. An angle that is denied
("not 45°"), supposed ("if it rotated by 45°") or only bounded ("by more than 20°") is left
alone. Reads the lower-cased answer.
"""

from __future__ import annotations

import math
import re
from itertools import combinations

from gradclip_core.quiz.examples import MARKER

_NUM = r"-?\d+(?:\.\d*)?"  # "tensor([1., 1.])" too
_VECTOR = re.compile(rf"(?<![a-z_])[(\[]\s*({_NUM}(?:\s*,\s*{_NUM})+)\s*[)\]]")
_ANGLE = re.compile(rf"(?<![\w.])({_NUM})\s*(?:°|º|degrees?\b|deg\b)")
_SAID_OFF = re.compile(r"\b(?:not|never|no|if|would|suppose)\b[^.;\n]{0,30}$")
_BOUND = re.compile(  # "by more than 20°": a bound, not the angle
    r"\b(?:more than|over|at least|less than|under|up to|almost|nearly|below|above)\s*$"
)
_BETWEEN = re.compile(  # "rotates it by 45°", "the angle between them is": not "points at 45°"
    r"(?:\b(?:rotat|turn|tilt|swing|shift|swivel)\w*\s+(?:\w+\s+){0,3}?by"
    r"|\bangle\s+between\b[^.;\n]*|\bapart\b[^.;\n]*)\s*(?:about|roughly|around|~|≈)?\s*$"
)


def _angle(a: tuple[float, ...], b: tuple[float, ...]) -> float | None:
    na, nb = math.hypot(*a), math.hypot(*b)
    if na == 0 or nb == 0:
        return None
    cos = sum(x * y for x, y in zip(a, b, strict=True)) / (na * nb)
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


def mark(text: str) -> str:
    """``text`` with :data:`MARKER` after each angle no two vectors before it make."""
    ends = []
    for m in _ANGLE.finditer(text):
        if _SAID_OFF.search(text[: m.start()]) or _BOUND.search(text[: m.start()]):
            continue
        vecs = []
        for v in _VECTOR.finditer(text[: m.start()]):
            vec = tuple(float(x) for x in v.group(1).split(","))
            if not (len(vec) == 2 and vec[0] == -vec[1] and v.group().startswith("[")):  # a range
                vecs.append(vec)
        pairs = [(a, b) for a, b in combinations(vecs, 2) if len(a) == len(b)]
        if not _BETWEEN.search(text[max(0, m.start() - 40) : m.start()]):  # or "points at 45°"
            pairs += [(v, axis) for v in vecs if len(v) == 2 for axis in ((1.0, 0.0), (0.0, 1.0))]
        angles = [x for x in (_angle(a, b) for a, b in pairs) if x is not None]
        said = float(m.group(1))
        if angles and all(abs(x - said) > max(1.0, 0.05 * said) for x in angles):
            ends.append(m.end())
    for at in reversed(ends):
        text = f"{text[:at]} {MARKER}{text[at:]}"
    return text
