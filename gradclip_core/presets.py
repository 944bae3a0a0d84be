"""Scenario presets: whole runs a teacher can edit, one TOML file each in ``lessons/presets/``.

A preset file holds a ``title``, a one-line ``description``, the number of ``steps`` it is
meant to run, and a ``[config]`` table of :class:`~gradclip_core.config.TrainConfig` fields.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .config import ConfigError, TrainConfig
from .lessons import ContentError, read_utf8, shown

PRESET_DIR = Path(__file__).resolve().parent.parent / "lessons" / "presets"
PRESET_KEYS = ("title", "description", "steps", "config")
# A preset name is a file stem: this keeps a name from leaving the folder ("../x") or being
# longer than a file name may be.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


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
    data = _read(path)
    missing = [k for k in PRESET_KEYS if k not in data]
    if missing:
        raise PresetError(
            f'{path.name}: missing {", ".join(missing)}; add e.g. title = "...", '
            'description = "...", steps = 300 and a [config] table'
        )
    unknown = [k for k in data if k not in PRESET_KEYS]
    if unknown:
        raise PresetError(
            f"{path.name}: unknown key {shown(unknown[0])}; allowed: {', '.join(PRESET_KEYS)} "
            "(settings go in the [config] table)"
        )
    for key in ("title", "description"):
        if not isinstance(data[key], str) or not data[key].strip():
            raise PresetError(f'{path.name}: {key} must be a non-empty string, e.g. {key} = "..."')
    steps = data["steps"]
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= 100_000:
        raise PresetError(
            f"{path.name}: steps = {shown(steps)}; use a whole number from 1 to 100000"
        )
    if not isinstance(data["config"], dict):
        raise PresetError(
            f"{path.name}: config = {shown(data['config'])} is not a table; write the settings "
            'under a [config] header, one per line, e.g. model = "mlp"'
        )
    try:
        config = TrainConfig.from_dict(data["config"])
    except ConfigError as err:
        raise PresetError(f"{path.name}: [config] {err}") from None
    return Preset(path.stem, data["title"], data["description"], steps, config)


def _read(path: Path) -> dict:
    """The TOML table of a preset file, or a PresetError naming the file and the fix."""
    try:
        text = read_utf8(path, path.name)
    except ContentError as err:
        raise PresetError(str(err)) from None
    try:
        return tomllib.loads(text)
    except (ValueError, RecursionError) as err:  # TOMLDecodeError, or an int of 4,300+ digits
        why = "nested too deeply" if isinstance(err, RecursionError) else str(err)[:120]
        raise PresetError(f"{path.name}: not valid TOML ({why}); fix the syntax there") from None


def load_presets(folder: Path | None = None) -> dict[str, Preset]:
    """Every preset in ``folder``, by name, in file-name order.

    Raises:
        PresetError: for the first broken file (see :func:`load_presets_report` to keep the
            good presets instead).
    """
    presets, errors = load_presets_report(folder)
    if errors:
        raise errors[0]
    return presets


def load_presets_report(
    folder: Path | None = None,
) -> tuple[dict[str, Preset], list[PresetError]]:
    """The good presets in ``folder`` (default :data:`PRESET_DIR`) and one error per broken
    file: a broken file costs only its own preset.

    Returns:
        ``(presets, errors)``: presets by name in file-name order; each error names its file
        and the fix.
    """
    presets: dict[str, Preset] = {}
    errors: list[PresetError] = []
    for path in sorted(Path(PRESET_DIR if folder is None else folder).glob("*.toml")):
        try:
            presets[path.stem] = load_preset_file(path)
        except PresetError as err:
            errors.append(err)
    return presets, errors


def get_preset(name: str, folder: Path | None = None) -> Preset:
    """One preset by name (a file stem: letters, digits, ``-``, ``_`` and ``.``).

    Raises:
        PresetError: if there is no such preset (the message lists the ones there are), or
            its file is broken (the message names the file and the fix).
    """
    folder = Path(PRESET_DIR if folder is None else folder)
    path = folder / f"{name}.toml"
    if not (isinstance(name, str) and _NAME.fullmatch(name) and path.is_file()):
        names = ", ".join(load_presets_report(folder)[0]) or "(none found)"
        raise PresetError(f"unknown preset {shown(name)}; choose one of {names}")
    return load_preset_file(path)
