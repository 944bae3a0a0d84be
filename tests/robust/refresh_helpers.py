"""Made-up clocks and load for the refresh policy's tests (test_refresh_policy*.py).

``RefreshPolicy`` (ui/tempo.py) reads two clocks, the wall clock and the process's CPU time;
the tests hand it these, so every measurement is made up and nothing depends on how fast this
machine is. A "window" is one second of ticks, each tick costing a known number of CPU
seconds; the policy folds each window into its moving averages.
"""

from __future__ import annotations

import threading

from ui.tempo import RefreshPolicy

BUDGET = 1.8  # cores: 0.9 of a 2-core server


class Clocks:
    """A wall clock and a process CPU clock that move only when told (thread-safe)."""

    def __init__(self):
        self.now, self.cpu = 0.0, 0.0
        self._lock = threading.Lock()

    def wall(self) -> float:
        with self._lock:
            return self.now

    def used(self) -> float:
        with self._lock:
            return self.cpu

    def advance(self, seconds: float, cpu: float) -> None:
        with self._lock:
            self.now += seconds
            self.cpu += cpu


def make_policy(clocks: Clocks, **kw) -> RefreshPolicy:
    # A window a hair under a second: each second of made-up ticks is folded at its last
    # tick, whatever the rounding of the clock's sums.
    kw.setdefault("window", 0.999)
    return RefreshPolicy(BUDGET, clock=clocks.wall, cpu=clocks.used, **kw)


def windows(
    policy: RefreshPolicy,
    clocks: Clocks,
    *,
    ticks: int,
    draw: float,
    train: float = 0.0,
    overrun: float = 0.0,
    lag: float = 2.0,
    count: int = 10,
) -> None:
    """``count`` one-second windows of ``ticks`` ticks, each costing ``draw + train`` CPU s.

    A share ``overrun`` of them overran, each taking ``lag`` intervals.
    """
    for _ in range(count):
        late = round(overrun * ticks)
        for i in range(ticks):
            clocks.advance(1.0 / ticks, draw + train)
            policy.note_tick(train)
            if i < late:
                policy.note_overrun(lag)


def demand(policy: RefreshPolicy, active: int, interval: float) -> float:
    """Cores ``active`` runs use when each ticks every ``interval`` s: drawing + training."""
    per_tick = policy.draw_cpu + policy.slice(interval, active)
    return active * per_tick / interval
