"""Take it home: the settings as TOML, the history as CSV, and a standalone PyTorch script
that reproduces the engine's run to the last digit."""

from __future__ import annotations

import ast
import io
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import event, given, settings
from hypothesis import strategies as st

from gradclip_core.cli import main
from gradclip_core.config import (
    ACTIVATIONS,
    CLIP_MODES,
    DEVICES,
    MODELS,
    NORM_TYPES,
    OPTIMIZERS,
    RANGES,
    SEQUENCE_MODELS,
    TASKS,
    ConfigError,
    TrainConfig,
)
from gradclip_core.export import (
    FIELDS,
    MAX_FILE_BYTES,
    config_from_toml,
    config_to_toml,
    history_csv,
    parse_config_toml,
    read_config_file,
)
from gradclip_core.history import SCALARS
from gradclip_core.presets import PRESET_DIR, get_preset, load_presets
from gradclip_core.script import VARIANTS, standalone_script
from gradclip_core.trainer import Trainer

# One thread, here and in every script: the same kernels, so the same numbers.
torch.set_num_threads(1)
STEPS = 20


# ---- the settings as TOML ------------------------------------------------------------------
def _int(name: str) -> st.SearchStrategy[int]:
    low, high = RANGES[name]
    return st.integers(int(low), int(high))


def _float(name: str) -> st.SearchStrategy[float]:
    low, high = RANGES[name]
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


@st.composite
def configs(draw) -> TrainConfig:
    model = draw(st.sampled_from(MODELS))
    family = "sequence" if model in SEQUENCE_MODELS else "mlp"
    mode = draw(st.sampled_from(CLIP_MODES))
    return TrainConfig(
        model=model,
        task=draw(st.sampled_from([t for t, f in TASKS.items() if f == family])),
        depth=draw(_int("depth")),
        width=draw(_int("width")),
        activation=draw(st.sampled_from(ACTIVATIONS["mlp" if model == "mlp" else "rnn"])),
        seq_len=draw(_int("seq_len")),
        batch_size=draw(_int("batch_size")),
        init_scale=draw(_float("init_scale")),
        optimizer=draw(st.sampled_from(OPTIMIZERS)),
        lr=draw(_float("lr")),
        momentum=draw(_float("momentum")),
        clip_mode=mode,
        threshold=draw(
            st.none() | (st.floats(1e-6, 100.0) if mode == "autoclip" else _float("threshold"))
        ),
        norm_type=draw(st.sampled_from(NORM_TYPES)),
        seed=draw(_int("seed")),
        device=draw(st.sampled_from(DEVICES)),
    )


@settings(max_examples=300, deadline=None)
@given(configs(), st.none() | st.integers(1, 1_000_000))
def test_every_config_round_trips_through_toml(config, steps):
    text = config_to_toml(config, steps)
    assert config_from_toml(text) == config
    assert parse_config_toml(text)[1] == steps


def test_the_toml_is_a_preset_config_table():
    text = config_to_toml(get_preset("healthy").config, steps=300)
    assert "\n[config]\n" in text and 'model = "mlp"' in text and "threshold = 2.0" in text
    assert text.splitlines()[3] == "steps = 300"
    none = config_to_toml(TrainConfig(clip_mode="norm"))
    assert "\nthreshold" not in none and "the mode's default (1.0)" in none


@pytest.mark.parametrize("path", sorted(PRESET_DIR.glob("*.toml")), ids=lambda p: p.stem)
def test_a_preset_file_is_a_config_file(path):
    preset = load_presets()[path.stem]
    assert config_from_toml(path.read_text(encoding="utf-8")) == preset.config
    assert parse_config_toml(path.read_text(encoding="utf-8"))[1] == preset.steps


def test_settings_left_out_come_from_the_base_and_follow_the_cli_rules():
    base = get_preset("healthy").config  # clip norm at 2.0, spirals
    assert config_from_toml("", base) == base
    # A new mode starts from its own default threshold; a new model from its first task.
    assert config_from_toml('clip_mode = "value"', base) == base.replace(
        clip_mode="value", threshold=None
    )
    changed = config_from_toml('[config]\nmodel = "gru"\nlr = 0.1', base)
    assert (changed.model, changed.task, changed.lr, changed.depth) == ("gru", "adding", 0.1, 3)
    assert config_from_toml("[config]") == TrainConfig()
    assert config_from_toml('[config]\nnorm_type = inf\nthreshold = "default"').norm_type == "inf"


# (file text, the setting the first problem names, a fragment of what it says is allowed)
BAD = [
    ("model = ", "file", "not valid TOML"),
    ("[config\nmodel = 1", "file", "[config] header"),
    ('depth = "4"', "depth", "allowed 1 to 24"),
    ("[config]\ndepth = 4.5", "depth", "not a whole number (allowed 1 to 24"),
    ("[config]\ndepth = 500", "depth", "out of range (allowed 1 to 24"),
    ("[config]\nlr = nan", "lr", "not a finite number"),
    ("lr = true", "lr", "true/false, not a number"),
    ("lr = [0.1]", "lr", "a list, not a number"),
    ("seed = 1979-05-27", "seed", "a date or time"),
    ("[config]\nmodel = 3", "model", 'write it in quotes, e.g. model = "rnn"'),
    ('[config]\nmodel = "transformer"', "model", "choose one of mlp, rnn, lstm, gru"),
    ('model = "mlp"\ntask = "adding"', "task", "use regression or spirals"),
    ('clip_mode = "autoclip"\nthreshold = 500', "threshold", "allowed 0 < p <= 100"),
    ("threshold = -1", "threshold", "out of range"),
    ("norm_type = 3", "norm_type", '"2"'),
    ("foo = 1", "foo", "allowed: model, task,"),
    ("[config]\n[config.inner]\nx = 1", "inner", "unknown setting"),
    ('"bad\\nkey" = 1', "'bad\\nkey'", "unknown setting"),
    ("title = 'x'\n[config]\nlr = 0.1\n[other]", "other", "allowed at the top: title"),
    ("config = 5", "config", "not a table"),
    ("steps = 0", "steps", "1 to 1000000"),
    ("steps = 1e400", "steps", "1 to 1000000"),
    ("steps = " + "9" * 400, "steps", "1 to 1000000"),
    ("x = " + "[" * 2000 + "]" * 2000, "file", "not valid TOML"),
]


@pytest.mark.parametrize(("text", "field", "allowed"), BAD, ids=[b[0][:24] for b in BAD])
def test_a_bad_file_names_the_setting_and_what_is_allowed(text, field, allowed):
    with pytest.raises(ConfigError) as caught:
        config_from_toml(text)
    name, message = caught.value.problems[0]
    assert name == field and allowed in message, caught.value.problems
    assert "\n" not in str(caught.value)


def _toml_value(draw) -> str:
    """A TOML value as written in a file, sometimes not valid TOML at all."""
    return draw(
        st.one_of(
            st.integers(-(10**30), 10**30).map(str),
            st.floats().map(lambda f: str(f) if not math.isfinite(f) else repr(f)),
            st.sampled_from(
                ['"rnn"', '"mlp"', '"norm"', '"inf"', '"2"', '"default"', '""', "true"]
            ),
            st.sampled_from(["[1, 2]", "{ a = 1 }", "1979-05-27", "0x1F", "1_000", "'é'"]),
            st.text(max_size=8).map(lambda t: '"' + t.replace("\\", "/").replace('"', "'") + '"'),
            st.text(max_size=6),  # often not TOML
        )
    )


@st.composite
def junk_files(draw) -> str | bytes:
    """Random bytes, random text, or TOML-like lines with real and made-up keys."""
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return draw(st.binary(max_size=200))
    if kind == 1:
        return draw(st.text(max_size=200))
    keys = st.sampled_from([*FIELDS, "steps", "title", "config", "foo", "Model", "x.y", '"a b"'])
    lines = ["[config]"] if kind == 3 else []
    for _ in range(draw(st.integers(0, 6))):
        lines.append(f"{draw(keys)} = {_toml_value(draw)}")
    if kind == 3 and draw(st.booleans()):
        lines.insert(0, f"steps = {_toml_value(draw)}")
    return "\n".join(lines)


@settings(max_examples=1000, deadline=None)
@given(junk_files())
def test_junk_files_give_a_config_or_one_clear_line(data):
    """Never an exception other than ConfigError, and its message is one non-empty line."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        config = config_from_toml(text)
    except UnicodeDecodeError:
        event("not UTF-8")
        return
    except ConfigError as err:
        event(f"error in {err.problems[0][0]}")
        message = str(err)
        assert message and "\n" not in message and "\r" not in message
        assert all(isinstance(name, str) and text for name, text in err.problems)
        return
    event("valid")
    assert isinstance(config, TrainConfig)


def test_reading_a_file_says_what_is_wrong(tmp_path):
    cases = {
        tmp_path / "missing.toml": "no such file",
        tmp_path: "is a folder",
        tmp_path / "big.toml": "larger than 64 KB",
        tmp_path / "latin1.toml": "not UTF-8 text (byte 0xe9",
        "nul\x00.toml": "cannot be read",
    }
    (tmp_path / "big.toml").write_text("#" * (MAX_FILE_BYTES + 1))
    (tmp_path / "latin1.toml").write_bytes('title = "réglage"'.encode("latin-1"))
    for path, says in cases.items():
        with pytest.raises(ConfigError) as caught:
            read_config_file(path)
        assert caught.value.problems[0][0] == "file" and says in str(caught.value), path
    (tmp_path / "bom.toml").write_bytes(b'\xef\xbb\xbfmodel = "gru"')
    assert config_from_toml(read_config_file(tmp_path / "bom.toml")).model == "gru"


# ---- the history as CSV --------------------------------------------------------------------
SMALL = {"model": "mlp", "task": "spirals", "depth": 2, "width": 8, "device": "cpu"}


def test_history_csv_is_what_train_out_writes(tmp_path, capsys):
    out = tmp_path / "run.csv"
    args = ["train", "--model", "mlp", "--task", "spirals", "--depth", "2", "--width", "8"]
    assert (
        main([*args, "--clip", "norm", "--device", "cpu", "--steps", "12", "--out", str(out)]) == 0
    )
    capsys.readouterr()
    trainer = Trainer(TrainConfig(**SMALL, clip_mode="norm")).run(12)
    data = history_csv(trainer)
    assert isinstance(data, bytes) and data == out.read_bytes()
    frame = pd.read_csv(io.BytesIO(data))
    assert list(frame.columns[: len(SCALARS)]) == list(SCALARS)
    assert "mode" in frame.columns and len(frame) == 12 and (frame["mode"] == "norm").all()
    assert frame["loss"].tolist() == trainer.history.column("loss").tolist()


def test_history_csv_of_a_comparison_is_what_compare_out_writes(tmp_path, capsys):
    out = tmp_path / "cmp.csv"
    args = ["compare", "--model", "mlp", "--task", "spirals", "--depth", "2", "--width", "8"]
    args += ["--device", "cpu", "--modes", "none,value", "--steps", "5", "--quiet"]
    assert main([*args, "--out", str(out)]) == 0
    capsys.readouterr()
    trainers = [Trainer(TrainConfig(**SMALL, clip_mode=m)).run(5) for m in ("none", "value")]
    assert history_csv(trainers) == out.read_bytes()
    assert pd.read_csv(out)["mode"].tolist() == ["none"] * 5 + ["value"] * 5


# ---- the run as a standalone script --------------------------------------------------------
THRESHOLDS = {"none": None, "norm": 0.1, "value": 0.01, "layer-norm": 0.1, "agc": 0.01}
THRESHOLDS["autoclip"] = 10.0
TASKS_OF = {
    "mlp": ("regression", "spirals"),
    "rnn": ("adding", "first-value"),
    "lstm": ("first-value", "adding"),
    "gru": ("adding", "first-value"),
}


def matrix_config(model: str, mode: str) -> TrainConfig:
    """Small and fast; tasks, optimizers, momentum and norm types vary across the matrix."""
    i = CLIP_MODES.index(mode) + MODELS.index(model)
    return TrainConfig(
        model=model,
        task=TASKS_OF[model][i % 2],
        depth=2,
        width=12,
        seq_len=8,
        batch_size=8,
        optimizer="adam" if i % 3 == 2 else "sgd",
        lr=0.01 if i % 3 == 2 else 0.1,
        momentum=0.9 if i % 3 == 1 else 0.0,
        clip_mode=mode,
        threshold=THRESHOLDS[mode],
        norm_type="inf" if model in ("mlp", "lstm") else "2",
        init_scale=1.5 if model == "rnn" else 1.0,
        device="cpu",
    )


MATRIX = [(model, mode) for model in MODELS for mode in CLIP_MODES]
DIVERGES = get_preset("exploding-rnn").config.replace(device="cpu")  # no clipping
VARIANT_CONFIGS = {
    "amp": matrix_config("gru", "autoclip"),
    "accumulation": matrix_config("lstm", "norm"),
}


# Runs scripts one after the other in one interpreter, each as ``python SCRIPT`` would
# (``runpy.run_path`` as ``__main__``): torch's import and first-use set-up cost about 4 s of
# CPU per process, a 20-step script 0.1 s.
DRIVER = """
import contextlib, io, json, runpy, sys, traceback

results = {}
for path in sys.argv[1:]:
    out, err, code = io.StringIO(), io.StringIO(), 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            runpy.run_path(path, run_name="__main__")
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
        except BaseException:
            traceback.print_exc()
            code = 1
    results[path] = [code, out.getvalue(), err.getvalue()]
print(json.dumps(results))
"""


def _start(args: list[str], folder: Path) -> subprocess.Popen:
    """``python -I ARGS`` in ``folder``: isolated (no PYTHONPATH, no user site, no current
    folder on the path) in a folder holding only the scripts, so gradclip is not importable."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return subprocess.Popen(
        [sys.executable, "-I", *args],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def script_runs(tmp_path_factory) -> dict:
    """Every script of this module, run in subprocesses: the diverging one on its own, as a
    user runs it; the others in two driver processes at once (two cores)."""
    where = tmp_path_factory.mktemp("scripts")
    (where / "driver.py").write_text(DRIVER, encoding="utf-8")
    jobs = {key: standalone_script(matrix_config(*key), steps=STEPS) for key in MATRIX}
    for variant, config in VARIANT_CONFIGS.items():
        jobs[variant] = standalone_script(config, steps=STEPS, variant=variant)
    jobs["diverges"] = standalone_script(DIVERGES, steps=40)
    files = {}
    for key, source in jobs.items():
        files[key] = ("_".join(key) if isinstance(key, tuple) else key) + ".py"
        (where / files[key]).write_text(source, encoding="utf-8")
    batch = [files[k] for k in jobs if k != "diverges"]
    procs = [_start(["driver.py", *batch[i::2]], where) for i in range(2)]
    alone = _start([files["diverges"]], where)
    runs = {}
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-2000:]
        for name, (code, stdout, stderr) in json.loads(out).items():
            runs[name] = subprocess.CompletedProcess(name, code, stdout, stderr)
    out, err = alone.communicate(timeout=600)
    runs[files["diverges"]] = subprocess.CompletedProcess(alone.args, alone.returncode, out, err)
    return {"runs": {key: runs[files[key]] for key in jobs}, "sources": jobs}


def _printed(run: subprocess.CompletedProcess) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The losses and gradient norms a script printed (float32, as computed), and its lines."""
    lines = run.stdout.splitlines()
    rows = [line.split() for line in lines if line.startswith("step ")]
    assert all(r[2] == "loss" and r[4:6] == ["grad", "norm"] for r in rows), lines[:3]
    assert [int(r[1]) for r in rows] == list(range(1, len(rows) + 1))
    losses = np.array([float(r[3]) for r in rows], dtype=np.float32)
    return losses, np.array([float(r[6]) for r in rows], dtype=np.float32), lines


@pytest.mark.parametrize(("model", "mode"), MATRIX)
def test_the_script_reproduces_the_engine_run_exactly(script_runs, model, mode):
    run = script_runs["runs"][(model, mode)]
    assert run.returncode == 0 and run.stderr == "", run.stderr[-2000:]
    losses, norms, lines = _printed(run)
    assert len(lines) == STEPS
    history = Trainer(matrix_config(model, mode)).run(STEPS).history
    if mode != "none":  # the comparison must go through the clipping
        assert history.column("clipped").sum() > 0
    # Same operations in the same order on one thread: the same float32 bits. (%.9g prints
    # a float32 exactly; rtol=0 is what "reproduces the run" means here.)
    np.testing.assert_array_equal(losses, history.column("loss").astype(np.float32))
    np.testing.assert_array_equal(norms, history.column("grad_norm").astype(np.float32))


def test_the_script_stops_where_the_engine_diverges(script_runs):
    run = script_runs["runs"]["diverges"]
    assert run.returncode == 0 and run.stderr == "", run.stderr[-2000:]
    losses, norms, lines = _printed(run)
    trainer = Trainer(DIVERGES).run(40)
    assert trainer.divergence is not None and trainer.divergence.step == 34
    assert len(losses) == 34 and norms[-1] == np.inf and np.isfinite(norms[:-1]).all()
    assert lines[-1].startswith("stopped at step 34: the gradient norm is inf")
    assert "update was not applied" in lines[-1]
    np.testing.assert_array_equal(losses, trainer.history.column("loss").astype(np.float32))


@pytest.mark.parametrize("variant", ["amp", "accumulation"])
def test_the_variants_run_and_clip_in_the_right_place(script_runs, variant):
    run = script_runs["runs"][variant]
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    losses, norms, lines = _printed(run)
    assert len(lines) == STEPS and np.isfinite(losses).all() and np.isfinite(norms).all()
    source = script_runs["sources"][variant]
    assert "do NOT match the app's run" in source
    body = source[source.index("def main():") :]
    clip = body.index("# clip after backward(), before step()")
    if variant == "amp":
        assert "torch.autocast(DEVICE.type, dtype=torch.bfloat16)" in body
        order = ["scaler.scale(loss).backward()", "scaler.unscale_(optimizer)"]
        assert body.index(order[0]) < body.index(order[1]) < clip
        assert clip < body.index("scaler.step(optimizer)") < body.index("scaler.update()")
    else:
        # Clipped once per step: after the micro-batch loop (at its indentation), not in it.
        backward = body.index("            loss.backward()")
        assert backward < clip < body.index("        optimizer.step()")
        assert body[:clip].rsplit("\n", 1)[1] == "        "  # the loop's level, not the micro's
        assert "for micro in range(ACCUMULATION_STEPS)" in body


def _imports(source: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add((node.module or "").split(".")[0])
    return found


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("model", MODELS)
def test_every_script_compiles_and_imports_only_torch_and_math(variant, model):
    for mode in CLIP_MODES:
        for device in ("cpu", "auto"):
            config = matrix_config(model, mode).replace(device=device)
            source = standalone_script(config, steps=300, variant=variant)
            compile(source, "run.py", "exec")
            assert _imports(source) == {"math", "torch"}, source[:500]
            assert "import gradclip" not in source and "from gradclip" not in source
            assert source.count("# clip after backward(), before step()") == (mode != "none")
            assert "STEPS = 300" in source


def test_the_plain_script_clips_between_backward_and_step():
    source = standalone_script(matrix_config("mlp", "norm"))
    body = source[source.index("def main():") :]
    clip = body.index("# clip after backward(), before step()")
    assert body.index("loss.backward()") < clip < body.index("optimizer.step()")
    assert "torch.nn.utils.clip_grad_norm_(params, max_norm=MAX_NORM, norm_type=NORM_TYPE)" in body
    assert "NORM_TYPE = math.inf" in source and "foreach=True" in body
    value = standalone_script(matrix_config("gru", "value"))
    assert "torch.nn.utils.clip_grad_value_(params, clip_value=CLIP_VALUE)" in value
    layer = standalone_script(matrix_config("mlp", "layer-norm"))
    assert "torch.nn.utils.clip_grad_norm_([p], max_norm=MAX_NORM)" in layer
    assert "torch.nanquantile" in standalone_script(matrix_config("mlp", "autoclip"))


def test_bad_arguments_say_what_is_allowed():
    config = matrix_config("mlp", "norm")
    with pytest.raises(ValueError, match="choose one of plain, amp, accumulation"):
        standalone_script(config, variant="fp8")
    for steps in (0, 1_000_001, 2.5, True):
        with pytest.raises(ValueError, match="use 1 to 1000000"):
            standalone_script(config, steps=steps)
