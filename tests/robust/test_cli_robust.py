"""The CLI under abuse: odd flag values, a closed pipe, Ctrl-C. One line and an exit code,
never a traceback (issue 8, section 3)."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from gradclip_core import cli
from gradclip_core import presets as presets_module
from gradclip_core.cli import FLAGS, main
from gradclip_core.config import CLIP_MODES, MODELS, TASKS
from gradclip_core.trainer import Trainer

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--model", "mlp", "--task", "regression", "--depth", "1", "--width", "4"]
TINY += ["--batch-size", "2", "--device", "cpu"]


def _start(*args: str, **kwargs) -> subprocess.Popen:
    """``python -m gradclip_core ARGS`` as a real process, with Ctrl-C handled as in a shell
    (a background job may inherit SIGINT ignored; the CLI would then never see it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "gradclip_core", *args],
        cwd=tempfile.gettempdir(),
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        **kwargs,
    )


def test_a_300_character_preset_name_is_one_line_exit_2():
    proc = _start("train", "--preset", "a" * 300, "--steps", "1")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("gradclip: error: --preset: unknown preset 'aaa")
    assert "choose one of deep-mlp-nan" in err


def test_a_reader_that_closes_the_pipe_early_ends_the_run_quietly():
    # `... | head -1`: read one line, then close our end while the run still prints.
    proc = _start("train", *TINY, "--steps", "2000")  # a progress line every 200 steps
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    proc.wait(timeout=120)
    assert first.startswith("training mlp on regression for 2000 steps")
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert "BrokenPipeError" not in err and "gradclip:" not in err  # quiet, as `yes | head` is
    assert proc.returncode == cli.EXIT_PIPE_CLOSED, err


def test_ctrl_c_during_a_long_run_is_one_line_exit_130():
    proc = _start("train", *TINY, "--steps", "1000000")
    assert proc.stdout.readline().startswith("training mlp")  # main() is running now
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert err.endswith("\ngradclip: interrupted (Ctrl-C); the run stopped\n") or (
        err == "gradclip: interrupted (Ctrl-C); the run stopped\n"
    )


def test_ctrl_c_in_process_returns_130(capsys, monkeypatch):
    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Trainer, "run", interrupted)
    assert main(["train", *TINY, "--steps", "5", "--quiet"]) == 130
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err


def test_a_bad_threshold_for_the_mode_is_one_line():
    for args, message in (
        (["--clip", "autoclip", "--threshold", "500"], "out of range for autoclip"),
        (["--clip", "agc", "--threshold", "-1"], "out of range for agc"),
    ):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            assert main(["train", *TINY, *args, "--steps", "1"]) == 2
        assert err.getvalue().startswith("gradclip: error: --threshold: ")
        assert message in err.getvalue() and err.getvalue().count("\n") == 1


def test_a_broken_preset_file_costs_only_that_preset(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "presets"
    shutil.copytree(ROOT / "lessons" / "presets", folder)
    (folder / "healthy.toml").write_bytes('title = "Réglage"\n'.encode("cp1252"))
    monkeypatch.setattr(presets_module, "PRESET_DIR", folder)
    assert main(["presets"]) == 2
    out, err = capsys.readouterr()
    assert [line.split()[0] for line in out.splitlines()] == [
        "deep-mlp-nan",
        "exploding-rnn",
        "spiky-tanh-rnn",
        "tiny-threshold",
    ]
    assert err.count("\n") == 1 and "healthy.toml: not UTF-8 text" in err
    assert main(["train", "--preset", "healthy", "--steps", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gradclip: error: --preset: healthy.toml: not UTF-8 text")
    assert main(["train", "--preset", "tiny-threshold", "--steps", "1", "--quiet"]) == 0


# --- every flag, random values, in process ----------------------------------------------------
junk = st.one_of(
    st.text(max_size=12).filter(lambda t: not t.startswith("-")),
    st.sampled_from(["", " ", "nan", "inf", "-inf", "1e400", "0", "-1", "1e-9", "9" * 400, "é"]),
    st.sampled_from(["gelu", "tpu", "cuda", "11", "101", "500", "1", "2147483648", "1e6"]),
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
# Values that are valid on their own (combinations may still clash, e.g. autoclip at 500).
# Size flags stay small so a run of 1-3 steps takes milliseconds.
GOOD = {
    "model": MODELS,
    "task": tuple(TASKS),
    "depth": ("1", "2", "3"),
    "width": ("4", "8"),
    "activation": ("tanh", "relu", "sigmoid"),
    "seq_len": ("5", "8"),
    "batch_size": ("1", "2", "4"),
    "init_scale": ("0.5", "1", "3", "100"),
    "optimizer": ("sgd", "adam", "SGD"),
    "lr": ("1e-3", "0.1", "10"),
    "momentum": ("0", "0.9", "0.99"),
    "clip_mode": CLIP_MODES,
    "threshold": ("0.5", "1", "10", "100", "500", "1e6", "default"),
    "norm_type": ("2", "inf"),
    "seed": ("0", "7", "2147483647"),
    "device": ("auto", "cpu"),
}
SIZES = ("depth", "width", "seq_len", "batch_size")
presets = st.one_of(
    st.sampled_from(["healthy", "deep-mlp-nan", "exploding-rnn", "tiny-threshold"]),
    st.sampled_from(["a" * 300, "../quiz/01_flashcards", "nope", "x\x00y", ""]),
    junk,
)


@st.composite
def argvs(draw) -> list[str]:
    """A command line: half of them use only valid values (so runs happen), half add junk."""
    command = draw(st.sampled_from(["train", "train", "compare", "presets"]))
    argv = [command]
    if command == "presets":
        return argv
    junky = draw(st.booleans())
    if draw(st.booleans()):
        argv += ["--preset", draw(presets) if junky else "healthy"]
    for field, flag in FLAGS.items():
        if draw(st.integers(0, 2)) > 0:
            continue
        good = st.sampled_from(GOOD[field])
        use_junk = junky and field not in SIZES and draw(st.integers(0, 3)) == 0
        argv += [flag, draw(junk if use_junk else good)]
    steps = ["1", "2", "3", "0", "x", "1e3"] if junky else ["1", "2", "3"]
    argv += ["--steps", draw(st.sampled_from(steps))]
    if draw(st.booleans()):
        outs = ["run.csv", "no/such/dir/r.csv", "\x00", "."] if junky else ["run.csv"]
        argv += ["--out", draw(st.sampled_from(outs))]
    if command == "compare" and draw(st.booleans()):
        argv += ["--modes", draw(st.sampled_from(["none,norm", "autoclip", "harder", ","]))]
    argv += ["--quiet"] if draw(st.booleans()) else []
    return argv


@settings(max_examples=1000, deadline=None)
@given(argvs())
def test_any_flag_values_exit_0_or_2_with_at_most_one_error_line(argv):
    """1,000 command lines with random values for every flag: never an exception."""
    out, err = io.StringIO(), io.StringIO()
    here = Path.cwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)  # --out run.csv lands here
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(argv)
        finally:
            os.chdir(here)
    event(f"exit {code}")
    assert code in (0, 2), (argv, err.getvalue())
    if code == 2:
        assert err.getvalue().startswith("gradclip: error: ")
        assert err.getvalue().count("\n") == 1, err.getvalue()
    else:
        assert err.getvalue() == ""
    assert "Traceback" not in err.getvalue()


@pytest.mark.parametrize("argv", [["--help"], ["train", "--help"]])
def test_help_still_exits_0(argv):
    with pytest.raises(SystemExit) as caught, contextlib.redirect_stdout(io.StringIO()):
        main(argv)
    assert caught.value.code == 0
