"""Each preset keeps the promise its description makes, at its default seed, on the CPU."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gradclip_core.presets import (
    PRESET_DIR,
    PresetError,
    get_preset,
    load_preset_file,
    load_presets,
)

NAMES = ["deep-mlp-nan", "exploding-rnn", "healthy", "spiky-tanh-rnn", "tiny-threshold"]


def finite_frame(trainer, steps: int):
    frame = trainer.to_frame()
    assert not trainer.diverged, trainer.divergence
    assert len(frame) == steps and np.isfinite(frame["loss"]).all()
    assert np.isfinite(frame["grad_norm"]).all()
    return frame


def test_the_presets_are_all_there_and_valid():
    presets = load_presets()
    assert list(presets) == NAMES == sorted(p.stem for p in PRESET_DIR.glob("*.toml"))
    for name, preset in presets.items():
        assert preset.name == name and preset.title and preset.description
        assert preset.steps == 300
        assert get_preset(name) == preset
        assert name in repr(preset)


def test_exploding_rnn_unclipped_overflows_within_100_steps(preset_run):
    trainer = preset_run("exploding-rnn", 100)
    assert trainer.diverged and trainer.divergence.step <= 100


def test_exploding_rnn_clipped_by_norm_learns(preset_run):
    frame = finite_frame(preset_run("exploding-rnn", clip_mode="norm", threshold=1.0), 300)
    loss = frame["loss"].to_numpy()
    assert loss[-20:].mean() <= 0.5 * loss[10:30].mean()


def test_deep_mlp_goes_nan_within_5_steps(preset_run):
    trainer = preset_run("deep-mlp-nan", 5)
    assert trainer.diverged and trainer.divergence.step <= 5


def test_deep_mlp_clipped_by_norm_beats_the_baseline(preset_run):
    trainer = preset_run("deep-mlp-nan", clip_mode="norm", threshold=1.0)
    frame = finite_frame(trainer, 300)
    assert frame["loss"].to_numpy()[-20:].mean() < trainer.task.baseline


def test_spiky_tanh_rnn_norms_jump_by_orders_of_magnitude_yet_stay_finite(preset_run):
    grad = finite_frame(preset_run("spiky-tanh-rnn"), 300)["grad_norm"].to_numpy()
    assert grad.max() / grad.min() >= 1e3
    assert grad.max() / np.median(grad) >= 100


def test_healthy_run_rarely_clips_and_learns(preset_run):
    trainer = preset_run("healthy")
    frame = finite_frame(trainer, 300)
    assert frame["clipped"].mean() <= 0.10
    assert frame["loss"].to_numpy()[-20:].mean() < 0.25 * trainer.task.baseline


def test_tiny_threshold_clips_nearly_every_step_and_learns_far_slower(preset_run):
    healthy = preset_run("healthy").to_frame()["loss"].to_numpy()[-20:].mean()
    frame = finite_frame(preset_run("tiny-threshold"), 300)
    assert frame["clipped"].mean() >= 0.95
    assert frame["loss"].to_numpy()[-20:].mean() >= 2 * healthy


# ---- malformed files --------------------------------------------------------------------------
GOOD = """title = "T"
description = "D"
steps = 50

[config]
model = "mlp"
task = "regression"
"""

# (file text, what the message must say besides the file name)
MALFORMED = [
    ('title = "T\n', "not valid TOML"),
    ('title = "T"\ndescription = "D"\n', "missing steps, config; add e.g."),
    (GOOD.replace("steps = 50", 'steps = "many"'), "use a whole number from 1 to 100000"),
    (GOOD.replace("steps = 50", "steps = 0"), "use a whole number from 1 to 100000"),
    (GOOD + 'lr = "fast"\n', "[config] lr: 'fast' is not a number"),
    (GOOD + "depht = 3\n", "depht: unknown setting; allowed:"),
    (GOOD.replace('task = "regression"', 'task = "adding"'), "use regression or spirals"),
]


@pytest.mark.parametrize(("text", "fix"), MALFORMED)
def test_a_malformed_preset_file_names_the_file_and_the_fix(tmp_path: Path, text, fix):
    path = tmp_path / "broken-one.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PresetError) as caught:
        load_preset_file(path)
    message = str(caught.value)
    assert message.startswith("broken-one.toml: ")
    assert fix in message
    with pytest.raises(PresetError, match="broken-one.toml"):
        load_presets(tmp_path)


def test_a_good_file_loads_and_an_unknown_name_lists_the_presets(tmp_path: Path):
    (tmp_path / "mine.toml").write_text(GOOD, encoding="utf-8")
    preset = load_preset_file(tmp_path / "mine.toml")
    assert (preset.name, preset.steps, preset.config.model) == ("mine", 50, "mlp")
    with pytest.raises(PresetError, match="unknown preset 'nope'; choose one of mine"):
        get_preset("nope", tmp_path)
    with pytest.raises(PresetError, match="choose one of deep-mlp-nan, exploding-rnn"):
        get_preset("nope")
