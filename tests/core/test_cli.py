"""``python -m gradclip_core``: the README's commands work; bad input is one clear line."""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import torch
from hypothesis import event, given, settings
from hypothesis import strategies as st

from gradclip_core.cli import build_parser, config_from_args, main
from gradclip_core.config import TrainConfig
from gradclip_core.export import FIELDS, config_to_toml
from gradclip_core.history import SCALARS
from gradclip_core.presets import get_preset, load_presets

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


def test_the_readme_shows_the_five_commands():
    assert list(README) == ["presets", "train none", "train norm", "compare", "train"]
    assert "--config" in README["train"]


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


# ---- --config FILE ---------------------------------------------------------------------------
SMALL = TrainConfig(model="mlp", task="spirals", depth=2, width=8, clip_mode="norm", threshold=0.5)
SMALL = SMALL.replace(lr=0.2, device="cpu")


def parsed(*args: str) -> tuple[TrainConfig, int]:
    return config_from_args(build_parser().parse_args(list(args)))


def test_the_readme_config_command_trains_the_file(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    clipped = get_preset("exploding-rnn").config.replace(clip_mode="norm", threshold=1.0)
    name = README["train"][README["train"].index("--config") + 1]
    (tmp_path / name).write_text(config_to_toml(clipped.replace(device="cpu"), steps=300))
    args = quicker(README["train"], 20)
    assert parsed(*args) == (clipped.replace(device="cpu"), 20)
    code, out, err = cli(capsys, *args)
    assert code == 0 and err == "" and "steps run: 20; " in out and "diverged" not in out
    out_name = args[args.index("--out") + 1]
    frame = pd.read_csv(tmp_path / out_name)
    assert len(frame) == 20 and (frame["mode"] == "norm").all() and (frame["threshold"] == 1).all()


def test_flags_override_the_config_file(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text(config_to_toml(SMALL, steps=7))
    assert parsed("train", "--config", str(path)) == (SMALL, 7)
    assert parsed("train", "--config", str(path), "--steps", "3") == (SMALL, 3)
    assert parsed("compare", "--config", str(path), "--lr", "0.05")[0] == SMALL.replace(lr=0.05)
    # A new mode starts from its own default threshold, a new model from its first task.
    value = parsed("train", "--config", str(path), "--clip", "value")[0]
    assert value == SMALL.replace(clip_mode="value", threshold=None)
    gru = parsed("train", "--config", str(path), "--model", "gru")[0]
    assert (gru.model, gru.task, gru.width) == ("gru", "adding", 8)


def test_the_config_file_overrides_the_preset(tmp_path):
    path = tmp_path / "partial.toml"
    path.write_text('[config]\nlr = 0.2\nclip_mode = "value"\n')
    healthy = get_preset("healthy")
    config, steps = parsed("train", "--preset", "healthy", "--config", str(path))
    assert config == healthy.config.replace(lr=0.2, clip_mode="value", threshold=None)
    assert steps == healthy.steps
    path.write_text("steps = 12\nlr = 0.2\n")  # flat keys work too
    assert parsed("train", "--preset", "healthy", "--config", str(path))[1] == 12
    # A preset file is a config file.
    preset_file = str(Path("lessons/presets/healthy.toml").resolve())
    assert parsed("train", "--config", preset_file) == (healthy.config, healthy.steps)


def test_compare_reads_the_config_file(capsys, tmp_path):
    path = tmp_path / "run.toml"
    path.write_text(config_to_toml(SMALL, steps=3))
    code, out, err = cli(capsys, "compare", "--config", str(path), "--modes", "none,agc", "--quiet")
    assert code == 0 and err == ""
    assert "[none] steps run: 3; " in out and "[agc] steps run: 3; " in out


# (file content, or None for no file; the fragment the one error line must hold)
BAD_FILES = [
    (None, "--config {path}: no such file; give a TOML file of settings as key = value"),
    (b"\x89PNG\r\n\x1a\n\xff", "not UTF-8 text (byte 0x89 at position 0); save it as UTF-8"),
    ("model = ", "not valid TOML (Invalid value"),
    ("[config]\ndepth = 500", "--config {path}: depth: 500 is out of range (allowed 1 to 24"),
    ('[config]\nlr = "fast"', "lr: 'fast' is text, not a number; write one (allowed 1e-05 to 10"),
    ("[config]\nmodle = 'mlp'", "modle: unknown setting; allowed: model, task, depth,"),
    ('model = "mlp"\ntask = "adding"', "task: 'adding' does not fit model 'mlp'"),
    ("steps = 0", "steps: 0 is not allowed; use a whole number from 1 to 1000000"),
    ("depth = 0\nwidth = 0", "depth: 0 is out of range (allowed 1 to 24, e.g. 4) (and 1 more)"),
]


@pytest.mark.parametrize(("content", "says"), BAD_FILES)
def test_a_bad_config_file_is_one_line_exit_2(capsys, tmp_path, content, says):
    path = tmp_path / "run.toml"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    elif content is not None:
        path.write_bytes(content)
    code, out, err = cli(capsys, "train", "--config", str(path), "--steps", "1")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"gradclip: error: --config {path}: ")
    assert says.format(path=path) in err and "Traceback" not in err


def test_a_folder_or_odd_path_as_config_is_one_line(capsys, tmp_path):
    for path, says in ((str(tmp_path), "is a folder"), ("a\x00b", "cannot be read")):
        code, _, err = cli(capsys, "compare", "--config", path)
        assert code == 2 and err.count("\n") == 1 and says in err
    code, _, err = cli(capsys, "train", "--config", "line\nbreak.toml")
    assert code == 2 and err == (
        "gradclip: error: --config 'line\\nbreak.toml': no such file; give a TOML file of "
        'settings as key = value lines under a [config] header, e.g. model = "rnn"\n'
    )


def test_a_bad_flag_over_a_good_file_names_the_flag(capsys, tmp_path):
    path = tmp_path / "run.toml"
    path.write_text(config_to_toml(SMALL))
    code, _, err = cli(capsys, "train", "--config", str(path), "--lr", "0")
    assert code == 2 and err.startswith("gradclip: error: --lr: 0 is out of range")


_values = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.sampled_from(["nan", "inf", "1e400", "0.5", "true", "[1]", "{a = 1}", "1979-05-27"]),
    st.sampled_from(['"rnn"', '"mlp"', '"gru"', '"norm"', '"autoclip"', '"cpu"', '"cuda"']),
    st.text(max_size=6).map(lambda t: '"' + t.replace("\\", "/").replace('"', "") + '"'),
    st.text(max_size=6),
)


@st.composite
def junk_files(draw) -> bytes:
    if draw(st.integers(0, 4)) == 0:
        return draw(st.binary(max_size=100))
    keys = st.sampled_from([*FIELDS, "steps", "config", "title", "modle", "[config]", ""])
    lines = ["[config]"] if draw(st.booleans()) else []
    for _ in range(draw(st.integers(0, 5))):
        lines.append(f"{draw(keys)} = {draw(_values)}")
    return "\n".join(lines).encode("utf-8", "surrogatepass")


@settings(max_examples=200, deadline=None)
@given(junk_files())
def test_junk_config_files_exit_0_or_2_with_one_clear_line(tmp_path_factory, data):
    """Any file as --config: a run (exit 0) or one line naming the file (exit 2)."""
    path = tmp_path_factory.mktemp("junk") / "run.toml"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    # Small sizes from the flags keep a valid file's one step fast; the file is checked first.
    tiny = ["--width", "4", "--seq-len", "5", "--batch-size", "2", "--depth", "1"]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["train", "--config", str(path), *tiny, "--steps", "1", "--quiet"])
    event(f"exit {code}")
    assert code in (0, 2), err.getvalue()
    if code == 2:
        assert err.getvalue().startswith("gradclip: error: ")
        assert err.getvalue().count("\n") == 1 and "Traceback" not in err.getvalue()
    else:
        assert err.getvalue() == "" and "steps run: 1" in out.getvalue()
