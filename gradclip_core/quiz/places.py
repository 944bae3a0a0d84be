"""Where the words of one alternative of a claim stand: a place for each, none used twice.

Used by :mod:`.match` to find an alternative ("clip + each micro") in a clause or a window of
words. For each word after the first it takes the free place nearest the first word's, so a word
the alternative says twice takes two places ("layer by layer" needs two "layer"s, and a single
"layer" in a side remark does not make it). Ranks are whatever the caller measures distance in
(a word's index, or its rank among a clause's meaningful words).
"""

from __future__ import annotations

from collections.abc import Callable


def nearest(first: int, rest: list[list[int]], rank: Callable[[int], float]) -> list[int]:
    """``first``, then per later word its free place nearest ``first``; [] when too few."""
    chosen = [first]
    for js in rest:
        free = [j for j in js if j not in chosen]
        if not free:
            return []
        chosen.append(min(free, key=lambda j: abs(rank(j) - rank(first))))
    return chosen
