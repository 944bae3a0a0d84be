"""Side by side: up to four clipping settings of one model, data and seed, and their summary.

A comparison is a base config (model, data, seed, optimizer...) plus a list of
:class:`Setting` (a clipping mode and its threshold). Its URL form is one parameter,
``runs=none,norm:1,value:0.1,agc:0.01``, read by :func:`parse_settings` (bad parts are left
out with a message naming them and what is allowed) and written by :func:`settings_query`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .clipping import DEFAULT_THRESHOLDS, MODE_LABELS
from .config import CLIP_MODES, threshold_problem
from .history import History

MAX_SETTINGS = 4
CLIP_FIELDS = ("clip_mode", "threshold")  # set per setting, not by the comparison's base config


@dataclass(frozen=True)
class Setting:
    """One clipping setting: a mode and its threshold (``None``: the mode's default)."""

    mode: str
    threshold: float | None = None

    @property
    def value(self) -> float:
        """The threshold in force (nan without clipping)."""
        if self.mode == "none":
            return math.nan
        return DEFAULT_THRESHOLDS[self.mode] if self.threshold is None else self.threshold

    @property
    def label(self) -> str:
        if self.mode == "none":
            return MODE_LABELS["none"]
        return f"{MODE_LABELS[self.mode]} {self.value:g}"

    @property
    def token(self) -> str:
        return self.mode if self.mode == "none" else f"{self.mode}:{self.value:g}"


DEFAULT_SETTINGS = (
    Setting("none"),
    Setting("norm", 1.0),
    Setting("value", 0.1),
    Setting("agc", 0.01),
)


def parse_settings(text: str | None) -> tuple[list[Setting], list[str]]:
    """Settings from their URL form, and one message per part that was left out.

    ``"none,norm:1,value:0.1"``: comma-separated ``mode`` or ``mode:threshold``. Unknown modes,
    bad thresholds, repeats and parts past the fourth are left out; with nothing valid left,
    the default four come back (and a message says so).
    """
    if text is None or not str(text).strip():
        return list(DEFAULT_SETTINGS), []
    settings: list[Setting] = []
    notes: list[str] = []
    for raw in str(text).split(","):
        part = raw.strip()
        if not part:
            continue
        mode, _, thr = part.partition(":")
        mode = mode.strip().lower()
        if mode not in CLIP_MODES:
            notes.append(
                f"{part[:40]!r} is not a clipping mode; use one of {', '.join(CLIP_MODES)}, "
                "e.g. norm:1"
            )
            continue
        threshold = None
        if mode != "none" and thr.strip():
            try:
                threshold = float(thr)
            except ValueError:
                threshold = math.nan
            if problem := threshold_problem(mode, threshold):
                notes.append(f"{part[:40]!r}: threshold {problem}")
                continue
        setting = Setting(mode, threshold)
        if any(s.token == setting.token for s in settings):
            notes.append(f"{part[:40]!r} is already compared: shown once")
            continue
        if len(settings) == MAX_SETTINGS:
            notes.append(f"{part[:40]!r} left out: at most {MAX_SETTINGS} settings side by side")
            continue
        settings.append(setting)
    if not settings:
        notes.append("No setting in the link could be used: showing the default four.")
        return list(DEFAULT_SETTINGS), notes
    return settings, notes


def settings_query(settings: list[Setting]) -> str:
    """The URL form: ``"none,norm:1,value:0.1,agc:0.01"``."""
    return ",".join(s.token for s in settings)


@dataclass(frozen=True)
class Summary:
    """One setting's run so far, as the comparison table shows it.

    Attributes:
        steps: steps recorded.
        final_loss: the last finite loss (nan before the first step).
        vs_baseline: ``final_loss`` over the task's baseline (the best constant guess).
        clipped: how many steps clipping changed the gradient.
        diverged_at: the step where the run diverged, or ``None``.
        mean_cosine: mean cosine between the raw and the clipped gradient over the steps
            with a finite one (1: clipping never turned it).
        mean_update_ratio: mean of ``‖Δθ‖ / ‖θ‖`` over the steps with a finite one.
    """

    steps: int
    final_loss: float
    vs_baseline: float
    clipped: int
    diverged_at: int | None
    mean_cosine: float
    mean_update_ratio: float


def summarize(history: History, baseline: float, diverged_at: int | None = None) -> Summary:
    """The summary of one run's history (``diverged_at``: the run's divergence step)."""
    n = len(history)
    loss = history.column("loss")
    finite_loss = loss[np.isfinite(loss)]
    final = float(finite_loss[-1]) if len(finite_loss) else math.nan
    return Summary(
        steps=int(history.column("step")[-1]) if n else 0,
        final_loss=final,
        vs_baseline=final / baseline if baseline > 0 else math.nan,
        clipped=int(history.column("clipped").sum()),
        diverged_at=diverged_at,
        mean_cosine=_finite_mean(history.column("cosine")),
        mean_update_ratio=_finite_mean(history.column("update_ratio")),
    )


def _finite_mean(a: np.ndarray) -> float:
    ok = a[np.isfinite(a)]
    return float(ok.mean()) if len(ok) else math.nan
