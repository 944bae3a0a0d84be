"""Huge but finite weights and updates are measured without overflow (float32 squares overflow
past 1.8e19) and without NumPy warnings."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from gradclip_core.config import TrainConfig
from gradclip_core.trainer import Trainer


def _exact_norm(params) -> float:
    return float(np.sqrt(sum(np.square(p.detach().double().numpy()).sum() for p in params)))


@pytest.mark.parametrize("scale", [1e20, 1e30])
def test_huge_weights_are_measured_exactly_and_quietly(scale):
    trainer = Trainer(TrainConfig(model="mlp", task="regression", width=8, depth=2, lr=1e-5))
    with torch.no_grad():
        trainer.params[0].mul_(scale)  # finite, but its square is not a float32
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trainer.run(3)
        frame = trainer.to_frame()
    assert np.isfinite(frame["weight_norm"]).all()
    assert frame["weight_norm"].iloc[-1] == pytest.approx(_exact_norm(trainer.params), rel=1e-6)


def test_huge_gradients_and_the_updates_they_make_are_measured_exactly():
    # Readout weights of 7e9 make gradients near 1e19: updates of lr * g overflow a float32
    # square (past 1.8e19), so the run squares in float64 from then on.
    trainer = Trainer(TrainConfig(model="mlp", task="regression", width=8, depth=2, lr=10.0))
    with torch.no_grad():
        trainer.model.head.weight.mul_(7e9)
    before = [p.detach().clone() for p in trainer.params]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trainer.step()
        frame = trainer.to_frame()
    assert frame["grad_norm"].iloc[0] > 1e14
    update = _exact_norm([p - b for p, b in zip(trainer.params, before, strict=True)])
    assert update > 1e19 and frame["update_norm"].iloc[0] == pytest.approx(update, rel=1e-6)
