"""Run settings: every valid config round-trips through a dict of strings; bad ones explain."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    default_task,
)


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
    kind = "mlp" if model == "mlp" else "rnn"
    return TrainConfig(
        model=model,
        task=draw(st.sampled_from([t for t, f in TASKS.items() if f == family])),
        depth=draw(_int("depth")),
        width=draw(_int("width")),
        activation=draw(st.sampled_from(ACTIVATIONS[kind])),
        seq_len=draw(_int("seq_len")),
        batch_size=draw(_int("batch_size")),
        init_scale=draw(_float("init_scale")),
        optimizer=draw(st.sampled_from(OPTIMIZERS)),
        lr=draw(_float("lr")),
        momentum=draw(_float("momentum")),
        clip_mode=(mode := draw(st.sampled_from(CLIP_MODES))),
        # AutoClip's threshold is a percentile: config.THRESHOLD_RULES allows 0 < p <= 100.
        threshold=draw(
            st.none() | (st.floats(1e-6, 100.0) if mode == "autoclip" else _float("threshold"))
        ),
        norm_type=draw(st.sampled_from(NORM_TYPES)),
        seed=draw(_int("seed")),
        device=draw(st.sampled_from(DEVICES)),
    )


@settings(max_examples=300, deadline=None)
@given(configs())
def test_every_valid_config_round_trips_through_a_dict_of_strings(config):
    as_dict = config.to_dict()
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in as_dict.items())
    assert TrainConfig.from_dict(as_dict) == config
    assert TrainConfig.from_dict(as_dict).to_dict() == as_dict


def test_defaults_and_the_default_threshold():
    config = TrainConfig()
    assert config.to_dict()["threshold"] == ""  # the mode's default
    assert TrainConfig.from_dict({}) == config
    assert TrainConfig.from_dict({"threshold": "default", "seed": "7"}).seed == 7
    assert TrainConfig.from_dict({"depth": "3.0", "lr": " 0.1 "}).depth == 3


def test_replace_validates_and_default_task_fits():
    config = TrainConfig().replace(model="mlp", task=default_task("mlp"))
    assert config.task in ("regression", "spirals")
    assert default_task("gru") in ("adding", "first-value")
    with pytest.raises(ConfigError):
        TrainConfig().replace(lr=-1.0)


# (changes, field named, text that says what is allowed)
BAD = [
    ({"depth": 0}, "depth", "allowed 1 to 24"),
    ({"width": 1000}, "width", "allowed 4 to 256"),
    ({"seq_len": 2}, "seq_len", "allowed 5 to 200"),
    ({"batch_size": 0}, "batch_size", "allowed 1 to 1024"),
    ({"init_scale": 0.0}, "init_scale", "allowed 0.01 to 100"),
    ({"lr": 0.0}, "lr", "allowed 1e-05 to 10"),
    ({"lr": 50.0}, "lr", "out of range"),
    ({"lr": math.nan}, "lr", "not a finite number"),
    ({"lr": math.inf}, "lr", "not a finite number"),
    ({"momentum": 1.0}, "momentum", "allowed 0 to 0.99"),
    ({"threshold": 0.0}, "threshold", "e.g. 1"),
    ({"threshold": -1.0}, "threshold", "allowed 1e-06 to 1000000"),
    ({"seed": -1}, "seed", "allowed 0 to 2147483647"),
    ({"depth": 2.5}, "depth", "not a whole number"),
    ({"depth": "4"}, "depth", "not a whole number"),
    ({"depth": True}, "depth", "not a whole number"),
    ({"lr": "fast"}, "lr", "not a finite number"),
    ({"model": "cnn"}, "model", "choose one of mlp, rnn, lstm, gru"),
    ({"optimizer": "rmsprop"}, "optimizer", "choose one of sgd, adam"),
    ({"clip_mode": "harder"}, "clip_mode", "choose one of none, norm, value"),
    ({"device": "tpu"}, "device", "choose one of auto, cpu, cuda, mps"),
    ({"norm_type": "1"}, "norm_type", "choose one of 2, inf"),
    ({"task": "mnist"}, "task", "choose one of adding"),
    ({"model": "mlp"}, "task", "'adding' does not fit model 'mlp'; use regression or spirals"),
    ({"task": "spirals"}, "task", "use adding or first-value"),
    ({"activation": "sigmoid"}, "activation", "for rnn; choose one of tanh, relu"),
    (
        {"model": "mlp", "task": "regression", "activation": "gelu"},
        "activation",
        "choose one of tanh, relu, sigmoid",
    ),
]


@pytest.mark.parametrize(("changes", "field", "allowed"), BAD)
def test_a_bad_value_names_the_field_and_what_is_allowed(changes, field, allowed):
    with pytest.raises(ConfigError) as caught:
        TrainConfig(**changes)
    names = [name for name, _ in caught.value.problems]
    assert field in names
    message = dict(caught.value.problems)[field]
    assert allowed in message
    assert f"{field}: {message}" in str(caught.value)


def test_every_problem_is_reported_at_once():
    with pytest.raises(ConfigError) as caught:
        TrainConfig(depth=0, lr=math.nan, model="cnn")
    assert {"depth", "lr", "model"} <= {name for name, _ in caught.value.problems}


# (dict from a URL or a preset, field named, text)
BAD_DICTS = [
    ({"depht": "4"}, "depht", "unknown setting; allowed: model, task, depth"),
    ({"depth": "four"}, "depth", "'four' is not a whole number (allowed 1 to 24, e.g. 4)"),
    ({"depth": "1.5"}, "depth", "not a whole number"),
    ({"seed": "nan"}, "seed", "not a whole number"),
    ({"lr": "nan"}, "lr", "not a finite number"),
    ({"lr": "1e-9"}, "lr", "out of range (allowed 1e-05 to 10, e.g. 0.05)"),
    ({"threshold": "abc"}, "threshold", "'abc' is not a number (allowed 1e-06 to 1000000"),
    ({"model": "MLP", "task": "adding"}, "task", "does not fit model 'mlp'"),
    ({"activation": "gelu"}, "activation", "choose one of tanh, relu"),
]


@pytest.mark.parametrize(("values", "field", "text"), BAD_DICTS)
def test_from_dict_explains_bad_strings(values, field, text):
    with pytest.raises(ConfigError) as caught:
        TrainConfig.from_dict(values)
    problems = dict(caught.value.problems)
    assert field in problems and text in problems[field]


def test_from_dict_reports_every_unparsable_value_together():
    with pytest.raises(ConfigError) as caught:
        TrainConfig.from_dict({"depth": "x", "lr": "y", "seed": "z"})
    assert [name for name, _ in caught.value.problems] == ["depth", "lr", "seed"]
