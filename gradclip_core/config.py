"""Run configuration: one dataclass, validated, that round-trips through a dict of strings.

The app puts this dict in the URL, so a shared link reproduces a run (seed included), the
way TensorFlow Playground's ``state.ts`` serialises every setting.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, fields
from numbers import Real

MODELS = ("mlp", "rnn", "lstm", "gru")
SEQUENCE_MODELS = ("rnn", "lstm", "gru")
TASKS = {
    "adding": "sequence",
    "first-value": "sequence",
    "regression": "mlp",
    "spirals": "mlp",
}
ACTIVATIONS = {"mlp": ("tanh", "relu", "sigmoid"), "rnn": ("tanh", "relu")}
OPTIMIZERS = ("sgd", "adam")
CLIP_MODES = ("none", "norm", "value", "layer-norm", "agc", "autoclip")
DEVICES = ("auto", "cpu", "cuda", "mps")
NORM_TYPES = ("2", "inf")

# Numeric fields: (low, high) inclusive.
RANGES: dict[str, tuple[float, float]] = {
    "depth": (1, 24),
    "width": (4, 256),
    "seq_len": (5, 200),
    "batch_size": (1, 1024),
    "init_scale": (0.01, 100.0),
    "lr": (1e-5, 10.0),
    "momentum": (0.0, 0.99),
    "threshold": (1e-6, 1e6),
    "seed": (0, 2**31 - 1),
}
# What the threshold means in each clipping mode, its symbol, its upper bound (inclusive; every
# mode needs a threshold above 0) and an example. Mode "none" ignores it, so only RANGES applies.
# AutoClip's threshold is a percentile: 500 would make torch.nanquantile raise mid-run.
THRESHOLD_RULES: dict[str, tuple[str, str, float, float]] = {
    "norm": ("the largest total gradient norm", "c", 1e6, 1.0),
    "value": ("the largest |g| of any element", "c", 1e6, 0.1),
    "layer-norm": ("the largest gradient norm of each tensor", "c", 1e6, 1.0),
    "agc": ("the clipping factor lambda", "lambda", 1e6, 0.01),
    "autoclip": ("a percentile", "p", 100.0, 10.0),
}


class ConfigError(ValueError):
    """Settings out of range or unknown; the message names each, what is allowed, an example.

    Attributes:
        problems: ``(setting, message)`` pairs, so a CLI can name its flag and a page its widget.
    """

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{name}: {message}" for name, message in problems))


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a run. Same config and seed give the same numbers on CPU."""

    model: str = "rnn"  # mlp | rnn | lstm | gru
    task: str = "adding"  # adding | first-value (sequence models); regression | spirals (mlp)
    depth: int = 4  # MLP hidden layers, 1-24 (sequence models use one recurrent layer)
    width: int = 64  # hidden units per layer (MLP) or hidden size (RNN), 4-256
    activation: str = "tanh"  # mlp: tanh | relu | sigmoid; rnn: tanh | relu; LSTM/GRU ignore it
    seq_len: int = 50  # time steps per sequence, 5-200 (sequence tasks only)
    batch_size: int = 32  # examples per step, 1-1024
    init_scale: float = 1.0  # multiplies the default init; RNN recurrent matrix = orthogonal * this
    optimizer: str = "sgd"  # sgd | adam
    lr: float = 0.05  # learning rate, 1e-5 to 10
    momentum: float = 0.0  # SGD momentum, 0-0.99 (Adam ignores it)
    clip_mode: str = "none"  # none | norm | value | layer-norm | agc | autoclip
    threshold: float | None = None  # None: the mode's default (see clipping.DEFAULT_THRESHOLDS)
    norm_type: str = "2"  # "2" or "inf": the norm used by clip mode "norm"
    seed: int = 0  # seeds the init and the data stream
    device: str = "auto"  # auto picks CUDA, then MPS, then CPU

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise ConfigError(problems)

    @property
    def is_sequence(self) -> bool:
        return self.model in SEQUENCE_MODELS

    def replace(self, **changes) -> TrainConfig:
        """A copy with some fields changed (validated like a new config)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, str]:
        """Every field as a string (``threshold`` is ``""`` for the mode's default)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = "" if value is None else _format(value)
        return out

    @classmethod
    def from_dict(cls, values: dict[str, object]) -> TrainConfig:
        """Build a config from strings (or plain values); unknown keys and bad values raise.

        Raises:
            ConfigError: naming every bad setting, what is allowed and an example.
        """
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ConfigError(
                [(name, f"unknown setting; allowed: {', '.join(known)}") for name in unknown]
            )
        parsed, problems = {}, []
        for name, raw in values.items():
            try:
                parsed[name] = _parse(name, raw)
            except ValueError as err:
                problems.append((name, str(err)))
        if problems:
            raise ConfigError(problems)
        return cls(**parsed)


def _format(value: object) -> str:
    if isinstance(value, float):
        return repr(value)
    return str(value)


_INT_FIELDS = {"depth", "width", "seq_len", "batch_size", "seed"}
_FLOAT_FIELDS = {"init_scale", "lr", "momentum", "threshold"}


def _parse(name: str, raw: object) -> object:
    if name == "threshold" and (raw is None or str(raw).strip().lower() in ("", "default")):
        return None
    text = str(raw).strip()
    if name in _INT_FIELDS:
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a whole number ({_allowed(name)})") from None
        if not number.is_integer():
            raise ValueError(f"{text!r} is not a whole number ({_allowed(name)})")
        return int(number)
    if name in _FLOAT_FIELDS:
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a number ({_allowed(name)})") from None
    return text.lower()


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e12 else f"{x:g}"


_EXAMPLES = {"threshold": 1.0, "seed": 42}


def _allowed(name: str) -> str:
    low, high = RANGES[name]
    example = _EXAMPLES.get(name, getattr(TrainConfig, name, low))
    return f"allowed {_num(low)} to {_num(high)}, e.g. {_num(example)}"


def threshold_problem(mode: str, value: object) -> str | None:
    """What is wrong with ``value`` as the threshold of clip mode ``mode``, or None if nothing.

    Each mode reads the threshold its own way (see :data:`THRESHOLD_RULES` and
    :func:`gradclip_core.clipping.clip_gradients`), so the range depends on the mode, e.g.
    ``"500 is out of range for autoclip (a percentile: allowed 0 < p <= 100, e.g. 10)"``.
    """
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        return f"{value!r} is not a finite number ({_allowed('threshold')})"
    rule = THRESHOLD_RULES.get(mode)
    if rule is not None:
        meaning, symbol, high, example = rule
        if not 0 < value <= high:
            return (
                f"{_num(value)} is out of range for {mode} ({meaning}: allowed "
                f"0 < {symbol} <= {_num(high)}, e.g. {_num(example)})"
            )
    low, high = RANGES["threshold"]
    if not low <= value <= high:
        return f"{_num(value)} is out of range ({_allowed('threshold')})"
    return None


def default_task(model: str) -> str:
    """The first task that fits ``model`` (so switching model never leaves a bad pair)."""
    family = "sequence" if model in SEQUENCE_MODELS else "mlp"
    return next(t for t, f in TASKS.items() if f == family)


def _choice(name: str, value: object, allowed: tuple[str, ...]) -> tuple[str, str] | None:
    if value in allowed:
        return None
    return name, f"{value!r} is not allowed; choose one of {', '.join(allowed)}"


def _problems(cfg: TrainConfig) -> list[tuple[str, str]]:
    out = []
    for name, allowed in (
        ("model", MODELS),
        ("task", tuple(TASKS)),
        ("optimizer", OPTIMIZERS),
        ("clip_mode", CLIP_MODES),
        ("device", DEVICES),
        ("norm_type", NORM_TYPES),
    ):
        problem = _choice(name, getattr(cfg, name), allowed)
        if problem:
            out.append(problem)
    for name, (low, high) in RANGES.items():
        value = getattr(cfg, name)
        if name == "threshold":
            if value is not None and (problem := threshold_problem(cfg.clip_mode, value)):
                out.append((name, problem))
            continue
        if name in _INT_FIELDS and (isinstance(value, bool) or not isinstance(value, int)):
            out.append((name, f"{value!r} is not a whole number ({_allowed(name)})"))
        elif not isinstance(value, (int, float)) or not math.isfinite(value):
            out.append((name, f"{value!r} is not a finite number ({_allowed(name)})"))
        elif not low <= value <= high:
            out.append((name, f"{_num(value)} is out of range ({_allowed(name)})"))
    if cfg.model in MODELS and cfg.task in TASKS:
        family = "sequence" if cfg.model in SEQUENCE_MODELS else "mlp"
        if TASKS[cfg.task] != family:
            fits = [t for t, f in TASKS.items() if f == family]
            out.append(
                ("task", f"{cfg.task!r} does not fit model {cfg.model!r}; use {' or '.join(fits)}")
            )
    kind = "mlp" if cfg.model == "mlp" else "rnn"
    if cfg.model in ("mlp", "rnn") and cfg.activation not in ACTIVATIONS[kind]:
        out.append(
            (
                "activation",
                f"{cfg.activation!r} is not allowed for {cfg.model}; "
                f"choose one of {', '.join(ACTIVATIONS[kind])}",
            )
        )
    return out
