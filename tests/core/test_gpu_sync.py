"""On CUDA the training loop never waits for the GPU between read-backs: no step makes a
device-to-host synchronisation; metrics come back every ``sync_every`` steps.

Counted with ``torch.cuda.set_sync_debug_mode("error")``, which raises on any synchronising
call. Runs where a CUDA device exists; skips elsewhere (this project's CI machines have none).
"""

from __future__ import annotations

import pytest
import torch

from gradclip_core import TrainConfig, Trainer
from gradclip_core.clipping import DEFAULT_THRESHOLDS

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.mark.parametrize("mode", tuple(DEFAULT_THRESHOLDS))
@pytest.mark.parametrize("model", ["rnn", "lstm", "mlp"])
def test_steps_between_read_backs_make_no_synchronisation(model, mode):
    task = "regression" if model == "mlp" else "first-value"
    config = TrainConfig(model=model, task=task, clip_mode=mode, device="cuda", seq_len=12)
    trainer = Trainer(config, sync_every=16)
    trainer.step()  # the first step allocates and warms up (not what is measured)
    trainer.sync()
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        for _ in range(15):  # the 16th pending step would read back: stop before it
            trainer.step()
    finally:
        torch.cuda.set_sync_debug_mode("default")
    # Nothing read back yet (``history`` would read back: look behind it).
    assert len(trainer._history) == 1 and len(trainer._pending) == 15
    assert trainer.steps_done == 16
    trainer.sync()  # the read-back: one synchronisation for the batch
    assert len(trainer._history) == 16 and not trainer._pending
