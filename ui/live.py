"""A live run held in ``st.session_state``: the trainer, its lock, and the tick rate.

No ``st.*`` calls here. The lock matters: a widget change outside the live fragment starts a
new script thread while the old one may still be stepping the model; two threads stepping
one model can crash the server (DESIGN.md, Live pages). Every touch of the trainer goes
through :meth:`LiveRun.locked`, and every step runs on the server's training pool
(``ui/training_pool.py``), within its memory budget.

A run whose session has gone (the tab closed) or that nobody has touched for a while is
released by :func:`release_idle`: its trainer is dropped and the memory given back, because
Streamlit keeps a closed session's state for minutes and frees it only lazily.
"""

from __future__ import annotations

import gc
import time
import weakref
from contextlib import contextmanager
from threading import Lock, RLock, Thread

from streamlit.runtime import Runtime

from gradclip_core import TrainConfig, Trainer
from gradclip_core.budget import TooLargeError, step_cost, too_large
from gradclip_core.clipping import MODE_LABELS
from ui.state import LIVE, STRUCTURAL, effective_threshold
from ui.tempo import DEFAULT_SPEED, EdgeWatch, RefreshPolicy, redraw_interval, steps_per_redraw
from ui.training_pool import CORES as _CORES
from ui.training_pool import give_memory_back, run_in_pool

_ACTIVE: weakref.WeakSet[LiveRun] = weakref.WeakSet()
# One per server process: every session's ticks report to it, and it sets their rate. The
# budget leaves a tenth of the machine to the rest (the event loop's bursts, other pages).
POLICY = RefreshPolicy(budget=0.9 * _CORES)
LATE = 1.5  # a tick this many intervals after the previous one came late: its page fell behind
PAUSED = 10.0  # ... but one this many intervals after it follows a pause, not a queue
# Seconds a closed tab's run is kept: a phone whose screen locked for a moment reconnects to
# its run; past that the memory comes back (issue 13: within 30 s of a class leaving, with the
# janitor's round every JANITOR_EVERY seconds on top).
GONE_AFTER = 15.0
JANITOR_EVERY = 5.0
IDLE_AFTER = 30 * 60.0  # seconds a paused run nobody touches is kept


def describe_live(config: TrainConfig, changed: list[str]) -> str:
    """The live changes of ``changed`` in words, with their values (for the page's toast)."""
    parts = []
    if "clip_mode" in changed:
        parts.append(MODE_LABELS[config.clip_mode])
    if config.clip_mode != "none" and {"clip_mode", "threshold"} & set(changed):
        parts.append(f"threshold {effective_threshold(config):g}")
    if "lr" in changed:
        parts.append(f"learning rate {config.lr:g}")
    return ", ".join(parts)


def active_sessions(now: float | None = None, within: float = 5.0) -> int:
    """How many runs in this server process ticked in the last ``within`` seconds."""
    now = time.monotonic() if now is None else now
    return sum(1 for run in list(_ACTIVE) if run.running and now - run.last_tick < within)


def tick_interval(
    active: int, current: float | None = None, policy: RefreshPolicy | None = None
) -> float:
    """Seconds between redraws with ``active`` runs ticking: what the server can hold.

    10 a second for one learner; for a class, the rate at which drawing every run fits in the
    CPU the server has, measured tick by tick (:class:`~ui.tempo.RefreshPolicy`).

    Args:
        active: the runs ticking in this process.
        current: the interval the page has now (a faster one must fit with room to spare).
        policy: the policy to ask; the server's own (:data:`POLICY`) by default.
    """
    return (policy or POLICY).interval(active, current)


def _cpu_timed(fn, *args):
    """``fn(*args)`` and the CPU seconds this thread spent in it."""
    start = time.thread_time()
    result = fn(*args)
    return result, time.thread_time() - start


class LiveRun:
    """One playground run.

    Attributes:
        trainer: the engine's :class:`~gradclip_core.Trainer`; ``None`` once released.
        running: whether the live fragment should keep training.
        preset: the preset it came from, if any.
        behind: set when the last tick overran: took longer than the interval, or started
            late (charts lag training).
        policy: the server's refresh policy, which this run's ticks report to.
        cost: the estimated cost of one step (what it reserves from the server's budget).
        session_id: the Streamlit session it belongs to (``None`` outside a server).
        released: why the trainer was dropped, once it was (see :func:`release_idle`).

    Raises:
        TooLargeError: the config's step is over the shared server's limits.
    """

    def __init__(
        self, config: TrainConfig, preset: str | None = None, session_id: str | None = None
    ):
        if message := too_large(config):
            raise TooLargeError(message)
        self.lock = RLock()
        self.trainer: Trainer | None = Trainer(config)
        self.cost = step_cost(config)
        self.config = config
        self.session_id = session_id
        self.released: str | None = None  # why the trainer was dropped, once it was
        self.last_used = time.monotonic()
        self._gone_since: float | None = None
        self.preset = preset
        self.running = False
        self.behind = False
        self.last_tick = 0.0
        self.tick_seconds = 0.0
        self.train_cpu = 0.0  # CPU seconds the last training slice took
        self.policy = POLICY
        self.interval: float | None = None  # the page's timer, as the panel last set it
        self._tick_started: float | None = None
        self._faster_since: float | None = None
        self.max_steps = 100_000  # a live run stops itself here; memory stays bounded anyway
        self.speed = DEFAULT_SPEED  # see ui/tempo.py
        self.watch: EdgeWatch | None = None  # slows the run down near an explosion
        self.slowed: str | None = None  # why the watch slowed it, until the page has said so
        _ACTIVE.add(self)

    def __repr__(self) -> str:
        state = f"released: {self.released}" if self.released else f"running={self.running}"
        return f"LiveRun({self.trainer!r}, {state})"

    @contextmanager
    def locked(self):
        with self.lock:
            yield self.trainer

    def needs_reset(self, config: TrainConfig) -> bool:
        """Whether ``config`` changes something only a fresh run can (model, task, seed...)."""
        return any(getattr(config, k) != getattr(self.config, k) for k in STRUCTURAL)

    def apply_live(self, config: TrainConfig) -> list[str]:
        """Apply mode, threshold and learning rate from the next step; names what changed."""
        changed = [k for k in LIVE if getattr(config, k) != getattr(self.config, k)]
        if changed:
            with self.locked() as trainer:
                if trainer is not None:
                    trainer.set_clip(config.clip_mode, config.threshold)
                    trainer.set_lr(config.lr)
            self.config = config
        return changed

    def step_once(self) -> int:
        """One training step on the pool (Start's first step, the Step button); steps taken."""
        with self.locked() as trainer:
            if trainer is None or trainer.diverged:
                return 0
            return self._train(trainer, 0.0, 1)

    def _train(self, trainer: Trainer, seconds: float, steps: int) -> int:
        """Train on the pool, watched for an explosion (which drops the run to slow motion)."""
        watch = self.watch if self.watch is not None and not self.watch.tripped else None
        taken, self.train_cpu = run_in_pool(
            _cpu_timed, trainer.run_for, seconds, steps, watch, mb=self.cost.mb
        )
        if watch is not None and watch.tripped:
            self.speed, self.slowed = "slow", watch.tripped
        return taken

    def touch(self) -> None:
        """Note that the learner is here (a page run): an idle run is released later."""
        self.last_used = time.monotonic()

    def release(self, reason: str) -> bool:
        """Drop the trainer (its memory comes back); the run keeps its config and preset."""
        with self.lock:
            if self.trainer is None:
                return False
            self.trainer, self.running, self.released = None, False, reason
        return True

    def advance(self, interval: float, active: int = 1) -> int:
        """One tick of training: a time slice that leaves room to draw within ``interval``.

        The slice is this run's share of the CPU the server can give live pages, less what
        drawing a tick costs (:meth:`RefreshPolicy.slice`): it shrinks as more runs share the
        server's cores (``active``). The tick is reported to the policy, with its training CPU.
        """
        start = time.monotonic()
        budget = self.policy.slice(interval, active)
        with self.locked() as trainer:
            if trainer is None:
                self.running = False
                return 0
            room = self.max_steps - trainer.steps_done
            steps = steps_per_redraw(self.speed, room)
            self.train_cpu = 0.0
            taken = self._train(trainer, budget, steps) if room > 0 else 0
            if trainer.diverged or room <= 0:
                self.running = False
        self.policy.note_tick(self.train_cpu)
        self.tick_seconds = time.monotonic() - start
        self.last_tick = time.monotonic()
        return taken

    def timer(self, active: int, current: float | None = None) -> float:
        """Seconds between this run's redraws, for its page's timer (``active`` runs ticking)."""
        return redraw_interval(self.speed, tick_interval(active, current, self.policy))

    def retune(self, interval: float, now: float | None = None) -> bool:
        """Whether the page should rerun to refresh at the rate the server can hold now.

        A fragment's timer is set when the whole page runs, so a class that grows or shrinks,
        or a server that gets busier, needs one full rerun to change it. Slower at once;
        faster only with room to spare and after 5 s of wanting it, so it does not flap.
        """
        now = time.monotonic() if now is None else now
        want = self.timer(active_sessions(now), interval)
        if want >= interval:
            self._faster_since = None
            return want > interval
        if self._faster_since is None:
            self._faster_since = now
        return now - self._faster_since >= 5.0

    def note_tick(self, started: float, interval: float, now: float | None = None) -> None:
        """Record how long a whole tick (draw + train) took; flag when it overran.

        A tick overran when it took longer than ``interval``, or when it started late: its
        page's timer asked for it on time, but the server ran it :data:`LATE` intervals
        after the previous one (reruns queue while the server is busy). Overruns slow the
        class down (:class:`~ui.tempo.RefreshPolicy`) and the page says it is behind.
        """
        now = time.monotonic() if now is None else now
        elapsed = now - started
        gap = started - self._tick_started if self._tick_started is not None else 0.0
        self._tick_started = started
        late = LATE * interval < gap < PAUSED * interval
        overran = elapsed > interval or late
        self.behind = self.running and overran
        if overran:
            self.policy.note_overrun(max(elapsed, gap if late else 0.0) / interval)


def release_idle(is_connected, now: float | None = None) -> int:
    """Release the runs whose tab has closed or that nobody has touched for a while.

    Args:
        is_connected: ``session_id -> bool``, whether a browser is connected to that session.
        now: the time (``time.monotonic()``), for tests.

    Returns:
        How many trainers were released (their memory is given back to the system).
    """
    now = time.monotonic() if now is None else now
    released = 0
    for run in list(_ACTIVE):
        if run.trainer is None:
            continue
        if run.session_id is not None and not is_connected(run.session_id):
            run._gone_since = run._gone_since or now
            if now - run._gone_since >= GONE_AFTER:
                released += run.release("the tab was closed")
            continue
        run._gone_since = None
        if not run.running and now - max(run.last_used, run.last_tick) >= IDLE_AFTER:
            released += run.release(f"it was left paused for over {IDLE_AFTER / 60:.0f} minutes")
    if released:
        gc.collect()  # a trainer caught in a reference cycle is freed now, not at some later gen-2
        give_memory_back()
    return released


def _connected(session_id: str) -> bool:
    if not Runtime.exists():  # no server (AppTest, a notebook): nothing can disconnect
        return True
    return Runtime.instance().is_active_session(session_id)


_janitor_lock = Lock()
_janitor: Thread | None = None


def start_janitor(every: float = JANITOR_EVERY) -> None:
    """Start, once per server process, the thread that releases runs of closed or idle tabs."""
    global _janitor
    with _janitor_lock:
        if _janitor is not None and _janitor.is_alive():
            return

        def loop() -> None:
            while True:
                time.sleep(every)
                release_idle(_connected)

        _janitor = Thread(target=loop, name="gradclip-janitor", daemon=True)
        _janitor.start()
