"""A live run held in ``st.session_state``: the trainer, its lock, and the tick rate.

No ``st.*`` calls here. The lock matters: a widget change outside the live fragment starts a
new script thread while the old one may still be stepping the model; two threads stepping
one model can crash the server (DESIGN.md, Live pages). Every touch of the trainer goes
through :meth:`LiveRun.locked`.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from gradclip_core import TrainConfig, Trainer
from ui.state import LIVE, STRUCTURAL

_ACTIVE: weakref.WeakSet[LiveRun] = weakref.WeakSet()
# Training runs on a few long-lived threads, not in Streamlit's script threads: Streamlit
# starts a new thread for every rerun, and the first forward pass in a fresh thread cost
# 30-80 ms of CPU in the server (measured: 24-layer MLP, 2 cores; 1.5 ms on a warm thread), so
# 30 ms slices ran 100-300 ms and ticks overran their slot. On reused threads: 30-50 ms.
_CORES = os.cpu_count() or 1
_TRAINERS = ThreadPoolExecutor(max_workers=_CORES, thread_name_prefix="gradclip-train")


def active_sessions(now: float | None = None, within: float = 5.0) -> int:
    """How many runs in this server process ticked in the last ``within`` seconds."""
    now = time.monotonic() if now is None else now
    return sum(1 for run in list(_ACTIVE) if run.running and now - run.last_tick < within)


def tick_interval(active: int) -> float:
    """Seconds between redraws: 10 a second for one user, slower as a classroom joins."""
    if active <= 1:
        return 0.1
    if active <= 3:
        return 0.2
    if active <= 10:
        return 0.5
    return 1.0


class LiveRun:
    """One playground run.

    Attributes:
        trainer: the engine's :class:`~gradclip_core.Trainer`.
        running: whether the live fragment should keep training.
        preset: the preset it came from, if any.
        behind: set when the last tick took longer than the interval (charts lag training).
    """

    def __init__(self, config: TrainConfig, preset: str | None = None):
        self.lock = threading.RLock()
        self.trainer = Trainer(config)
        self.config = config
        self.preset = preset
        self.running = False
        self.behind = False
        self.last_tick = 0.0
        self.tick_seconds = 0.0
        self._faster_since: float | None = None
        self.max_steps = 100_000  # a live run stops itself here; memory stays bounded anyway
        _ACTIVE.add(self)

    def __repr__(self) -> str:
        return f"LiveRun({self.trainer!r}, running={self.running})"

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
                trainer.set_clip(config.clip_mode, config.threshold)
                trainer.set_lr(config.lr)
            self.config = config
        return changed

    def advance(self, interval: float, active: int = 1) -> int:
        """One tick of training: a time slice that leaves room to draw within ``interval``.

        The slice shrinks as more runs share the server's cores (``active``), so the whole
        class's training and drawing stays under about half of the machine.
        """
        start = time.monotonic()
        share = min(1.0, _CORES / max(1, active))
        budget = max(0.005, min(0.03, 0.3 * interval * share))
        with self.locked() as trainer:
            room = self.max_steps - trainer.steps_done
            if room > 0:
                taken = _TRAINERS.submit(trainer.run_for, budget, max(room, 0)).result()
            else:
                taken = 0
            if trainer.diverged or room <= 0:
                self.running = False
        self.tick_seconds = time.monotonic() - start
        self.last_tick = time.monotonic()
        return taken

    def retune(self, interval: float, now: float | None = None) -> bool:
        """Whether the page should rerun to refresh at the rate the class size asks for.

        A fragment's timer is set when the whole page runs, so a class that grows or shrinks
        during a run needs one full rerun to change it. Slower at once; faster only after
        5 s of wanting it, so a class size at a boundary does not flap.
        """
        now = time.monotonic() if now is None else now
        want = tick_interval(active_sessions(now))
        if want >= interval:
            self._faster_since = None
            return want > interval
        if self._faster_since is None:
            self._faster_since = now
        return now - self._faster_since >= 5.0

    def note_tick(self, started: float, interval: float) -> None:
        """Record how long a whole tick (draw + train) took; flag when it overran."""
        elapsed = time.monotonic() - started
        self.behind = self.running and elapsed > interval
