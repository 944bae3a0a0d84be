"""Time a learner can control: the playground's speed, and slowing down near an explosion.

No ``st.*`` calls here. The flagship run explodes in about a second at full speed (34 steps);
at "1 step every ½ s" the learner sees every step of the climb. Slow motion costs the server
less than full speed: fewer steps a redraw, and never more redraws a second.
"""

from __future__ import annotations

import math
from collections import deque

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
    It trips when the norm grew ``factor`` times within the last ``window`` steps, or passed
    ``level``. On the presets: exploding-rnn trips at step 11 (it explodes at 34),
    deep-mlp-nan at step 2 (at 3); healthy, spiky-tanh-rnn and tiny-threshold never do
    (tests/app/test_tempo.py).

    Attributes:
        tripped: the sentence that says why it tripped, once it has (``None`` before).
    """

    def __init__(self, factor: float = 1000.0, window: int = 5, level: float = 1e6):
        self.factor, self.window, self.level = factor, window, level
        self._norms: deque[float] = deque(maxlen=window + 1)
        self.tripped: str | None = None

    def __repr__(self) -> str:
        return f"EdgeWatch(×{self.factor:g} in {self.window} steps or > {self.level:g})"

    def __call__(self, trainer) -> bool:
        norm = trainer.last_norm
        if self.tripped is not None or not math.isfinite(norm):
            return False  # an overflowed norm ends the run by itself
        earlier = [n for n in self._norms if n > 0]
        self._norms.append(norm)
        if earlier and norm / min(earlier) >= self.factor:
            k = len(earlier) - earlier.index(min(earlier))
            growth = norm / min(earlier)
            self.tripped = (
                f"the gradient norm grew {growth:,.0f}× in {k} step{'s' * (k > 1)}: slowing down"
            )
        elif norm >= self.level:
            self.tripped = f"the gradient norm passed {self.level:g}: slowing down"
        return self.tripped is not None
