"""One step taken apart: the stages' numbers are the run's own, and the loop code is true."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch

from gradclip_core import TrainConfig, Trainer, clip_gradients
from gradclip_core.clipping import DEFAULT_THRESHOLDS
from gradclip_core.presets import load_presets
from gradclip_core.step_code import training_loop
from gradclip_core.step_inside import STAGES, take_apart

MODES = tuple(DEFAULT_THRESHOLDS)
PRESETS = load_presets()


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # the app's thread count


def _state(trainer: Trainer):
    weights = [p.detach().clone() for p in trainer.params]
    opt = copy.deepcopy(trainer.optimizer.state_dict())
    return weights, opt, trainer.steps_done, trainer.autoclip_history.count


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("model", ["rnn", "lstm", "gru", "mlp"])
def test_the_stages_are_the_numbers_of_the_runs_own_next_step(model, mode):
    task = "regression" if model == "mlp" else "first-value"
    config = TrainConfig(
        model=model,
        task=task,
        clip_mode=mode,
        seq_len=12,
        width=16,
        depth=3,
        optimizer="adam" if model == "gru" else "sgd",
        momentum=0.9,
        lr=0.05,
        seed=3,
    )
    trainer = Trainer(config)
    trainer.run(5)
    inside = take_apart(trainer)
    trainer.step()
    h = trainer.history
    row = {name: h.column(name)[-1] for name in ("step", "loss", "grad_norm", "update_norm")}
    assert inside.step == row["step"] == 6
    assert inside.loss == pytest.approx(row["loss"], rel=1e-6)
    assert inside.torch_norm == pytest.approx(row["grad_norm"], rel=1e-6)
    np.testing.assert_allclose(inside.grad_before, h.layer_matrix("grad_norm")[-1], rtol=1e-5)
    np.testing.assert_allclose(
        inside.grad_after, h.layer_matrix("clipped_grad_norm")[-1], rtol=1e-4, atol=1e-12
    )
    assert np.sqrt(np.square(inside.update).sum()) == pytest.approx(row["update_norm"], rel=1e-4)
    assert inside.clipped == bool(h.column("clipped")[-1])
    if mode in ("none", "norm", "autoclip"):
        assert inside.cosine == pytest.approx(1.0, abs=1e-6)  # one factor keeps the direction


def test_taking_a_step_apart_leaves_the_run_as_it_was():
    trainer = Trainer(PRESETS["healthy"].config)
    trainer.run(7)
    weights, opt, steps, seen = _state(trainer)
    take_apart(trainer)
    take_apart(trainer, mode="agc", threshold=0.05)
    after_weights, after_opt, after_steps, after_seen = _state(trainer)
    assert all(torch.equal(a, b) for a, b in zip(weights, after_weights, strict=True))
    assert after_steps == steps and after_seen == seen
    for key, state in opt["state"].items():
        for name, value in state.items():
            assert torch.equal(
                torch.as_tensor(value), torch.as_tensor(after_opt["state"][key][name])
            )


def test_another_mode_clips_the_same_gradient_without_changing_the_run():
    trainer = Trainer(PRESETS["exploding-rnn"].config)
    trainer.run(12)
    raw = take_apart(trainer)
    norm = take_apart(trainer, mode="norm", threshold=1.0)
    value = take_apart(trainer, mode="value", threshold=0.1)
    assert trainer.mode == "none"
    np.testing.assert_array_equal(raw.grad_before, norm.grad_before)
    assert raw.coef == 1.0 and not raw.clipped
    total_after = np.sqrt(np.square(norm.grad_after).sum())
    assert total_after == pytest.approx(1.0, rel=1e-5)  # the cap holds
    assert norm.cosine == pytest.approx(1.0, abs=1e-6)
    assert value.cosine < 0.999  # clamping entries one by one turns the gradient


def test_the_step_where_the_flagship_run_diverged_shows_the_norm_overflow():
    trainer = Trainer(PRESETS["exploding-rnn"].config)
    trainer.run(200)
    assert trainer.diverged and trainer.divergence.step == 34
    inside = take_apart(trainer)
    assert inside.diverged and inside.step == 34
    assert inside.nonfinite.sum() == 0  # every entry finite
    assert math.isinf(inside.torch_norm) and inside.norm_overflowed
    assert inside.true_norm == pytest.approx(trainer.divergence.true_norm, rel=1e-6)
    assert inside.max_abs_grad == pytest.approx(trainer.divergence.max_abs_grad, rel=1e-6)
    assert "float32" in inside.first_inf
    assert inside.skipped and not inside.update.any()
    # The same step clipped by norm: torch's factor is threshold / inf = 0, so every gradient
    # becomes 0 and the step moves nothing (momentum 0 here).
    zeroed = take_apart(trainer, mode="norm", threshold=1.0)
    assert not zeroed.grad_after.any() and zeroed.skipped


def test_the_deep_mlp_overflows_in_the_forward_pass_where_the_diagnosis_says():
    trainer = Trainer(PRESETS["deep-mlp-nan"].config)
    trainer.run(20)
    inside = take_apart(trainer)
    assert inside.step == trainer.divergence.step == 3
    assert trainer.divergence.where == "forward"
    first_bad = inside.forward_names[int(np.flatnonzero(~inside.forward_finite)[0])]
    assert first_bad == trainer.divergence.layer
    assert first_bad in inside.first_inf and inside.skipped


def test_backpropagation_through_time_grows_back_to_the_first_step_at_the_start():
    """exploding-rnn's recurrent matrix has spectral radius 1.3: at step 1 the gradient that
    reaches the first hidden state is several times the one at the last."""
    inside = take_apart(Trainer(PRESETS["exploding-rnn"].config))
    grad_t = inside.grad_over_time
    assert len(grad_t) == PRESETS["exploding-rnn"].config.seq_len
    assert grad_t[0] > 3 * grad_t[-1]
    assert inside.hidden_over_time.max() <= math.sqrt(PRESETS["exploding-rnn"].config.width)


def _run_loop(mode: str, threshold: float, optimizer: str, model, batch) -> list[torch.Tensor]:
    code = "\n".join(line.text for line in training_loop(mode, threshold, optimizer, lr=0.1))
    scope = {
        "torch": torch,
        "model": model,
        "loss_fn": torch.nn.functional.mse_loss,
        "batches": [batch],
    }
    exec(code, scope)  # noqa: S102 - the app's own generated code, under test
    return [p.detach().clone() for p in model.parameters()]


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("mode", MODES)
def test_the_loop_shown_runs_and_clips_as_the_engine_does(mode, optimizer):
    gen = torch.Generator().manual_seed(0)
    base = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    x, y = torch.randn(16, 4, generator=gen) * 30, torch.randn(16, 1, generator=gen)
    threshold = {
        "none": math.nan,
        "norm": 0.5,
        "value": 0.05,
        "layer-norm": 0.3,
        "agc": 0.01,
        "autoclip": 50.0,
    }[mode]
    shown = _run_loop(mode, threshold, optimizer, copy.deepcopy(base), (x, y))
    engine = copy.deepcopy(base)
    opt = (torch.optim.Adam if optimizer == "adam" else torch.optim.SGD)(
        engine.parameters(), lr=0.1
    )
    opt.zero_grad()
    torch.nn.functional.mse_loss(engine(x), y).backward()
    record = clip_gradients(list(engine.parameters()), mode, None if mode == "none" else threshold)
    opt.step()
    for a, b in zip(shown, engine.parameters(), strict=True):
        torch.testing.assert_close(a, b.detach(), rtol=1e-6, atol=1e-7)
    if mode != "none":
        assert bool(record.clipped)  # the example really clips, so the test can tell


def test_every_stage_has_its_lines_of_code():
    for mode in MODES:
        stages = {line.stage for line in training_loop(mode, 1.0)}
        assert set(STAGES) <= stages
