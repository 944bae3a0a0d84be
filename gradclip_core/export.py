"""Take a run home: its settings as TOML, its history as CSV, and a standalone PyTorch script.

- :func:`config_to_toml` / :func:`config_from_toml`: the settings as a small TOML file, the
  same ``[config]`` table a preset file has (a preset file is a valid config file too); the
  CLI reads one with ``--config FILE``.
- :func:`history_csv`: the step records as CSV bytes, exactly what ``train --out`` writes.
- a standalone PyTorch script of the run: :func:`~gradclip_core.script.standalone_script`.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path

import pandas as pd

from .clipping import DEFAULT_THRESHOLDS
from .config import (
    _FLOAT_FIELDS,
    _INT_FIELDS,
    ConfigError,
    TrainConfig,
    _allowed,
    default_task,
)
from .lessons import shown
from .script import MAX_STEPS
from .trainer import Trainer

FIELDS = tuple(f.name for f in fields(TrainConfig))
TOP_KEYS = ("title", "description", "steps", "config")  # a preset file's keys
MAX_FILE_BYTES = 64 * 1024  # a config file is a few hundred bytes
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
