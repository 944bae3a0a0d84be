"""Shared helpers for the engine tests: seeded gradients, small configs, cached preset runs.

They are handed out as fixtures (``make_params``, ``clone_params``, ``small_config``,
``preset_config``, ``preset_run``) rather than imported, so no test depends on which
``conftest`` module Python saw last.
"""

from __future__ import annotations

import functools

import pytest
import torch

from gradclip_core.classroom import ClassStore
from gradclip_core.config import TrainConfig
from gradclip_core.presets import get_preset
from gradclip_core.trainer import Trainer
from tests.postgres_fixture import db_url, make_engine, postgres_server  # noqa: F401

# Small models spend more time waking threads than computing (DESIGN.md: 1 thread is ~80x
# faster for the playground's sizes); this also keeps the suite fast on a 2-core machine.
torch.set_num_threads(1)


def _make_params(
    seed: int = 0,
    shapes: tuple[tuple[int, ...], ...] = ((8, 5), (8,), (3, 8), (3,)),
    grad_scale: float = 1.0,
    weight_scale: float = 1.0,
) -> list[torch.Tensor]:
    """Leaf tensors with seeded weights and gradients (a model after ``backward``)."""
    gen = torch.Generator().manual_seed(seed)
    params = []
    for shape in shapes:
        p = (weight_scale * torch.randn(shape, generator=gen)).requires_grad_()
        p.grad = grad_scale * torch.randn(shape, generator=gen)
        params.append(p)
    return params


def _clone_params(params: list[torch.Tensor]) -> list[torch.Tensor]:
    """Independent copies, gradients included, so two clippers can work on the same input."""
    out = []
    for p in params:
        q = p.detach().clone().requires_grad_()
        q.grad = None if p.grad is None else p.grad.clone()
        out.append(q)
    return out


def _small_config(**changes) -> TrainConfig:
    """A fast run: small MLP on regression (or a short-sequence RNN when model says so)."""
    base = {"model": "mlp", "task": "regression", "depth": 2, "width": 16, "batch_size": 16}
    if changes.get("model", "mlp") != "mlp":
        base = {"task": "adding", "width": 16, "seq_len": 10, "batch_size": 16}
    return TrainConfig(**{**base, **changes, "device": "cpu"})


def _preset_config(name: str, **changes) -> TrainConfig:
    """A preset's config on the CPU, with some fields changed."""
    return get_preset(name).config.replace(device="cpu", **changes)


@functools.cache
def _preset_run(name: str, steps: int, changes: tuple) -> Trainer:
    return Trainer(_preset_config(name, **dict(changes))).run(steps)


def _preset_run_cached(name: str, steps: int | None = None, **changes) -> Trainer:
    """A preset trained for ``steps`` (default: the preset's own), cached for the session.

    Callers must not step the returned trainer further: other tests share it.
    """
    steps = get_preset(name).steps if steps is None else steps
    return _preset_run(name, steps, tuple(sorted(changes.items())))


@pytest.fixture(scope="session")
def make_params():
    return _make_params


@pytest.fixture(scope="session")
def clone_params():
    return _clone_params


@pytest.fixture(scope="session")
def small_config():
    return _small_config


@pytest.fixture(scope="session")
def preset_config():
    return _preset_config


@pytest.fixture(scope="session")
def preset_run():
    return _preset_run_cached


@pytest.fixture
def params() -> list[torch.Tensor]:
    """Four tensors (two layers' weights and biases) with seeded gradients."""
    return _make_params()


@pytest.fixture
def engine(db_url, make_engine):  # noqa: F811
    """A database engine on each backend: a SQLite file, and PostgreSQL (tests/postgres_fixture)."""
    return make_engine(db_url)


@pytest.fixture
def store(engine):
    """A class store on ``engine``."""
    return ClassStore(engine)
