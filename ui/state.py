"""URL state: one table of every playground setting (TensorFlow Playground's ``State.PROPS``).

Each setting has a name (the ``TrainConfig`` field and the URL key), a kind, and the values the
page allows. A shared link carries every setting, seed included, so it reproduces a run; a bad
value in a link falls back to its default *with a warning naming it*.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from gradclip_core.clipping import DEFAULT_THRESHOLDS
from gradclip_core.config import (
    ACTIVATIONS,
    CLIP_MODES,
    DEVICES,
    MODELS,
    NORM_TYPES,
    OPTIMIZERS,
    TASKS,
    ConfigError,
    TrainConfig,
    default_task,
)
from ui.safe_text import literal, quote


def log_grid(low: float, high: float) -> list[float]:
    """1-2-5 ticks from ``low`` to ``high``: 0.01, 0.02, 0.05, 0.1, ..."""
    out, decade = [], math.floor(math.log10(low))
    while True:
        for m in (1, 2, 5):
            v = float(f"{m * 10.0**decade:.12g}")
            if v > high * (1 + 1e-9):
                return out
            if v >= low * (1 - 1e-9):
                out.append(v)
        decade += 1


# Threshold ticks per mode: the threshold means something different in each.
THRESHOLD_GRIDS = {
    "norm": log_grid(0.01, 100),
    "value": log_grid(0.001, 100),
    "layer-norm": log_grid(0.01, 100),
    "agc": log_grid(0.001, 1),
    "autoclip": [1.0, 5.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0],
}
LR_GRID = log_grid(1e-5, 10)
INIT_GRID = [0.1, 0.25, 0.5, 0.75, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.8, 2.0, 2.5, 3.0, 4.0]
WIDTH_GRID = [4, 8, 16, 32, 64, 128, 256]
BATCH_GRID = [1, 4, 8, 16, 32, 64, 128, 256, 512, 1024]


@dataclass(frozen=True)
class Prop:
    """One setting: its URL/config name, the widget label, and what the page allows."""

    name: str
    label: str
    help: str
    choices: tuple | None = None  # allowed values (select boxes, select sliders)
    low: float | None = None  # numeric range (sliders), inclusive
    high: float | None = None

    def allows(self, value: object) -> bool:
        if self.choices is not None:
            return value in self.choices
        return self.low <= value <= self.high


PROPS: tuple[Prop, ...] = (
    Prop(
        "model",
        "Model",
        "MLP: a stack of layers. RNN/LSTM/GRU: one recurrent layer "
        "read over a sequence; LSTM and GRU add gates against vanishing gradients, but "
        "their gradients can still explode (they are clipped in practice too).",
        MODELS,
    ),
    Prop("task", "Task", "Synthetic data made on the fly; nothing is downloaded.", tuple(TASKS)),
    Prop(
        "depth",
        "Depth (hidden layers)",
        "MLP only. More layers multiply more Jacobians "
        "together, so gradients grow or shrink faster.",
        low=1,
        high=24,
    ),
    Prop(
        "width",
        "Width (units per layer)",
        "Hidden units per layer (MLP) or hidden size (RNN).",
        tuple(WIDTH_GRID),
    ),
    Prop(
        "activation",
        "Activation",
        "The nonlinearity. LSTM and GRU use their own.",
        ("tanh", "relu", "sigmoid"),
    ),
    Prop(
        "seq_len",
        "Sequence length",
        "Sequence models only: backpropagation through T "
        "steps multiplies the gradient by the recurrent matrix T times.",
        low=5,
        high=200,
    ),
    Prop("batch_size", "Batch size", "Examples per step.", tuple(BATCH_GRID)),
    Prop(
        "init_scale",
        "Init scale",
        "Multiplies the default initialisation. For RNNs the "
        "recurrent matrix is orthogonal times this: above 1, gradients tend to explode.",
        low=0.1,
        high=4.0,
    ),
    Prop(
        "optimizer",
        "Optimizer",
        "SGD moves by lr × gradient, so a huge gradient is a huge "
        "step. Adam normalises the step size, so clipping shrinks its steps far less.",
        OPTIMIZERS,
    ),
    Prop(
        "lr",
        "Learning rate",
        "Step size. Changes apply live, from the next step.",
        low=1e-5,
        high=10.0,
    ),
    Prop("momentum", "SGD momentum", "0 = plain SGD.", low=0.0, high=0.99),
    Prop(
        "clip_mode",
        "Clipping mode",
        "How gradients are limited before each optimizer step. Changes apply live.",
        CLIP_MODES,
    ),
    Prop(
        "threshold",
        "Threshold",
        "Norm modes: the largest allowed gradient norm. Value: the "
        "largest |g| per element. AGC: the ratio λ. AutoClip: the percentile p.",
        low=1e-6,
        high=1e6,
    ),
    Prop(
        "norm_type",
        "Norm type",
        "Clip by norm only: the L2 norm (2) or the largest absolute element (inf).",
        NORM_TYPES,
    ),
    Prop("seed", "Seed", "Same settings and seed give the same run.", low=0, high=2**31 - 1),
    Prop("device", "Device", "auto picks CUDA, then MPS, then CPU.", DEVICES),
)
PROP = {p.name: p for p in PROPS}
STRUCTURAL = (
    "model",
    "task",
    "depth",
    "width",
    "activation",
    "seq_len",
    "batch_size",
    "init_scale",
    "optimizer",
    "momentum",
    "norm_type",
    "seed",
    "device",
)
LIVE = ("clip_mode", "threshold", "lr")
# Link keys that are not run settings: read by the page itself (ui/tempo.py for speed, edge;
# ui/projector.py for projector mode and the groups of controls shown).
PAGE_KEYS = ("preset", "page", "speed", "edge", "projector", "show")
UNKNOWN_SHOWN = 5  # names in a link that are not settings, each named in its own warning


def tasks_for(model: str) -> list[str]:
    family = "mlp" if model == "mlp" else "sequence"
    return [t for t, f in TASKS.items() if f == family]


def activations_for(model: str) -> tuple[str, ...]:
    return ACTIVATIONS.get(model, ())


def with_value(grid: list[float], current: float | None) -> list[float]:
    """The ticks of a log slider, plus the current value if it falls between them."""
    if current is None or not math.isfinite(current) or current in grid:
        return list(grid)
    return sorted({*grid, current})


def threshold_grid(mode: str, current: float | None = None) -> list[float]:
    return with_value(THRESHOLD_GRIDS.get(mode, []), current)


def effective_threshold(config: TrainConfig) -> float:
    return DEFAULT_THRESHOLDS[config.clip_mode] if config.threshold is None else config.threshold


def _fit_model(model: str, config: TrainConfig) -> dict[str, str]:
    """Task and activation that fit a newly chosen model (kept when they already fit)."""
    out = {}
    if model in MODELS and config.task not in tasks_for(model):
        out["task"] = default_task(model)
    if model in ("mlp", "rnn") and config.activation not in activations_for(model):
        out["activation"] = "tanh"
    return out


def to_query(config: TrainConfig, preset: str | None) -> dict[str, str]:
    """The URL form of a config: every field (seed always), and the preset if any."""
    out = config.to_dict()
    if config.threshold is None:
        out["threshold"] = repr(effective_threshold(config)) if config.clip_mode != "none" else ""
    out = {k: v for k, v in out.items() if v != ""}
    if preset:
        out["preset"] = preset
    return out


def from_query(query: Mapping[str, str], base: TrainConfig) -> tuple[TrainConfig, list[str]]:
    """Apply URL values on top of ``base``; each bad one keeps its base value, with a warning.

    Returns:
        The config and one warning per value that was ignored (naming it and what is allowed),
        as Markdown that shows the link's text literally (see :mod:`ui.safe_text`).
    """
    warnings: list[str] = []
    config = base
    # The model decides which tasks and activations fit, so it goes first.
    for name in sorted((k for k in query if k in PROP), key=lambda k: k != "model"):
        raw = query[name]
        values = {**config.to_dict(), name: raw}
        if name == "model":
            values.update(_fit_model(str(raw).strip().lower(), config))
        try:
            candidate = TrainConfig.from_dict(values)
        except ConfigError as err:
            warnings.append(f"Link setting {name}={quote(raw)} was ignored: {_why(err, name)}.")
            continue
        value = getattr(candidate, name)
        prop = PROP[name]
        if name == "threshold" or prop.allows(value):
            config = candidate
        else:
            allowed = (
                ", ".join(map(str, prop.choices)) if prop.choices else f"{prop.low} to {prop.high}"
            )
            warnings.append(
                f"Link setting {name}={quote(raw)} was ignored: this page allows {allowed}."
            )
    unknown = sorted(set(query) - set(PROP) - set(PAGE_KEYS))
    shown, more = unknown[:UNKNOWN_SHOWN], len(unknown) - UNKNOWN_SHOWN
    warnings += [f"Link setting {quote(k)} is not a setting and was ignored." for k in shown]
    if more > 0:
        warnings.append(f"Link settings: {more} more names were ignored (not settings).")
    return config, warnings


# The value an engine message starts with ("'abc' is not a number ..."): already shown once.
_LEADING_VALUE = re.compile(r"""^(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|\S+) (?=is |does )""")


def _why(err: ConfigError, name: str) -> str:
    """Why a link value was refused, as Markdown, without repeating the value."""
    mine = [message for setting, message in err.problems if setting == name]
    if not mine:
        return literal(err.problems[0][1])
    return literal(_LEADING_VALUE.sub("it ", mine[0], count=1))
