"""Suggesting a clipping threshold from a run's gradient norms (lesson 07).

The usual advice: look at the norms a run actually produces. When training is healthy, clip
only the rare spikes (around the 90th percentile of recent norms). When the run is blowing
up, the recent norms are part of the explosion, so start well under the norms of its first
steps, at most 1.0, the common default for RNNs and transformers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .history import History


@dataclass(frozen=True)
class Suggestion:
    """Recent gradient-norm percentiles and a threshold for clipping by norm."""

    median: float
    p90: float
    p99: float
    threshold: float
    reason: str
    window: int  # how many recent finite norms the percentiles use


def snap_125(x: float, down: bool = False) -> float:
    """The nearest (or next lower) value of the 1-2-5 series: 0.1, 0.2, 0.5, 1, 2, 5, ..."""
    if not math.isfinite(x) or x <= 0:
        return 1.0
    decade = 10.0 ** math.floor(math.log10(x))
    ticks = [m * decade for m in (1, 2, 5, 10)]
    if down:
        return float(f"{max(t for t in ticks if t <= x * (1 + 1e-9)):.6g}")
    return float(f"{min(ticks, key=lambda t: abs(math.log(t / x))):.6g}")


def suggest_threshold(
    history: History, window: int = 200, diverged: bool = False
) -> Suggestion | None:
    """A threshold for clipping by norm, from the last ``window`` finite gradient norms.

    Returns:
        ``None`` before any finite norm was recorded.
    """
    norms = history.column("grad_norm")
    finite = norms[np.isfinite(norms) & (norms > 0)]
    if len(finite) == 0:
        return None
    recent = finite[-window:]
    median, p90, p99 = (float(np.percentile(recent, q)) for q in (50, 90, 99))
    unstable = diverged or p99 > 1e3 * max(median, 1e-12) or recent.max() > 1e6
    if unstable:
        start = float(np.median(finite[:10]))
        value = min(1.0, snap_125(start / 10, down=True))
        reason = (
            f"the run was blowing up, so start well under the norms of its first steps "
            f"(median {start:.3g}): clip at {value:g}"
        )
    else:
        value = snap_125(p90)
        reason = f"clip only the spikes: about the 90th percentile of recent norms ({p90:.3g})"
    value = min(max(value, 0.01), 100.0)
    return Suggestion(median, p90, p99, value, reason, len(recent))
