"""``python -m gradclip_core``: the README's commands work; bad input is one clear line."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import torch

from gradclip_core.cli import main
from gradclip_core.history import SCALARS
from gradclip_core.presets import load_presets

ROOT = Path(__file__).resolve().parents[2]
PREFIX = ".venv/bin/python -m gradclip_core "


def readme_commands() -> dict[str, list[str]]:
    """The README's CLI lines, by a short name, as argument lists."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    found = [shlex.split(line[len(PREFIX) :]) for line in lines if line.startswith(PREFIX)]
    named = {}
    for args in found:
        clip = args[args.index("--clip") + 1] if "--clip" in args else ""
        named[f"{args[0]} {clip}".strip()] = args
    return named


README = readme_commands()


def quicker(args: list[str], steps: int) -> list[str]:
    """The same command with fewer steps (300 clipped RNN steps per mode are slow to test)."""
    args = list(args)
    args[args.index("--steps") + 1] = str(steps)
    return args


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_readme_shows_the_four_commands():
    assert list(README) == ["presets", "train none", "train norm", "compare"]


# ---- as a real process: three at once, to pay the torch import in parallel -----------------
@pytest.fixture(scope="module")
def processes(tmp_path_factory) -> dict[str, subprocess.CompletedProcess]:
    where = tmp_path_factory.mktemp("cli")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    commands = {
        "presets": README["presets"],
        "train none": README["train none"],  # diverges: still exit 0, CSV written
        "bad lr": ["train", "--preset", "exploding-rnn", "--lr", "fast"],
    }
    running = {
        name: subprocess.Popen(
            [sys.executable, "-m", "gradclip_core", *args],
            cwd=where,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, args in commands.items()
    }
    done = {}
    for name, proc in running.items():
        out, err = proc.communicate(timeout=120)
        done[name] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    done["folder"] = where
    return done


def test_process_lists_every_preset_with_its_description(processes):
    run = processes["presets"]
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    presets = load_presets()
    assert len(lines) == len(presets)
    for line, (name, preset) in zip(lines, presets.items(), strict=True):
        assert line.startswith(name) and line.endswith(preset.description)


def test_process_reports_a_divergence_as_a_result(processes):
    run = processes["train none"]
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert "diverged at step " in run.stdout and "steps run: " in run.stdout
    frame = pd.read_csv(processes["folder"] / "none.csv")
    assert set(SCALARS) <= set(frame.columns) and "mode" in frame.columns
    assert "wrote none.csv" in run.stdout


def test_process_bad_value_is_one_line_exit_2(processes):
    run = processes["bad lr"]
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert run.stderr.startswith("gradclip: error: --lr: 'fast' is not a number")


# ---- in process, through main() ------------------------------------------------------------
def test_train_norm_writes_the_step_records(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(capsys, *quicker(README["train norm"], 40))
    assert code == 0 and err == ""
    summary = out.splitlines()[-2]
    assert summary.startswith("steps run: 40; final loss: ")
    assert "steps clipped: " in summary and "diverged" not in out
    frame = pd.read_csv(tmp_path / "norm.csv")
    assert set(SCALARS) <= set(frame.columns)
    assert len(frame) == 40 and (frame["mode"] == "norm").all()
    assert (frame["threshold"] == 1.0).all()
    clipped = int(frame["clipped"].sum())
    assert f"steps clipped: {clipped} of 40" in summary


def test_compare_runs_each_mode_into_one_csv(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli(capsys, *quicker(README["compare"], 40), "--quiet")
    assert code == 0
    for mode in ("none", "norm", "value", "agc"):
        assert f"[{mode}] steps run: " in out
    assert "[none] diverged at step " in out  # the unclipped run still overflows
    frame = pd.read_csv(tmp_path / "cmp.csv")
    assert frame["mode"].unique().tolist() == ["none", "norm", "value", "agc"]
    assert set(SCALARS) <= set(frame.columns)


def test_summary_names_the_divergence_step_and_exit_is_0(capsys):
    code, out, _ = cli(capsys, "train", "--preset", "deep-mlp-nan", "--quiet")
    assert code == 0
    first, second = out.splitlines()
    assert first.startswith("steps run: ") and "final loss: " in first
    assert "steps clipped: 0 of " in first
    step = int(first.split(";")[0].split()[-1])
    assert second.startswith(f"diverged at step {step}: ")


def test_presets_command_in_process(capsys):
    code, out, _ = cli(capsys, "presets")
    assert code == 0 and len(out.splitlines()) == len(load_presets())


# (arguments, flag the one error line must name)
BAD = [
    (["train", "--lr", "0"], "--lr"),
    (["train", "--model", "mlp", "--depth", "99"], "--depth"),
    (["train", "--clip", "harder"], "--clip"),
    (["train", "--threshold", "nan", "--clip", "norm"], "--threshold"),
    (["train", "--model", "mlp", "--task", "adding"], "--task"),
    (["train", "--activation", "gelu"], "--activation"),
    (["train", "--steps", "0"], "--steps"),
    (["train", "--steps", "many"], "--steps"),
    (["train", "--preset", "nope"], "--preset"),
    (["train", "--seed", "-3"], "--seed"),
    (["train", "--out", "no/such/folder/run.csv"], "--out"),
    (["train", "--bogus", "1"], "--bogus"),
    (["compare", "--modes", "none,harder"], "--modes"),
    (["fly"], "fly"),
    ([], "command"),
]


@pytest.mark.parametrize(("args", "flag"), BAD)
def test_bad_input_is_one_line_naming_the_flag_and_exit_2(capsys, args, flag):
    code, out, err = cli(capsys, *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("gradclip: error: ")
    assert flag in err and "Traceback" not in err


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_asking_for_a_missing_device_is_a_usage_error(capsys):
    code, _, err = cli(capsys, "train", "--device", "cuda", "--steps", "1")
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("gradclip: error: --device: device='cuda' is not available")
