"""Results of a worked example that come from another vector than the one named last.

:mod:`.examples` checks a result against the source named last before it, but a teacher's
example often derives a vector from an earlier one: "the first is clipped to (3, 4)" after
"(6, 8) and (8, -6)"; a running sum ("(3, 4) + (8, -6) = (11, -2)") and its clip; the
per-micro-batch result "about (4.92, -0.89)", the clip of (clip(g1) + g2); a copy scaled by a
loss scale or a learning rate the answer states ("s = 100: (3, 4) sits in .grad as (300, 400)",
"lr 0.1 ... the step is (0.3, 0.4)"). :func:`explained` accepts a result that is what its mode
gives from any vector seen before it, that is one of those scaled by a stated factor, or, in an
answer about micro-batches or sums, a sum of two seen vectors or a running per-micro-batch
result. :func:`factors` reads the stated scales and learning rates.
Reads the lower-cased answer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

_NUM = r"(\d+(?:\.\d+)?(?:e-?\d+)?)"
_FACTOR = re.compile(  # "s = 100", "scale 1000", "loss scale of 65536", "learning rate 0.1"
    rf"(?:\bs|\bscale(?:\s+factor)?|\bscaler|\blr|learning\s+rate|\bη|\beta)\s*"
    rf"(?:=|of|is|:)?\s*{_NUM}(?:\s*(?:\^|\*\*)\s*(\d+))?(?![\d.]*\d)"
)  # "scale = 2^16": 65536
# "treats them as one vector", "both get the same factor": several tensors clipped together
_TOGETHER = re.compile(
    r"\bboth\b|\btogether\b|\b(?:one|a single) (?:long )?vector|\b(?:joint|total|global|combined)"
    r" norm|concatenat|\ball (?:the |their )?(?:parameters|tensors|gradients)"
)
_MICRO = re.compile(r"micro|accumulat")
_SUMS = re.compile(r"micro|accumulat|\bsum\b|running|\badd")
CLOSE = 0.015  # results are read to two decimals


def factors(text: str) -> set[float]:
    """The scales and learning rates the answer states (1 left out)."""
    return {float(m.group(1)) ** int(m.group(2) or 1) for m in _FACTOR.finditer(text)} - {0.0, 1.0}


def _same(a: tuple, b: tuple) -> bool:
    pairs = zip(a, b, strict=False)
    return len(a) == len(b) and all(abs(x - y) <= CLOSE + 0.02 * abs(y) for x, y in pairs)


def _clip(v: tuple, limit: float) -> tuple:
    norm = math.hypot(*v)
    return v if norm <= limit else tuple(x * limit / norm for x in v)


def _add(a: tuple, b: tuple) -> tuple:
    return tuple(x + y for x, y in zip(a, b, strict=False))


def _summed(seen: list[tuple], limit: float | None) -> list[tuple]:
    """Sums of two seen vectors, and the running per-micro-batch results (clipped after each
    vector, in the order the answer names them, from any of them on: "(3, 0), (0, 3), (0, 3)"
    names (0, 3) twice, and a run may follow an earlier example)."""
    out = [_add(a, b) for n, a in enumerate(seen) for b in seen[n + 1 :] if len(a) == len(b)]
    for start in range(len(seen) if limit else 0):  # a run may start at any micro-batch named
        run = _clip(seen[start], limit)
        out.append(run)
        for v in seen[start + 1 :]:
            if len(v) == len(run):
                out += [_add(run, v), (run := _clip(_add(run, v), limit))]
    return out


def explained(
    vec: tuple, seen: list[tuple], limit: float | None, fits: Callable, text: str, stated: set
) -> bool:
    """Whether ``vec`` is derived from a vector seen before it (see the module docstring);
    ``fits(source, result, limit)`` checks one source under the result's mode."""
    earlier = list(dict.fromkeys(v for v in seen if v != vec))
    if any(len(u) == len(vec) and fits(u, vec, limit) for u in earlier):
        return True
    joint = limit is not None and _TOGETHER.search(text) and not _MICRO.search(text)
    if joint and any(_same(vec, j) for j in _joint(earlier, limit)):
        return True
    scaled = [tuple(x * k for x in u) for u in earlier for f in stated for k in (f, 1 / f)]
    if any(_same(vec, s) for s in scaled):
        return True
    named = seen[:-1] if seen and seen[-1] == vec else seen  # in order, repeats kept
    return bool(_SUMS.search(text)) and any(_same(vec, s) for s in _summed(named, limit))


def _joint(earlier: list[tuple], limit: float) -> list[tuple]:
    """Several gradients clipped together ("(1, 2) and (2, 4), max_norm 1: (0.2, 0.4) and (0.4,
    0.8)"): clip_grad_norm_ scales every one by limit / (their total norm), so each of two or
    more vectors named in a row, times that factor, is a result."""
    out, last = [], earlier[-8:]
    for start, end in ((a, b) for a in range(len(last)) for b in range(a + 2, len(last) + 1)):
        group = last[start:end]
        if any(_same(_add(a, b), c) for a in group for b in group for c in group if a != b):
            continue  # a sum among them ("(3, 0), (0, 4), their sum (3, 4)"): no joint clip
        total = math.sqrt(sum(x * x for v in group for x in v))
        factor = min(1.0, limit / total) if total else 1.0
        out += [tuple(x * factor for x in v) for v in group]
    return out
