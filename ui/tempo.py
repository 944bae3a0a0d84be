"""Time a learner can control: the playground's speed, and slowing down near an explosion.

No ``st.*`` calls here. The flagship run explodes in about a second at full speed (34 steps);
at "1 step every ½ s" the learner sees every step of the climb. Slow motion costs the server
less than full speed: fewer steps a redraw, and never more redraws a second.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from threading import Lock

# name: (steps a redraw, least seconds between redraws); None = as many as fit / the class rate
SPEEDS: dict[str, tuple[int | None, float | None]] = {
    "slow": (1, 0.5),
    "1": (1, None),
    "5": (5, None),
    "25": (25, None),
    "full": (None, None),
}
SPEED_LABELS = {
    "slow": "1 step every ½ s",
    "1": "1 step a redraw",
    "5": "5 steps a redraw",
    "25": "25 steps a redraw",
    "full": "full speed",
}
DEFAULT_SPEED = "full"


def redraw_interval(speed: str, class_interval: float) -> float:
    """Seconds between redraws: the class's rate, or slower if the speed asks for it."""
    least = SPEEDS[speed][1]
    return class_interval if least is None else max(least, class_interval)


def steps_per_redraw(speed: str, room: int) -> int:
    """How many steps one redraw may train (``room``: steps left before the run's limit)."""
    steps = SPEEDS[speed][0]
    return room if steps is None else min(room, steps)


class EdgeWatch:
    """Trips once when the gradient norm climbs fast: the run is about to explode.

    Asked after every step (``Trainer.run_for(stop=...)``), it reads ``trainer.last_norm``.
    It trips when the norm grew ``factor`` times within the last ``window`` steps to at least
    ``floor``, or passed ``level``. On the presets: exploding-rnn trips at step 11 (it explodes
    at 34), deep-mlp-nan at step 2 (at 3); spiky-tanh-rnn and tiny-threshold never do in their
    first 300 steps, healthy in 4,000 (tests/app/test_tempo.py). The floor matters: healthy's
    norm jumps from 0.0007 to 0.72 at step 2,736 (1,010x in 6 steps), a spike of a healthy run,
    not an explosion.

    Attributes:
        tripped: the sentence that says why it tripped, once it has (``None`` before).
    """

    def __init__(
        self, factor: float = 1000.0, window: int = 5, level: float = 1e6, floor: float = 10.0
    ):
        self.factor, self.window, self.level, self.floor = factor, window, level, floor
        self._norms: deque[float] = deque(maxlen=window + 1)
        self.tripped: str | None = None

    def __repr__(self) -> str:
        return (
            f"EdgeWatch(×{self.factor:g} in {self.window} steps to >= {self.floor:g}, "
            f"or > {self.level:g})"
        )

    def __call__(self, trainer) -> bool:
        norm = trainer.last_norm
        if self.tripped is not None or not math.isfinite(norm):
            return False  # an overflowed norm ends the run by itself
        earlier = [n for n in self._norms if n > 0]
        self._norms.append(norm)
        if earlier and norm >= self.floor and norm / min(earlier) >= self.factor:
            k = len(earlier) - earlier.index(min(earlier))
            growth = norm / min(earlier)
            self.tripped = (
                f"the gradient norm grew {growth:,.0f}× in {k} step{'s' * (k > 1)}: slowing down"
            )
        elif norm >= self.level:
            self.tripped = f"the gradient norm passed {self.level:g}: slowing down"
        return self.tripped is not None


# The class's refresh interval comes from measured load, not from a head count.
FASTEST = 0.1  # seconds between redraws for one learner (10 a second)
# Seconds: a class keeps this interval while drawing alone still fits. A page receives a
# little less than its timer asks (a rerun that comes while the last one runs is merged
# with the next): asked every 0.5 s, 30 students got 1.82-1.88 redraws a second
# (bench/classroom.py); asked every 0.4 s, each gets 2 or more.
STEADY = 0.4
SLOWEST = 2.0  # never slower: a chart redrawn less often no longer looks live
# The intervals a page's timer may take: few and spread out, so an estimate that wobbles a
# little keeps its rung (each change costs every page a full rerun).
RUNGS = (0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.75, 1.0, 1.25, 1.5, 2.0)


def _rung(seconds: float) -> float:
    """The fastest rung at least ``seconds`` long (at most :data:`SLOWEST`)."""
    return next((r for r in RUNGS if r >= seconds - 1e-9), RUNGS[-1])


class RefreshPolicy:
    """How often live charts redraw, and how long each tick trains, from what ticks cost.

    One per server process, shared by every session's script thread: every method takes one
    lock, and the state is a few numbers (bounded, whatever the load). Each tick reports the
    CPU its training used, and whether it overran its interval; every ``window`` seconds the
    process's CPU time (``time.process_time``: drawing, serialising, sending and training, all
    threads) is folded into moving averages:

    - :attr:`draw_cpu`: the CPU seconds a tick costs besides its training;
    - :attr:`overrun`: the share of ticks that overran: took longer than their interval, or
      came late (``LiveRun.note_tick``);
    - :attr:`capacity`: the cores the process can use, at most ``budget``. A window in which
      many ticks overran (the GIL, other programs on the machine, a queue for the training
      pool) so late that the pages got under ``KEEP`` of the redraws they asked for lowers
      it by 15 % (at most once every ``SETTLE`` windows: slowing every page
      down costs each a full rerun, itself a burst of load) and notes where that happened
      (:attr:`ceiling`). Once ticks have been on time for a while it comes back a little
      each window, creeping more slowly near the ceiling, so a class that overloaded the
      server does not do so again at once. Overruns just after pages moved to another rung
      do not cut it: each move is a full rerun of that page, a burst the policy itself
      caused (with 30 pages moving one rung, the windows after overran 45-100 % on a
      2-core server, and the cut that followed moved them again: ``bench/classroom.py
      --browser`` settled at 0.6 s instead of 0.4 s).

    ``n`` runs redrawing every ``I`` seconds cost ``n * draw_cpu / I`` cores to draw. The
    interval is the fastest rung at which drawing takes at most ``draw_share`` of the capacity
    (or up to ``draw_most`` of it, to keep a class at :data:`STEADY`), and each tick trains
    for what is left of its run's share (:meth:`slice`): the class's demand stays at the
    capacity, faster when there is room, slower under overload. Against flapping (each change
    costs every page a full rerun), a page keeps its interval while drawing at it takes at
    most ``slack`` more than its share, gets a faster rung only if that fits with
    ``headroom`` to spare (``LiveRun.retune`` then waits seconds more), and the capacity comes
    back slowly.

    Args:
        budget: cores the live pages may use (a little under the machine's: 0.9 of it).
        draw_share: the capacity's share drawing may take; training gets the rest.
        draw_most: the share drawing may take to keep :data:`STEADY` redraws.
        window: seconds of ticks folded into the averages at once.
        alpha: the weight of the newest window in the moving averages.
        headroom: a faster rung must fit in ``1 - headroom`` of the capacity.
        slack: a page's interval is kept while it needs at most ``1 + slack`` times it.
        draw_guess: CPU seconds a tick is assumed to cost before any was measured.
        clock, cpu: the wall clock and the process's CPU clock (tests pass their own).
    """

    OVERLOADED = 0.2  # a window with more ticks than this overrunning lowers the capacity,
    KEEP = 0.8  # ... if its ticks came at less than this share of the rate their pages asked
    CUT = 0.85  # ... to this share of what it was
    SETTLE = 3  # windows after a cut or a page's move to another rung before a cut
    CALM = 0.02  # the moving overrun share under which it goes back up
    RECOVER = 0.02  # of the budget, per calm window (from the floor to the top in 40 s)
    PROBE = 0.005  # ... and near the ceiling (from 0.95 to 1.15 times it)
    FLOOR = 0.2  # of the budget: the capacity never goes under this
    MIN_TICKS = 5  # a window needs this many ticks to measure one (else it waits, up to 5x)
    GROWTH = 2.0  # one window raises the cost of a tick at most this many times (+1 ms)
    SLICE_MAX = 0.03  # seconds: a tick's training slice, at most (the pool's threads are shared)
    SLICE_MIN = 0.002  # seconds: at least (a step always runs)

    def __init__(
        self,
        budget: float,
        *,
        draw_share: float = 0.5,
        draw_most: float = 0.8,
        window: float = 1.0,
        alpha: float = 0.2,
        headroom: float = 0.15,
        slack: float = 0.1,
        draw_guess: float = 0.02,
        clock: Callable[[], float] = time.monotonic,
        cpu: Callable[[], float] = time.process_time,
    ):
        if budget <= 0 or not 0 < draw_share <= draw_most <= 1:
            raise ValueError(
                "RefreshPolicy needs budget > 0 cores and 0 < draw_share <= draw_most <= 1; "
                f"got budget={budget}, draw_share={draw_share}, draw_most={draw_most}."
            )
        self.budget, self.draw_share, self.draw_most = budget, draw_share, draw_most
        self.window, self.alpha = window, alpha
        self.headroom, self.slack = headroom, slack
        self._clock, self._cpu = clock, cpu
        self._lock = Lock()
        self.draw_cpu = draw_guess
        self.train_cpu = 0.0  # moving average: training CPU seconds per tick
        self.overrun = 0.0
        self.capacity = self.ceiling = budget
        self._settle = 0  # windows left before the capacity may be cut again
        self.used = 0.0  # cores the process used in the last window
        self.ticks = self.overruns = 0  # recorded, all windows
        self._since, self._cpu_since = clock(), cpu()
        self._n = self._overruns = 0
        self._train = self._lag = 0.0

    def __repr__(self) -> str:
        return (
            f"RefreshPolicy({self.draw_cpu * 1e3:.1f} ms to draw a tick, {self.overrun:.0%} "
            f"overrun, capacity {self.capacity:.2f} of {self.budget:.2f} cores, ceiling "
            f"{self.ceiling:.2f})"
        )

    def note_tick(self, train_cpu: float = 0.0) -> None:
        """A run ticked; its training used ``train_cpu`` CPU seconds."""
        with self._lock:
            self._n += 1
            self.ticks += 1
            self._train += max(0.0, train_cpu)
            self._fold()

    def note_overrun(self, lag: float = 2.0) -> None:
        """A tick overran: it took longer than its interval, or its page's timer had to wait.

        ``lag``: how many intervals it took, or came after the previous tick (above 1).
        """
        with self._lock:
            self._overruns += 1
            self.overruns += 1
            self._lag += max(0.0, lag - 1.0)

    def _fold(self) -> None:
        """Once a window has passed: its measurements into the moving averages."""
        now, cpu = self._clock(), self._cpu()
        elapsed, n = now - self._since, self._n
        if elapsed < self.window or n == 0:
            return
        if n < self.MIN_TICKS and elapsed < 5 * self.window:
            return  # too few ticks to tell what one costs: the window grows
        used, a = max(0.0, cpu - self._cpu_since), self.alpha
        train = min(self._train, used)
        # A burst (a class loading its pages at once) raises the cost a tick at a time.
        draw = min((used - train) / n, self.GROWTH * self.draw_cpu + 1e-3)
        self.draw_cpu += a * (max(1e-4, draw) - self.draw_cpu)
        self.train_cpu += a * (train / n - self.train_cpu)
        over = min(1.0, self._overruns / n)
        self.overrun += a * (over - self.overrun)
        self.used = used / elapsed
        self._settle = max(0, self._settle - 1)
        # Late ticks that still come at KEEP of the rate asked are no overload to cut for:
        # with a browser on the same 2 cores, 30 pages asked every 0.4 s got 2.17 redraws/s
        # uncut; cut to 0.6-0.75 s, 1.3-1.4 (bench/classroom.py --browser).
        slowdown = 1.0 + self._lag / n
        if over > self.OVERLOADED and slowdown > 1 / self.KEEP:
            if not self._settle:  # pages are still moving to the last cut's rate: wait
                self.ceiling = self.capacity
                self.capacity = max(self.FLOOR * self.budget, self.CUT * self.capacity)
                self._settle = self.SETTLE
        elif self.overrun < self.CALM:
            near = 0.95 * self.ceiling <= self.capacity <= 1.15 * self.ceiling
            step = (self.PROBE if near else self.RECOVER) * self.budget
            self.capacity = min(self.budget, self.capacity + step)
        self._since, self._cpu_since = now, cpu
        self._n = self._overruns = 0
        self._train = self._lag = 0.0

    def _need(self, active: int, spare: float = 0.0) -> float:
        """The shortest interval that keeps drawing within its share (``spare`` left over)."""
        room = self.capacity * (1 - spare)
        draw = max(1, active) * self.draw_cpu  # CPU seconds to redraw every run once
        need = draw / (self.draw_share * room)
        if need > STEADY:  # training gives way first: keep the class at STEADY if it fits
            need = max(STEADY, draw / (self.draw_most * room))
        return max(FASTEST, need, 2 * self.draw_cpu)  # a run's own tick: half its interval

    def interval(self, active: int, current: float | None = None) -> float:
        """Seconds between redraws with ``active`` runs ticking (a page's timer).

        Args:
            active: the runs ticking in this process (at least 1 counts).
            current: the interval the asking page has now. It is kept unless drawing at it
                needs more than :attr:`slack` above its share (then slower at once), or a
                faster rung fits with :attr:`headroom` to spare (hysteresis).
        """
        with self._lock:
            self._fold()
            need = self._need(active)
            if current is None:  # a page loads: a full run, like a move
                self._settle = self.SETTLE
                return _rung(need)
            if need > current * (1 + self.slack):
                rung = _rung(need)
            else:
                rung = min(current, _rung(self._need(active, self.headroom)))
            if rung != current:  # the page reruns in full to move: not an overload to cut for
                self._settle = self.SETTLE
            return rung

    def slice(self, interval: float, active: int) -> float:
        """Seconds of training in one run's tick: its share of the capacity, less drawing.

        At most half of ``interval`` less the drawing, so a tick ends well before the next.
        """
        with self._lock:
            share = self.capacity * interval / max(1, active) - self.draw_cpu
            top = min(self.SLICE_MAX, interval / 2 - self.draw_cpu)
        return max(self.SLICE_MIN, min(top, share))
