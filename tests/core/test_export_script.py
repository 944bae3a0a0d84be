"""Take it home, the code: a standalone PyTorch script that reproduces the engine's run to the
last digit, for every model and clipping mode, and stops where the engine diverges; its AMP and
accumulation variants clip in the right place; it imports only torch and math."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from gradclip_core.config import CLIP_MODES, MODELS, TrainConfig
from gradclip_core.presets import get_preset
from gradclip_core.script import VARIANTS, standalone_script
from gradclip_core.trainer import Trainer

# One thread, here and in every script: the same kernels, so the same numbers.
torch.set_num_threads(1)
STEPS = 20


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
