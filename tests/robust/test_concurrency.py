"""Runs built at once equal runs built alone: every random draw comes from the run's generator.

Streamlit runs every session in a thread of one process, and torch's global generator is
shared by all of them. Seeding it per run (``fork_rng`` + ``manual_seed``) let runs built at
the same moment take each other's draws (DESIGN.md, Live pages); these tests build and step
many runs in threads at once, with torch's global generator being drawn from meanwhile.
"""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import torch
from torch import nn

from gradclip_core import models
from gradclip_core.config import TrainConfig
from gradclip_core.trainer import Trainer

STEPS = 6


def _configs() -> list[TrainConfig]:
    """32 small runs: every model, several clipping modes and seeds (AutoClip included)."""
    out = []
    kinds = itertools.cycle(["mlp", "rnn", "lstm", "gru"])
    modes = itertools.cycle(["none", "norm", "value", "autoclip", "agc", "layer-norm"])
    for seed in range(32):
        model = next(kinds)
        task = "regression" if model == "mlp" else "adding"
        out.append(
            TrainConfig(
                model=model,
                task=task,
                width=16,
                depth=3,
                seq_len=12,
                batch_size=8,
                init_scale=1.5,
                clip_mode=next(modes),
                seed=seed % 5,
                device="cpu",
            )
        )
    return out


def _result(config: TrainConfig, barrier: threading.Barrier | None = None):
    if barrier is not None:
        barrier.wait()  # every thread builds its model at the same moment
    trainer = Trainer(config)
    weights = [p.detach().clone() for p in trainer.params]
    trainer.run(STEPS)
    return weights, trainer.to_frame(), [p.detach().clone() for p in trainer.params]


def _noise(stop: threading.Event) -> None:
    # Another session drawing from torch's global generator the whole time.
    while not stop.is_set():
        torch.rand(64)
        torch.manual_seed(12345)


def test_32_runs_built_and_stepped_in_threads_equal_the_same_runs_built_alone():
    configs = _configs()
    alone = [_result(c) for c in configs]
    stop = threading.Event()
    noise = threading.Thread(target=_noise, args=(stop,), daemon=True)
    noise.start()
    barrier = threading.Barrier(len(configs))
    try:
        with ThreadPoolExecutor(max_workers=len(configs)) as pool:
            together = list(pool.map(lambda c: _result(c, barrier), configs))
    finally:
        stop.set()
        noise.join()
    for config, (w0, frame, w1), (v0, other, v1) in zip(configs, alone, together, strict=True):
        assert all(torch.equal(a, b) for a, b in zip(w0, v0, strict=True)), config
        pd.testing.assert_frame_equal(frame, other, check_exact=True)
        assert all(torch.equal(a, b) for a, b in zip(w1, v1, strict=True)), config


def test_the_init_is_pytorchs_default_seeded_as_before():
    # The answer key: the same modules built from torch's global generator after
    # manual_seed(seed), then scaled as the engine scales them. Links shared before this
    # change keep giving the same runs.
    for model, seed in itertools.product(["mlp", "rnn", "lstm", "gru"], [0, 3]):
        task = "regression" if model == "mlp" else "adding"
        config = TrainConfig(model=model, task=task, width=16, depth=3, seed=seed, init_scale=1.3)
        n_in = 8 if model == "mlp" else 2
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            if model == "mlp":
                expected = models.MLP(n_in, 1, 3, 16, "tanh")
            else:
                expected = models.SequenceNet(model, n_in, 1, 16, "tanh")
            _scale_with_global_generator(expected, 1.3)
        got = models.build_model(config, n_in, 1)
        want, have = expected.state_dict(), got.state_dict()
        assert list(want) == list(have)
        for name in want:
            assert torch.equal(want[name], have[name]), (model, seed, name)


@torch.no_grad()
def _scale_with_global_generator(model: nn.Module, scale: float) -> None:
    if isinstance(model, models.SequenceNet):
        w_hh = model.recurrent_weight
        for block in w_hh.split(w_hh.shape[1], dim=0):
            nn.init.orthogonal_(block, gain=scale)
        model.rnn.weight_ih_l0.mul_(scale)
        model.head.weight.mul_(scale)
    else:
        for layer in [*model.hidden, model.head]:
            layer.weight.mul_(scale)


def test_building_a_run_leaves_torchs_global_generator_alone():
    torch.manual_seed(99)
    expected = torch.rand(5)
    torch.manual_seed(99)
    Trainer(TrainConfig(model="lstm", width=16, seq_len=8, device="cpu")).run(3)
    assert np.array_equal(torch.rand(5).numpy(), expected.numpy())
