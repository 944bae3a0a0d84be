"""Command line: ``python -m gradclip_core train | compare | presets``.

A run that diverges is a result (exit 0). Bad flags exit 2 with one line that names the
flag, what is allowed and an example, never a traceback. Ctrl-C exits 130 with one line; a
reader that closes the pipe early (``... | head -1``) ends the run quietly (exit 141, as
for SIGPIPE).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from dataclasses import fields
from pathlib import Path

import pandas as pd
import torch

from .clipping import MODE_LABELS
from .config import CLIP_MODES, ConfigError, TrainConfig
from .device import DeviceError
from .export import history_csv, overlay, parse_config_toml, read_config_file
from .lessons import shown
from .presets import PresetError, get_preset, load_presets_report
from .trainer import Trainer

# CLI flag for each config field (``--clip`` reads better than ``--clip-mode``).
FLAGS = {f.name: "--" + f.name.replace("_", "-") for f in fields(TrainConfig)}
FLAGS["clip_mode"] = "--clip"
MAX_STEPS = 1_000_000
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for Ctrl-C
EXIT_PIPE_CLOSED = 141  # 128 + SIGPIPE


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own errors, as one line
        raise UsageError(f"{message} (see --help; e.g. {EXAMPLE})")


EXAMPLE = "python -m gradclip_core train --preset exploding-rnn --clip norm --threshold 1.0"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m gradclip_core", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("presets", help="list the presets with one-line descriptions")
    for name, text in (("train", "train one run"), ("compare", "train one run per mode")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--preset", help="start from a preset (see `presets`)")
        p.add_argument(
            "--config",
            metavar="FILE",
            help="read the settings from a TOML file (over the preset's; flags override it)",
        )
        for field, flag in FLAGS.items():
            p.add_argument(flag, dest=field, metavar=field.upper(), help=_help(field))
        p.add_argument("--steps", default=None, help="steps to run (default: the preset's, or 300)")
        p.add_argument("--out", type=Path, help="write the step records to this CSV file")
        p.add_argument("--quiet", action="store_true", help="no progress lines")
        if name == "compare":
            p.add_argument(
                "--modes", default="none,norm,value,agc", help="comma-separated clipping modes"
            )
    return parser


def _help(field: str) -> str:
    default = getattr(TrainConfig, field)
    return f"default: {default}" if default is not None else "default: the mode's own"


def config_from_args(args: argparse.Namespace) -> tuple[TrainConfig, int]:
    """The run's config and step count: the preset (if any), overridden by the config file
    (if any), overridden by the flags given."""
    base: dict[str, object] = {}
    steps = 300
    if args.preset:
        try:
            preset = get_preset(args.preset)
        except PresetError as err:
            raise UsageError(f"--preset: {err}") from None
        base, steps = preset.config.to_dict(), preset.steps
    if getattr(args, "config", None) is not None:
        base, file_steps = _config_file(args.config, base)
        steps = file_steps or steps
    given = {f: getattr(args, f) for f in FLAGS if getattr(args, f) is not None}
    try:
        config = TrainConfig.from_dict(overlay(base, given))
    except ConfigError as err:
        name, message = err.problems[0]
        raise UsageError(f"{FLAGS.get(name, name)}: {message}") from None
    if args.steps is not None:
        steps = _steps(args.steps)
    return config, steps


def _config_file(path: str, base: dict[str, object]) -> tuple[dict[str, object], int | None]:
    """``base`` with the file's settings on top, and the file's steps; a bad file is a
    UsageError naming the file, the setting, what is wrong and what is allowed."""
    name = path if path.isprintable() and 0 < len(path) <= 100 else shown(path)
    try:
        settings, steps = parse_config_toml(read_config_file(path))
        merged = overlay(base, settings)
        TrainConfig.from_dict(merged)  # the file's own problems are reported against the file
    except ConfigError as err:
        setting, message = err.problems[0]
        more = f" (and {len(err.problems) - 1} more)" if len(err.problems) > 1 else ""
        where = "" if setting == "file" else f"{setting}: "
        raise UsageError(f"--config {name}: {where}{message}{more}") from None
    return merged, steps


def _steps(text: str) -> int:
    try:
        steps = int(text)
    except ValueError:
        steps = 0
    if not 1 <= steps <= MAX_STEPS:
        raise UsageError(
            f"--steps: {text!r} is not allowed; use 1 to {MAX_STEPS}, e.g. --steps 300"
        )
    return steps


def _progress(trainer: Trainer) -> None:
    loss = trainer.history.column("loss")[-1]
    norm = trainer.history.column("grad_norm")[-1]
    print(f"  step {trainer.steps_done:>6}  loss {loss:.4g}  grad norm {norm:.3g}", flush=True)


def run_one(config: TrainConfig, steps: int, quiet: bool) -> Trainer:
    try:
        trainer = Trainer(config)
    except DeviceError as err:
        raise UsageError(f"--device: {err}") from None
    every = max(1, steps // 10)
    trainer.run(steps, on_progress=None if quiet else _progress, every=every)
    return trainer


def summary(trainer: Trainer, label: str = "") -> str:
    """One paragraph: steps run, final loss, steps clipped, and divergence if any."""
    h = trainer.history
    n = len(h)
    loss = h.column("loss")
    finite = loss[:n][pd.notna(loss[:n]) & (abs(loss[:n]) < math.inf)]
    final = f"{finite[-1]:.4g}" if len(finite) else "n/a"
    clipped = int(h.column("clipped").sum())
    lines = [
        f"{label}steps run: {trainer.steps_done}; final loss: {final} "
        f"(baseline {trainer.task.baseline:.4g}); "
        f"steps clipped: {clipped} of {n} ({100 * clipped / max(n, 1):.0f}%)"
    ]
    if trainer.divergence:
        lines.append(f"{label}{trainer.divergence.reason}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    # These models are small: torch's intra-op threads cost far more than they save
    # (DESIGN.md: 10 steps took 630 ms on 2 threads, 7.5 ms on 1), and one thread gives the
    # same numbers on every machine, whatever its core count.
    torch.set_num_threads(1)
    try:
        code = _main(build_parser().parse_args(argv))
        sys.stdout.flush()  # a reader that left shows up here, not as a traceback at exit
        return code
    except UsageError as err:
        print(f"gradclip: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gradclip: interrupted (Ctrl-C); the run stopped", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_PIPE_CLOSED


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush into the closed pipe does
    not print "Exception ignored ... BrokenPipeError" (the recipe in Python's signal docs)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout is not a real file (e.g. in tests)
        pass


def _main(args: argparse.Namespace) -> int:
    if args.command == "presets":
        return _list_presets()
    config, steps = config_from_args(args)
    if args.out and not _folder_exists(args.out.parent):
        raise UsageError(f"--out: folder {args.out.parent} does not exist; e.g. --out run.csv")
    if args.command == "train":
        if not args.quiet:
            print(
                f"training {config.model} on {config.task} for {steps} steps, "
                f"{MODE_LABELS[config.clip_mode]} (Ctrl-C stops)",
                flush=True,
            )
        trainer = run_one(config, steps, args.quiet)
        print(summary(trainer))
        trainers = [trainer]
    else:
        modes = [m.strip() for m in args.modes.split(",") if m.strip()]
        bad = [m for m in modes if m not in CLIP_MODES]
        if bad or not modes:
            raise UsageError(
                f"--modes: {', '.join(bad) or 'nothing'} not allowed; use a comma-separated list "
                f"of {', '.join(CLIP_MODES)}, e.g. --modes none,norm,value"
            )
        trainers = []
        for mode in modes:
            if not args.quiet:
                print(f"[{mode}]", flush=True)
            threshold = config.threshold if mode == config.clip_mode else None
            trainer = run_one(
                config.replace(clip_mode=mode, threshold=threshold), steps, args.quiet
            )
            print(summary(trainer, f"[{mode}] "))
            trainers.append(trainer)
    if args.out:
        try:
            # The same bytes as the app's download: one function writes both.
            args.out.write_bytes(history_csv(trainers))
        except (OSError, ValueError) as err:  # ValueError: a NUL byte in the path
            raise UsageError(
                f"--out: cannot write {args.out} ({err}); pick a writable path"
            ) from None
        print(f"wrote {args.out}")
    return 0


def _list_presets() -> int:
    """Print each good preset with its description; name each broken file (then exit 2)."""
    presets, errors = load_presets_report()
    width = max(map(len, presets), default=0)
    for name, preset in presets.items():
        print(f"{name:<{width}}  {preset.description}")
    for err in errors:
        print(f"gradclip: error: lessons/presets/{err}", file=sys.stderr)
    return 2 if errors else 0


def _folder_exists(folder: Path) -> bool:
    try:
        return folder.is_dir()
    except (OSError, ValueError):  # a name too long, or a NUL byte: no such folder
        return False
