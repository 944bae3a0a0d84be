"""Take a run home: its settings as TOML, its history as CSV, and a standalone PyTorch script.

- :func:`config_to_toml` / :func:`config_from_toml`: the settings as a small TOML file, the
  same ``[config]`` table a preset file has (a preset file is a valid config file too); the
  CLI reads one with ``--config FILE``.
- :func:`history_csv`: the step records as CSV bytes, exactly what ``train --out`` writes.
- :func:`standalone_script`: a script that needs only PyTorch and reproduces the run step for
  step on the CPU (same batches, same initial weights, same optimizer, same clipping), or
  shows the same clipping with mixed precision or gradient accumulation.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path

import pandas as pd

from .clipping import AGC_EPS, DEFAULT_THRESHOLDS, MODE_LABELS
from .config import (
    _FLOAT_FIELDS,
    _INT_FIELDS,
    ConfigError,
    TrainConfig,
    _allowed,
    default_task,
)
from .lessons import shown
from .tasks import TASKS
from .trainer import Trainer

FIELDS = tuple(f.name for f in fields(TrainConfig))
TOP_KEYS = ("title", "description", "steps", "config")  # a preset file's keys
MAX_STEPS = 1_000_000  # as many as the CLI runs
MAX_FILE_BYTES = 64 * 1024  # a config file is a few hundred bytes
VARIANTS = ("plain", "amp", "accumulation")
ACCUMULATION_STEPS = 4  # micro-batches per optimizer step in the "accumulation" script
_EXAMPLE_VALUES = {
    "model": '"rnn"',
    "task": '"adding"',
    "activation": '"tanh"',
    "optimizer": '"sgd"',
    "clip_mode": '"norm"',
    "norm_type": '"2"',
    "device": '"cpu"',
}
_TEXT_FIELDS = tuple(f for f in FIELDS if f not in _INT_FIELDS | _FLOAT_FIELDS)
_FILE_HINT = 'settings as key = value lines under a [config] header, e.g. model = "rnn"'


# ---- the settings as TOML ------------------------------------------------------------------
def config_to_toml(config: TrainConfig, steps: int | None = None) -> str:
    """The run's settings as TOML that :func:`config_from_toml` reads back to an equal config.

    The settings go in a ``[config]`` table, as in a preset file; ``steps`` (if given) sits
    above it. A threshold of ``None`` (the mode's default) is left out, with a comment.
    """
    lines = [
        "# gradclip run settings. Train them again with:",
        "#   python -m gradclip_core train --config this-file.toml",
        "# (flags on the command line override these values)",
    ]
    if steps is not None:
        lines.append(f"steps = {int(steps)}")
    lines += ["", "[config]"]
    for name in FIELDS:
        value = getattr(config, name)
        if value is None:  # threshold: TOML has no null
            default = DEFAULT_THRESHOLDS[config.clip_mode]
            if math.isnan(default):
                lines.append("# threshold left out: clip mode none uses no threshold")
            else:
                lines.append(f"# threshold left out: the mode's default ({default!r})")
        elif name in _FLOAT_FIELDS:
            lines.append(f"{name} = {float(value)!r}")
        elif name in _INT_FIELDS:
            lines.append(f"{name} = {int(value)}")
        else:
            lines.append(f"{name} = {json.dumps(str(value))}")
    return "\n".join(lines) + "\n"


def config_from_toml(text: str, base: TrainConfig | None = None) -> TrainConfig:
    """The config a TOML text describes: settings left out come from ``base`` (or defaults).

    Accepts what :func:`config_to_toml` writes, a preset file, or the settings as plain
    top-level keys. As on the command line, giving ``model`` without ``task`` picks the
    model's first task, and ``clip_mode`` without ``threshold`` the mode's default threshold.

    Raises:
        ConfigError: the text is not TOML, or a key is unknown, or a value has the wrong type
            or is out of range; each problem names the setting, what is wrong and what is
            allowed (the config's own messages, see :mod:`gradclip_core.config`).
    """
    settings, _ = parse_config_toml(text)
    start = {} if base is None else base.to_dict()
    return TrainConfig.from_dict(overlay(start, settings))


def parse_config_toml(text: str) -> tuple[dict[str, object], int | None]:
    """The settings a TOML text gives (type-checked, not yet combined) and its ``steps``.

    Raises:
        ConfigError: see :func:`config_from_toml`.
    """
    if not isinstance(text, str):
        raise ConfigError([("file", f"is {type(text).__name__}, not text; {_FILE_HINT}")])
    try:
        data = tomllib.loads(text)
    except (ValueError, RecursionError) as err:  # TOMLDecodeError, or an int of 4,300+ digits
        why = "nested too deeply" if isinstance(err, RecursionError) else _one_line(str(err))
        raise ConfigError([("file", f"not valid TOML ({why}); write the {_FILE_HINT}")]) from None
    if "config" in data:
        unknown = [k for k in data if k not in TOP_KEYS]
        if unknown:
            raise ConfigError(
                [
                    (
                        _key(unknown[0]),
                        "unknown key; allowed at the top: title, description, steps and the "
                        "[config] table (settings go in the table)",
                    )
                ]
            )
        settings = data["config"]
        if not isinstance(settings, dict):
            raise ConfigError(
                [("config", f"{shown(settings)} is not a table; write the {_FILE_HINT}")]
            )
    else:
        settings = {k: v for k, v in data.items() if k not in ("steps",)}
    unknown = [k for k in settings if k not in FIELDS]
    if unknown:
        allowed = ", ".join(FIELDS) + ("" if "config" in data else "; and steps")
        raise ConfigError([(_key(k), f"unknown setting; allowed: {allowed}") for k in unknown])
    problems = [(name, p) for name, v in settings.items() if (p := _type_problem(name, v))]
    if problems:
        raise ConfigError(problems)
    settings = {name: _normalise(name, value) for name, value in settings.items()}
    return settings, _steps(data.get("steps"))


def _type_problem(name: str, value: object) -> str | None:
    """What is wrong with the TOML type of ``value`` for setting ``name`` (None if fine)."""
    if name in _TEXT_FIELDS:
        if isinstance(value, str):
            return None
        if name == "norm_type" and _is_number(value) and value in (2, math.inf):
            return None  # norm_type = 2 or inf reads as "2" / "inf"
        return (
            f"{shown(value)} is {_kind(value)}, not text; write it in quotes, "
            f"e.g. {name} = {_EXAMPLE_VALUES[name]}"
        )
    if name == "threshold" and isinstance(value, str) and value.strip().lower() == "default":
        return None
    if _is_number(value):
        return None
    return f"{shown(value)} is {_kind(value)}, not a number; write one ({_allowed(name)})"


def _normalise(name: str, value: object) -> object:
    if name == "norm_type" and _is_number(value):
        return "inf" if value == math.inf else "2"
    return value


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if _is_number(value):
        return "a number"
    return "a date or time"


def _key(name: str) -> str:
    """A key as an error message names it: as written if it is a plain name, else quoted."""
    plain = name.replace("_", "").replace("-", "").isalnum() and name.isascii()
    return name if plain and len(name) <= 40 else shown(name, 40)


def _steps(value: object) -> int | None:
    if value is None:
        return None
    # An int first: float() of a 400-digit int raises.
    whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if _is_number(value) and whole and 1 <= value <= MAX_STEPS:
        return int(value)
    raise ConfigError(
        [("steps", f"{shown(value)} is not allowed; use a whole number from 1 to {MAX_STEPS}")]
    )


def _one_line(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def overlay(base: dict[str, object], given: dict[str, object]) -> dict[str, object]:
    """``base`` settings with ``given`` on top, as the CLI layers preset, file and flags.

    A ``model`` given without a ``task`` takes the model's first task, and a ``clip_mode``
    given without a ``threshold`` takes the mode's default threshold, so a layer never leaves
    a pair that does not fit.
    """
    given = dict(given)
    if "model" in given and "task" not in given:
        given["task"] = default_task(str(given["model"]).strip().lower())
    if "clip_mode" in given and "threshold" not in given:
        given["threshold"] = ""  # a new mode starts from its own default threshold
    return {**base, **given}


def read_config_file(path: str | Path) -> str:
    """The text of a config file (UTF-8, at most 64 KB).

    Raises:
        ConfigError: (setting ``"file"``) the file is missing, a folder, unreadable, too big
            or not UTF-8; the message says which and what is expected.
    """
    want = f"give a TOML file of {_FILE_HINT}"
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError([("file", f"no such file; {want}")]) from None
    except IsADirectoryError:
        raise ConfigError([("file", f"is a folder, not a file; {want}")]) from None
    except (OSError, ValueError) as err:  # ValueError: a NUL byte in the path
        why = getattr(err, "strerror", None) or _one_line(str(err), 60)
        raise ConfigError([("file", f"cannot be read ({why}); {want}")]) from None
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(
            [("file", f"is larger than {MAX_FILE_BYTES // 1024} KB; {want} (a few hundred bytes)")]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ConfigError(
            [
                (
                    "file",
                    f"not UTF-8 text (byte 0x{data[err.start]:02x} at position {err.start}); "
                    "save it as UTF-8 text",
                )
            ]
        ) from None


# ---- the history as CSV --------------------------------------------------------------------
def history_csv(trainer: Trainer | Iterable[Trainer]) -> bytes:
    """A run's step records as CSV (UTF-8): the columns ``train --out`` writes.

    Args:
        trainer: a :class:`~gradclip_core.trainer.Trainer`, or several (``compare``): their
            rows one run after the other, told apart by the ``mode`` column.
    """
    trainers = [trainer] if isinstance(trainer, Trainer) else list(trainer)
    frame = pd.concat([t.to_frame() for t in trainers])
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


# ---- the run as a standalone script --------------------------------------------------------
def standalone_script(config: TrainConfig, steps: int = 300, variant: str = "plain") -> str:
    """A complete PyTorch script (imports only torch and math) for this run.

    ``"plain"`` reproduces the engine's run: on the CPU and one thread its losses and
    gradient norms are the engine's, to the last digit, and it stops where the engine would
    (a non-finite loss or gradient norm: that step is not taken). ``"amp"`` shows where
    clipping goes with mixed precision (bfloat16 autocast and a GradScaler: unscale first),
    ``"accumulation"`` where it goes when several micro-batches make one step (once, after
    the last backward); their numbers differ from the engine's run.

    Raises:
        ValueError: an unknown variant, or steps out of 1 to 1,000,000.
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant {variant!r} is unknown; choose one of {', '.join(VARIANTS)}")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
        raise ValueError(f"steps={steps!r} is not allowed; use 1 to {MAX_STEPS}")
    parts = [
        _docstring(config, steps, variant),
        _IMPORTS,
        _constants(config, steps, variant),
        _TASK_CODE[config.task],
        _model_code(config),
        _BUILD_CODE.format(scale=_SCALE_CODE["mlp" if config.model == "mlp" else "seq"]),
    ]
    if config.clip_mode == "agc":
        parts.append(_AGC_CODE)
    parts.append(_main_code(config, variant))
    parts = [p.strip("\n") for p in parts]
    # One blank line after the docstring and the imports, then two between top-level
    # blocks, as PEP 8 (and ruff format) have it.
    return "\n\n".join(parts[:3]) + "\n\n\n" + "\n\n\n".join(parts[3:]) + "\n"


def _docstring(config: TrainConfig, steps: int, variant: str) -> str:
    mode = config.clip_mode
    threshold = _threshold(config)
    what = MODE_LABELS[mode] + ("" if mode == "none" else f" at {threshold!r}")
    lines = [
        f'"""Gradient clipping in PyTorch: {config.model} on {config.task}, {what}.',
        "",
        "Written by gradclip. It needs only PyTorch: run it with `python this_file.py`.",
        "",
    ]
    if variant == "plain":
        lines += [
            f"It reproduces the app's run step for step for {steps} steps: the same batches, the",
            "same initial weights, the same optimizer, the same clipping. On the CPU, with one",
            "thread, each step prints the same loss and gradient norm as the app's history.",
            "A step whose loss or gradient norm is not finite is not taken: the run stops there,",
            "as the app's does.",
        ]
    elif variant == "amp":
        lines += [
            "This version trains with mixed precision: torch.autocast(bfloat16) for the forward",
            "pass and a GradScaler for the backward pass. Its numbers do NOT match the app's run",
            "(bfloat16 rounds the forward pass); it shows where clipping goes: the scaled",
            "gradients are unscaled first, so the threshold means the same as without AMP.",
            "(bfloat16 does not need a GradScaler; float16 does, and the order is the same.)",
        ]
    else:
        lines += [
            f"This version accumulates gradients: each optimizer step adds {ACCUMULATION_STEPS}",
            "micro-batches' gradients, then clips once, after the last backward(). Its numbers",
            "do NOT match the app's run (each step sees more examples); the clipping is the",
            "same, applied to the summed gradient, never to a micro-batch's.",
        ]
    return "\n".join(lines) + '\n"""'


_IMPORTS = """
import math

import torch
from torch import nn
from torch.nn import functional as F
"""


def _threshold(config: TrainConfig) -> float:
    if config.threshold is not None:
        return float(config.threshold)
    return DEFAULT_THRESHOLDS[config.clip_mode]


def _constants(config: TrainConfig, steps: int, variant: str) -> str:
    task = TASKS[config.task]
    out = [
        "# ---- the run's settings --------------------------------------------------------------",
        f"STEPS = {steps}",
        f"SEED = {config.seed}  # seeds the initial weights and every batch",
        f"BATCH_SIZE = {config.batch_size}",
    ]
    if config.is_sequence:
        out.append(f"SEQ_LEN = {config.seq_len}  # time steps per sequence")
    out += [f"N_IN, N_OUT = {task.n_in}, {task.n_out}  # features in, outputs"]
    if config.model == "mlp":
        out.append(f"DEPTH = {config.depth}  # hidden layers")
    out += [
        f"WIDTH = {config.width}  # hidden units",
        f"INIT_SCALE = {config.init_scale!r}  # multiplies PyTorch's default init",
        f"LR = {config.lr!r}",
    ]
    if config.optimizer == "sgd":
        out.append(f"MOMENTUM = {config.momentum!r}")
    mode, threshold = config.clip_mode, _threshold(config)
    if mode in ("norm", "layer-norm"):
        out.append(f"MAX_NORM = {threshold!r}")
    if mode == "norm":
        norm = "math.inf  # the largest |g|" if config.norm_type == "inf" else "2.0  # L2"
        out.append(f"NORM_TYPE = {norm}")
    elif mode == "value":
        out.append(f"CLIP_VALUE = {threshold!r}  # the largest |g| of any element")
    elif mode == "agc":
        out.append(f"CLIP_FACTOR = {threshold!r}  # lambda: the largest ||G|| / ||W|| of a unit")
    elif mode == "autoclip":
        out.append(f"PERCENTILE = {threshold!r}  # clip at this percentile of the norms so far")
    if variant == "accumulation":
        out.append(f"ACCUMULATION_STEPS = {ACCUMULATION_STEPS}  # micro-batches per step")
    out.append(_device_line(config.device, variant))
    out.append(
        "\n# Small models: one thread is faster than several, and gives the same numbers on "
        "every\n# machine.\ntorch.set_num_threads(1)"
    )
    return "\n".join(out)


def _device_line(device: str, variant: str) -> str:
    if variant == "amp" and device != "cpu":
        return 'DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")'
    if device == "auto":
        return (
            "# The app's choice: CUDA, then Apple's MPS, then the CPU (only the CPU gives the\n"
            "# app's CPU numbers to the last digit).\n"
            "DEVICE = torch.device(\n"
            '    "cuda" if torch.cuda.is_available() else "mps" '
            'if torch.backends.mps.is_available() else "cpu"\n'
            ")"
        )
    return f'DEVICE = torch.device("{device}")'


_DRAW = """
# ---- the data: synthetic, a fresh batch each step ------------------------------------------
def sample(step, gen):
    \"\"\"The batch of ``step``: the generator is re-seeded from (SEED, step) each time.\"\"\"
    gen.manual_seed(SEED * 1_000_003 + step)
"""
_TASK_CODE = {
    "adding": _DRAW
    + """    # The adding problem: add the two marked numbers of each sequence.
    T = SEQ_LEN
    values = torch.rand(BATCH_SIZE, T, generator=gen, device=DEVICE)  # (B, T)
    # One mark in the first half, one in the second, so the answer spans the sequence.
    first = (torch.rand(BATCH_SIZE, generator=gen, device=DEVICE) * (T // 2)).long()
    second = T // 2 + (torch.rand(BATCH_SIZE, generator=gen, device=DEVICE) * (T - T // 2)).long()
    marks = torch.zeros_like(values)
    rows = torch.arange(BATCH_SIZE, device=DEVICE)
    marks[rows, first] = 1.0
    marks[rows, second] = 1.0
    y = (values * marks).sum(dim=1, keepdim=True)  # (B, 1)
    return torch.stack([values, marks], dim=-1), y  # x: (B, T, 2)


def loss_fn(output, y):
    return F.mse_loss(output, y)
""",
    "first-value": _DRAW
    + """    # Remember the first number of the sequence and output it at the end.
    x = torch.rand(BATCH_SIZE, SEQ_LEN, 1, generator=gen, device=DEVICE)  # (B, T, 1)
    return x, x[:, 0].clone()  # y: (B, 1)


def loss_fn(output, y):
    return F.mse_loss(output, y)
""",
    "regression": _DRAW
    + """    # Fit y = sin(2 x1) + x2 x3 + 0.5 x4 from 8 Gaussian features, plus a little noise.
    x = torch.randn(BATCH_SIZE, N_IN, generator=gen, device=DEVICE)  # (B, 8)
    noise = 0.1 * torch.randn(BATCH_SIZE, generator=gen, device=DEVICE)
    y = torch.sin(2 * x[:, 0]) + x[:, 1] * x[:, 2] + 0.5 * x[:, 3] + noise
    return x, y.unsqueeze(1)  # y: (B, 1)


def loss_fn(output, y):
    return F.mse_loss(output, y)
""",
    "spirals": _DRAW
    + """    # Three interleaved 2-D spirals: the label says which one a point is on.
    label = (torch.rand(BATCH_SIZE, generator=gen, device=DEVICE) * N_OUT).long()  # (B,)
    r = torch.rand(BATCH_SIZE, generator=gen, device=DEVICE)  # radius in [0, 1)
    theta = 4.0 * r + label * (2 * math.pi / N_OUT)
    theta = theta + 0.2 * torch.randn(BATCH_SIZE, generator=gen, device=DEVICE)
    x = torch.stack([r * torch.cos(theta), r * torch.sin(theta)], dim=1)  # (B, 2)
    return x * 2.0, label


def loss_fn(output, y):
    return F.cross_entropy(output, y)
""",
}

_ACTIVATIONS = {"tanh": "nn.Tanh()", "relu": "nn.ReLU()", "sigmoid": "nn.Sigmoid()"}


def _model_code(config: TrainConfig) -> str:
    head = "# ---- the model " + "-" * 76
    if config.model == "mlp":
        return f'''{head}
class Net(nn.Module):
    """DEPTH hidden layers of WIDTH units, then a linear readout."""

    def __init__(self):
        super().__init__()
        sizes = [N_IN] + [WIDTH] * DEPTH
        self.hidden = nn.ModuleList(nn.Linear(sizes[i], sizes[i + 1]) for i in range(DEPTH))
        self.act = {_ACTIVATIONS[config.activation]}
        self.head = nn.Linear(WIDTH, N_OUT)

    def forward(self, x):  # x: (B, N_IN)
        for layer in self.hidden:
            x = self.act(layer(x))
        return self.head(x)  # (B, N_OUT)
'''
    if config.model == "rnn":
        layer = f'nn.RNN(N_IN, WIDTH, nonlinearity="{config.activation}", batch_first=True)'
    else:
        layer = f"nn.{config.model.upper()}(N_IN, WIDTH, batch_first=True)"
    return f'''{head}
class Net(nn.Module):
    """One recurrent layer, read out from its last hidden state."""

    def __init__(self):
        super().__init__()
        self.rnn = {layer}
        self.head = nn.Linear(WIDTH, N_OUT)

    def forward(self, x):  # x: (B, T, N_IN)
        out, _ = self.rnn(x)  # (B, T, WIDTH)
        return self.head(out[:, -1])  # (B, N_OUT)
'''


_BUILD_CODE = '''
@torch.no_grad()
def build_model():
    """The model with PyTorch's default init, drawn from a generator seeded with SEED.

    Built on the meta device (no memory, no random draws), then each tensor is drawn in the
    order PyTorch's reset_parameters() would, but from our own generator, so the weights do
    not depend on anything else that used torch's global random state.
    """
    gen = torch.Generator().manual_seed(SEED)
    with torch.device("meta"):
        model = Net()
    model.to_empty(device="cpu")
    for module in model.modules():
        if isinstance(module, nn.Linear):
            # kaiming_uniform_(a=sqrt(5)) is U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
            nn.init.kaiming_uniform_(module.weight, a=math.sqrt(5), generator=gen)
            bound = 1 / math.sqrt(module.in_features)
            nn.init.uniform_(module.bias, -bound, bound, generator=gen)
        elif isinstance(module, nn.RNNBase):
            # Every recurrent tensor is U(-1/sqrt(WIDTH), 1/sqrt(WIDTH)), in order.
            stdv = 1.0 / math.sqrt(module.hidden_size)
            for weight in module.parameters():
                nn.init.uniform_(weight, -stdv, stdv, generator=gen)
{scale}
    return model.to(DEVICE)
'''
_SCALE_CODE = {
    "mlp": """    # INIT_SCALE multiplies every weight matrix: above about 1 the gradients grow
    # layer by layer on the way back.
    for layer in [*model.hidden, model.head]:
        layer.weight.mul_(INIT_SCALE)""",
    "seq": """    # The recurrent matrix: one orthogonal block per gate, times INIT_SCALE, so every
    # eigenvalue has modulus INIT_SCALE and backpropagating through T steps multiplies the
    # gradient by about INIT_SCALE ** T (above 1: it explodes).
    w_hh = model.rnn.weight_hh_l0  # (gates * WIDTH, WIDTH)
    for block in w_hh.split(WIDTH, dim=0):
        nn.init.orthogonal_(block, gain=INIT_SCALE, generator=gen)
    model.rnn.weight_ih_l0.mul_(INIT_SCALE)
    model.head.weight.mul_(INIT_SCALE)""",
}

_AGC_CODE = f'''
# ---- adaptive gradient clipping (Brock et al. 2021), unit by unit ---------------------------
def unitwise_norm(x):
    """L2 norm per output unit: over all dims but the first (the whole tensor for biases)."""
    if x.ndim <= 1:
        return x.norm(2.0)
    return x.norm(2.0, dim=tuple(range(1, x.ndim)), keepdim=True)


@torch.no_grad()
def adaptive_clip_grad_(parameters, clip_factor, eps={AGC_EPS!r}):
    """Shrink each unit's gradient G to at most clip_factor * max(||W||, eps) (as timm's).

    Every layer is clipped here, readout included; the paper leaves the last layer alone.
    """
    for p in parameters:
        g = p.grad.detach()
        max_norm = unitwise_norm(p.detach()).clamp_(min=eps).mul_(clip_factor)
        grad_norm = unitwise_norm(g)
        clipped = g * (max_norm / grad_norm.clamp(min=1e-6))
        g.copy_(torch.where(grad_norm < max_norm, g, clipped))
'''


def _clip_code(config: TrainConfig, indent: str) -> str:
    """The lines that measure the norm into ``norm`` and clip (``params`` have gradients)."""
    mode = config.clip_mode
    measure = (
        "norm = torch.nn.utils.get_total_norm([p.grad for p in params])  # L2, before clipping"
    )
    if mode == "none":
        lines = [
            measure,
            "# No clipping in this run. To clip, put it here, after backward(), before step():",
            "# torch.nn.utils.clip_grad_norm_(params, max_norm=1.0)",
        ]
    elif mode == "norm":
        lines = [
            "# clip after backward(), before step()",
            "# One factor min(1, MAX_NORM / (norm + 1e-6)) for every gradient: the direction",
            "# is kept. It returns the total norm from before clipping.",
            "norm = torch.nn.utils.clip_grad_norm_(params, max_norm=MAX_NORM, norm_type=NORM_TYPE)",
        ]
    elif mode == "value":
        lines = [
            measure,
            "# clip after backward(), before step()",
            "# Each element into [-CLIP_VALUE, CLIP_VALUE]: the direction can turn.",
            "torch.nn.utils.clip_grad_value_(params, clip_value=CLIP_VALUE)",
        ]
    elif mode == "layer-norm":
        lines = [
            measure,
            "# clip after backward(), before step()",
            "# Each tensor's gradient on its own to norm MAX_NORM at most.",
            "for p in params:",
            "    torch.nn.utils.clip_grad_norm_([p], max_norm=MAX_NORM)",
        ]
    elif mode == "agc":
        lines = [
            measure,
            "# clip after backward(), before step()",
            "adaptive_clip_grad_(params, CLIP_FACTOR)",
        ]
    else:
        lines = [
            measure,
            "# AutoClip (Seetharaman et al. 2020): the threshold is the PERCENTILE-th percentile",
            "# of the norms seen so far, this one included (a non-finite norm counts as nan,",
            "# which nanquantile skips; the app keeps the last 10,000).",
            "seen.append(torch.where(norm.isfinite(), norm, math.nan))",
            "del seen[:-10_000]",
            "max_norm = torch.nanquantile(torch.stack(seen), PERCENTILE / 100)",
            "# clip after backward(), before step(): clip_grad_norm_'s rule, with max_norm",
            "# the percentile (kept a tensor, as the app does, so the numbers are the same)",
            "coef = (max_norm / (norm + 1e-6)).clamp(max=1.0)",
            "for p in params:",
            "    p.grad.mul_(coef)",
        ]
    return "\n".join(indent + line if line else "" for line in lines)


def _optimizer_line(config: TrainConfig) -> str:
    # foreach=True: one call for all tensors, as the app's trainer does (the same numbers).
    if config.optimizer == "adam":
        return "optimizer = torch.optim.Adam(params, lr=LR, foreach=True)"
    return "optimizer = torch.optim.SGD(params, lr=LR, momentum=MOMENTUM, foreach=True)"


_STOP_CODE = """
def stop_here(step, loss, norm):
    \"\"\"Say why the run stops at a step whose loss or gradient norm is not finite.\"\"\"
    if not math.isfinite(loss):
        what = f"the loss is {loss} (the forward pass overflowed)"
    elif norm == math.inf:
        what = "the gradient norm is inf (it overflowed float32, or a gradient is inf)"
    else:
        what = f"the gradient norm is {norm} (the backward pass made an inf or nan)"
    print(
        f"stopped at step {step}: {what}; this step's update was not applied. "
        "Clip the gradient, or lower the learning rate or INIT_SCALE."
    )
"""


def _main_code(config: TrainConfig, variant: str) -> str:
    clip = _clip_code(config, " " * 8)
    start = [
        "def main():",
        "    model = build_model()",
        "    params = list(model.parameters())",
        "    # foreach=True: one call for all tensors, as the app does (the same numbers).",
        "    " + _optimizer_line(config),
        "    gen = torch.Generator(device=DEVICE)  # the data's own generator",
    ]
    if config.clip_mode == "autoclip":
        start.append("    seen = []  # the gradient norms so far, for AutoClip's percentile")
    if variant == "plain":
        body = f"""
    for step in range(STEPS):
        x, y = sample(step, gen)
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
{clip}
        loss, norm = loss.item(), norm.item()
        print(f"step {{step + 1:5d}}  loss {{loss:.9g}}  grad norm {{norm:.9g}}")
        if not (math.isfinite(loss) and math.isfinite(norm)):
            # Stepping now would put inf or nan into the weights: stop before the update.
            stop_here(step + 1, loss, norm)
            break
        optimizer.step()
"""
    elif variant == "amp":
        body = f"""
    # bfloat16 has float32's range, so it needs no scaler; float16 does, and the order of
    # the calls below is the one float16 needs.
    scaler = torch.amp.GradScaler(DEVICE.type)
    for step in range(STEPS):
        x, y = sample(step, gen)
        optimizer.zero_grad()
        with torch.autocast(DEVICE.type, dtype=torch.bfloat16):
            loss = loss_fn(model(x), y)  # the forward pass in bfloat16 where it is safe
        scaler.scale(loss).backward()  # the gradients are multiplied by the scale
        # Unscale BEFORE clipping: the threshold is for the true gradient, not a scaled one.
        scaler.unscale_(optimizer)
{clip}
        # step() skips the update if a gradient is inf or nan (and update() lowers the scale).
        scaler.step(optimizer)
        scaler.update()
        loss, norm = loss.item(), norm.item()
        print(f"step {{step + 1:5d}}  loss {{loss:.9g}}  grad norm {{norm:.9g}}")
        if not math.isfinite(loss):
            stop_here(step + 1, loss, norm)
            break
"""
    else:
        body = f"""
    for step in range(STEPS):
        optimizer.zero_grad()
        total = 0.0
        for micro in range(ACCUMULATION_STEPS):
            x, y = sample(step * ACCUMULATION_STEPS + micro, gen)
            # Divide, so the summed gradient is that of the mean loss over all micro-batches.
            loss = loss_fn(model(x), y) / ACCUMULATION_STEPS
            loss.backward()  # adds to .grad
            total += loss.item()
        # Only now is the gradient complete: clip it once, never per micro-batch.
{clip}
        norm = norm.item()
        print(f"step {{step + 1:5d}}  loss {{total:.9g}}  grad norm {{norm:.9g}}")
        if not (math.isfinite(total) and math.isfinite(norm)):
            stop_here(step + 1, total, norm)
            break
        optimizer.step()
"""
    end = """

if __name__ == "__main__":
    main()
"""
    return _STOP_CODE.strip("\n") + "\n\n\n" + "\n".join(start) + body + end
