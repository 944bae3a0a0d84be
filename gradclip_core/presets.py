"""Scenario presets: whole runs a teacher can edit, one TOML file each in ``lessons/presets/``.

A preset file holds a ``title``, a one-line ``description``, the number of ``steps`` it is
meant to run, and a ``[config]`` table of :class:`~gradclip_core.config.TrainConfig` fields.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .config import ConfigError, TrainConfig

PRESET_DIR = Path(__file__).resolve().parent.parent / "lessons" / "presets"


class PresetError(ValueError):
    """A preset file is malformed or a preset name is unknown; says which and how to fix it."""


@dataclass(frozen=True)
class Preset:
    name: str  # the file name without .toml, e.g. "exploding-rnn"
    title: str
    description: str
    steps: int
    config: TrainConfig

    def __repr__(self) -> str:
        return f"Preset({self.name!r}: {self.description})"


def load_preset_file(path: Path) -> Preset:
    """Read and validate one preset file.

    Raises:
        PresetError: naming the file, the entry and the fix.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise PresetError(f"{path.name}: not valid TOML ({err}); fix the syntax there") from None
    missing = [k for k in ("title", "description", "steps", "config") if k not in data]
    if missing:
        raise PresetError(
            f'{path.name}: missing {", ".join(missing)}; add e.g. title = "...", '
            'description = "...", steps = 300 and a [config] table'
        )
    steps = data["steps"]
    if not isinstance(steps, int) or not 1 <= steps <= 100_000:
        raise PresetError(f"{path.name}: steps = {steps!r}; use a whole number from 1 to 100000")
    try:
        config = TrainConfig.from_dict(data["config"])
    except ConfigError as err:
        raise PresetError(f"{path.name}: [config] {err}") from None
    return Preset(path.stem, str(data["title"]), str(data["description"]), steps, config)


def load_presets(folder: Path = PRESET_DIR) -> dict[str, Preset]:
    """Every preset in ``folder``, by name, in file-name order."""
    return {p.stem: load_preset_file(p) for p in sorted(Path(folder).glob("*.toml"))}


def get_preset(name: str, folder: Path = PRESET_DIR) -> Preset:
    """One preset by name.

    Raises:
        PresetError: if there is no such preset (the message lists the ones there are).
    """
    path = Path(folder) / f"{name}.toml"
    if not path.is_file():
        names = ", ".join(load_presets(folder)) or "(none found)"
        raise PresetError(f"unknown preset {name!r}; choose one of {names}")
    return load_preset_file(path)
