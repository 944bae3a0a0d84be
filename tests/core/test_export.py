"""Take it home: the settings as TOML (round trips, presets, junk files) and the history as CSV
(the standalone script is in test_export_script.py)."""

from __future__ import annotations

import io
import math

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
from gradclip_core.trainer import Trainer

torch.set_num_threads(1)  # the CSV tests compare runs number for number


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
