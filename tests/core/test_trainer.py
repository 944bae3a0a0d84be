"""The trainer: deterministic, live-tunable, measured right, bounded, and safe when it diverges."""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest
import torch
from torch.nn.utils import clip_grad_norm_

from gradclip_core.clipping import DEFAULT_THRESHOLDS
from gradclip_core.history import LAYER_STATS, SCALARS
from gradclip_core.trainer import Trainer, _torch_norm_factor

MODES = tuple(DEFAULT_THRESHOLDS)


# ---- determinism and columns ---------------------------------------------------------------
@pytest.mark.parametrize(
    "changes",
    [
        {"model": "rnn", "clip_mode": "norm", "threshold": 0.5},
        {"model": "gru", "clip_mode": "autoclip", "optimizer": "adam", "lr": 0.01},
        {"clip_mode": "value", "threshold": 0.05, "momentum": 0.9},
        {"task": "spirals", "clip_mode": "agc"},
    ],
)
def test_same_config_and_seed_give_identical_numbers(small_config, changes):
    config = small_config(**changes)
    first = Trainer(config).run(25).to_frame()
    again = Trainer(config).run(25).to_frame()
    pd.testing.assert_frame_equal(first, again, check_exact=True)
    other = Trainer(config.replace(seed=1)).run(25).to_frame()
    assert not np.array_equal(first["loss"], other["loss"])


def test_records_every_scalar_per_layer_columns_and_the_mode(small_config):
    trainer = Trainer(small_config(model="rnn")).run(5)
    frame = trainer.to_frame()
    per_layer = [f"{s}[{name}]" for s in LAYER_STATS for name in trainer.layer_names]
    assert set(frame.columns) == {*SCALARS, *per_layer, "mode"}
    assert frame["step"].tolist() == [1, 2, 3, 4, 5]
    assert (frame["mode"] == "none").all()
    assert np.isfinite(frame["spectral_radius"]).all()  # a vanilla RNN has one
    assert np.isnan(Trainer(small_config()).run(2).to_frame()["spectral_radius"]).all()


def test_numbers_match_a_hand_written_step(small_config):
    config = small_config(clip_mode="norm", threshold=0.5)
    trainer = Trainer(config)
    model = copy.deepcopy(trainer.model)  # same weights, trained by hand below
    params = list(model.parameters())
    before = [p.detach().clone() for p in params]
    trainer.step()
    row = trainer.to_frame().iloc[0]

    batch = trainer.task.sample(0)
    loss = trainer.task.loss(model(batch.x), batch)
    loss.backward()
    layer_of = model.layer_of_parameters()
    layer_grads = np.sqrt(np.bincount(layer_of, [float(p.grad.norm()) ** 2 for p in params]))
    total = clip_grad_norm_(params, 0.5)
    layer_clipped = np.sqrt(np.bincount(layer_of, [float(p.grad.norm()) ** 2 for p in params]))
    torch.optim.SGD(params, lr=config.lr).step()
    update = math.sqrt(
        sum(float((p.detach() - b).norm()) ** 2 for p, b in zip(params, before, strict=True))
    )
    weight = math.sqrt(sum(float(p.detach().norm()) ** 2 for p in params))

    assert row["loss"] == loss.item() and row["grad_norm"] == float(total)  # same bits
    assert bool(row["clipped"]) and row["threshold"] == 0.5 and row["lr"] == config.lr
    assert row["clipped_grad_norm"] == pytest.approx(0.5, rel=1e-5)
    assert row["update_norm"] == pytest.approx(update, rel=1e-5)
    assert row["weight_norm"] == pytest.approx(weight, rel=1e-5)
    assert row["update_ratio"] == pytest.approx(update / weight, rel=1e-5)
    for stat, expected in (("grad_norm", layer_grads), ("clipped_grad_norm", layer_clipped)):
        got = [row[f"{stat}[{name}]"] for name in trainer.layer_names]
        np.testing.assert_allclose(got, expected, rtol=1e-5)
    for p, q in zip(trainer.params, params, strict=True):
        assert torch.equal(p, q)  # the engine's step is the hand-written step


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_many_steps_match_a_loop_with_torchs_default_optimizer(small_config, optimizer):
    # The engine's optimizer runs foreach (one call for all tensors): same weights, bit for bit.
    config = small_config(optimizer=optimizer, momentum=0.9, clip_mode="norm", threshold=0.5)
    trainer = Trainer(config)
    model = copy.deepcopy(trainer.model)
    params = list(model.parameters())
    if optimizer == "adam":
        by_hand = torch.optim.Adam(params, lr=config.lr)
    else:
        by_hand = torch.optim.SGD(params, lr=config.lr, momentum=0.9)
    for step in range(30):
        trainer.step()
        batch = trainer.task.sample(step)
        by_hand.zero_grad()
        trainer.task.loss(model(batch.x), batch).backward()
        clip_grad_norm_(params, 0.5)
        by_hand.step()
    for p, q in zip(trainer.params, params, strict=True):
        assert torch.equal(p, q)


@pytest.mark.parametrize(
    ("optimizer", "momentum", "from_grads"),
    [("sgd", 0.0, True), ("sgd", 0.9, False), ("adam", 0.0, False)],
)
def test_update_norms_are_the_weights_change(small_config, optimizer, momentum, from_grads):
    # Plain SGD's update norms are derived from the clipped gradients (lr * |g|), the others
    # measured on the weights: both must be what the weights really did, layer by layer,
    # through a change of mode and of learning rate.
    config = small_config(optimizer=optimizer, momentum=momentum, clip_mode="norm", threshold=0.5)
    trainer = Trainer(config)
    assert trainer._meter.update_from_grads is from_grads
    layer_of = np.asarray(trainer.model.layer_of_parameters())
    changes = []
    for step in range(24):
        if step == 12:
            trainer.set_clip("agc", 0.05)
            trainer.set_lr(config.lr / 3)
        before = [p.detach().clone() for p in trainer.params]
        trainer.step()
        squares = [
            float((p.detach() - b).double().square().sum())
            for p, b in zip(trainer.params, before, strict=True)
        ]
        changes.append(np.sqrt(np.bincount(layer_of, squares)))
    h = trainer.history
    weights = np.sqrt(
        np.bincount(layer_of, [float(p.detach().double().square().sum()) for p in trainer.params])
    )
    np.testing.assert_allclose(h.layer_matrix("update_ratio")[-1], changes[-1] / weights, rtol=1e-4)
    np.testing.assert_allclose(
        h.column("update_norm"), np.linalg.norm(np.array(changes), axis=1), rtol=1e-4
    )


@pytest.mark.parametrize("sync_every", [1, 7, 256])
def test_plain_sgd_weight_norms_are_each_steps_weights(small_config, sync_every):
    # Plain SGD keeps each step's weights in a ring and squares them a block at a time: every
    # step's norms must be that step's weights, whatever the read-back and the ring's turns.
    trainer = Trainer(small_config(clip_mode="norm", threshold=0.5), sync_every=sync_every)
    ring = trainer._meter._ring
    assert trainer._meter.update_from_grads and 2 < len(ring) < 40 and ring.numel() * 8 <= 2**20
    layer_of = np.asarray(trainer.model.layer_of_parameters())
    expected = []
    for _ in range(40):
        trainer.step()
        squares = [float(p.detach().double().square().sum()) for p in trainer.params]
        expected.append(np.sqrt(np.bincount(layer_of, squares)))
    h = trainer.history
    np.testing.assert_allclose(h.column("weight_norm"), np.linalg.norm(expected, axis=1), rtol=1e-6)
    updates = h.layer_matrix("update_ratio") * np.array(expected)  # per layer, back to norms
    assert np.isfinite(updates).all() and (updates > 0).all()


def test_the_weight_ring_stays_small_for_the_largest_model(small_config):
    trainer = Trainer(small_config(depth=24, width=256))
    # One float64 row, squared every step: the float32 scratch of both rows that the other
    # optimizers square into takes as much.
    ring, weights = trainer._meter._ring, sum(p.numel() for p in trainer.params)
    assert ring.shape == (1, weights) and ring.dtype == torch.float64
    trainer.run(5)
    assert len(trainer.history) == 5 and np.isfinite(trainer.history.column("weight_norm")).all()


def test_the_host_computes_torchs_clip_factor_bit_for_bit():
    # The trainer derives clip-by-norm's per-tensor norms after on the host (cheaper than
    # four tensor ops a step); the factor must be the one clip_grads_with_norm_ applied.
    rng = np.random.default_rng(0)
    norms = np.concatenate([rng.lognormal(0.0, 4.0, 300), 1.0 + rng.normal(0.0, 1e-6, 300)])
    norms = np.append(norms, [0.0, 1.0, np.inf, np.nan]).astype(np.float32)
    for threshold in (1e-3, 0.1, 1.0, 3.7):
        torch_factor = [(threshold / (torch.tensor(n) + 1e-6)).clamp(max=1.0).item() for n in norms]
        ours = _torch_norm_factor(norms.astype(float), np.full(len(norms), np.float32(threshold)))
        np.testing.assert_array_equal(ours, np.float32(torch_factor))


# ---- live controls ------------------------------------------------------------------------
def test_mode_threshold_and_lr_change_between_steps_without_restart(small_config):
    trainer = Trainer(small_config()).run(10)
    model = trainer.model
    trainer.set_clip("norm", 0.05)
    trainer.set_lr(0.01)
    trainer.run(10)
    trainer.set_clip("value")  # None: the mode's default
    trainer.run(5)
    frame = trainer.to_frame()
    assert trainer.model is model and frame["step"].tolist() == list(range(1, 26))
    assert frame["mode"].tolist() == ["none"] * 10 + ["norm"] * 10 + ["value"] * 5
    assert frame["lr"].tolist() == [0.05] * 10 + [0.01] * 15
    norm = frame[frame["mode"] == "norm"]
    assert (norm["threshold"] == np.float32(0.05)).all() and norm["clipped"].all()
    assert (norm["clipped_grad_norm"] <= 0.05 * (1 + 1e-5)).all()
    assert (frame[frame["mode"] == "value"]["threshold"] == np.float32(0.1)).all()
    assert np.isnan(frame["threshold"][:10]).all()
    with pytest.raises(ValueError, match="choose one of"):
        trainer.set_clip("harder")


def test_cosine_is_one_for_norm_clipping_and_below_one_for_value_clipping(small_config):
    by_norm = Trainer(small_config(clip_mode="norm", threshold=0.05)).run(10).to_frame()
    assert by_norm["clipped"].all() and (by_norm["cosine"] == 1.0).all()
    by_value = Trainer(small_config(clip_mode="value", threshold=0.01)).run(10).to_frame()
    assert by_value["clipped"].all() and (by_value["cosine"] < 0.999).all()


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_trains_and_records_its_threshold(small_config, mode):
    frame = Trainer(small_config(model="lstm", clip_mode=mode)).run(12).to_frame()
    assert np.isfinite(frame["loss"]).all() and (frame["mode"] == mode).all()
    if mode == "none":
        assert not frame["clipped"].any() and (frame["clip_coef"] == 1.0).all()
    elif mode != "autoclip":
        assert (frame["threshold"] == np.float32(DEFAULT_THRESHOLDS[mode])).all()
    assert (frame["clipped_grad_norm"] <= frame["grad_norm"] * (1 + 1e-6)).all()


# ---- read-back and memory -----------------------------------------------------------------


def test_memory_stays_bounded_and_the_biggest_spike_survives(preset_config):
    config = preset_config("spiky-tanh-rnn", seq_len=20)
    full = Trainer(config).run(120).to_frame()
    small = Trainer(config, history_capacity=8).run(120)
    kept = small.to_frame()
    assert len(small.history) <= 8 and small.steps_done == 120
    assert np.all(np.diff(kept["step"]) > 0)
    assert full["grad_norm"].max() in kept["grad_norm"].tolist()
    lookup = full.set_index("step").loc[kept["step"]]
    np.testing.assert_array_equal(lookup["loss"].to_numpy(), kept["loss"].to_numpy())


def test_a_deep_copy_trains_on_like_the_original(small_config):
    original = Trainer(small_config(clip_mode="norm", threshold=0.1)).run(5)
    twin = copy.deepcopy(original)
    pd.testing.assert_frame_equal(
        original.run(10).to_frame(), twin.run(10).to_frame(), check_exact=True
    )


# ---- divergence -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["exploding-rnn", "deep-mlp-nan"])
def test_divergence_is_caught_before_the_update(preset_run, preset_config, name):
    trainer = preset_run(name, 100)
    d = trainer.divergence
    assert trainer.diverged and trainer.status == "diverged"
    assert isinstance(d.step, int) and 1 <= d.step <= 100
    assert trainer.steps_done == d.step
    assert d.layer in trainer.layer_names
    assert f"diverged at step {d.step}" in d.reason and str(d) == d.reason
    frame = trainer.to_frame()
    assert frame["step"].iloc[-1] == d.step
    assert not (
        math.isfinite(frame["loss"].iloc[-1]) and math.isfinite(frame["grad_norm"].iloc[-1])
    )
    # The last finite norm is the step before's, as recorded.
    assert d.last_finite_step == d.step - 1
    assert d.last_finite_norm == frame["grad_norm"].iloc[-2]
    # Weights: finite, and exactly those the failing step started from.
    assert all(torch.isfinite(p).all() for p in trainer.params)
    before = Trainer(preset_config(name)).run(d.step - 1)
    assert not before.diverged
    for p, q in zip(trainer.params, before.params, strict=True):
        assert torch.equal(p, q)


def test_a_diverged_run_stays_stopped(preset_run):
    trainer = copy.deepcopy(preset_run("deep-mlp-nan", 100))
    rows = len(trainer.history)
    trainer.step()
    trainer.run(10)
    assert trainer.run_for(0.05) == 0
    assert len(trainer.history) == rows and trainer.steps_done == trainer.divergence.step


def test_last_finite_norm_survives_a_tiny_history(preset_config, preset_run):
    full = preset_run("exploding-rnn", 100).divergence
    tiny = Trainer(preset_config("exploding-rnn"), history_capacity=4).run(100)
    assert len(tiny.history) <= 4
    assert tiny.divergence.step == full.step
    assert tiny.divergence.step in tiny.history.column("step")
    assert (tiny.divergence.last_finite_step, tiny.divergence.last_finite_norm) == (
        full.last_finite_step,
        full.last_finite_norm,
    )


def test_run_for_and_repr(small_config):
    trainer = Trainer(small_config())
    assert trainer.status == "ready" and "ready" in repr(trainer)
    taken = trainer.run_for(10.0, max_steps=7)
    assert taken == 7 == trainer.steps_done == len(trainer.history)
    assert "step 7" in repr(trainer) and trainer.status == "trained"
    assert trainer.lr == 0.05
