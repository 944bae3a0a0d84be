"""The trainer's device path: metrics read back in batches, finiteness checked on the device
(tested on the CPU, so machines without a GPU run it), few kernel launches, and on CUDA no
synchronisation between read-backs."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from gradclip_core.device import DeviceError, available_devices, resolve_device
from gradclip_core.tasks import Batch
from gradclip_core.trainer import Trainer


def test_batched_read_back_gives_the_same_records(small_config):
    def run(sync_every: int) -> Trainer:
        trainer = Trainer(
            small_config(model="rnn", clip_mode="norm", threshold=0.2), sync_every=sync_every
        )
        trainer.run(10)
        trainer.set_clip("layer-norm", 0.2)  # a batch mixing rows of two modes
        trainer.run(10)
        trainer.set_clip("norm", 0.5)
        return trainer

    every_step, batched = run(1), run(7)
    for _ in range(3):
        batched.step()
    assert len(batched.history) == 23  # reading the history reads back what is pending
    every_step.run(10)
    pd.testing.assert_frame_equal(
        batched.run(7).to_frame(), every_step.to_frame(), check_exact=True
    )


# The GPU's path (finiteness checked on the device, metrics read back in batches, a dead step
# undone on the device) run on the CPU, so it is tested on machines without a GPU.
@pytest.mark.parametrize("mode", ["norm", "value", "agc", "autoclip"])
def test_the_deferred_path_records_what_the_eager_path_records(small_config, mode):
    config = small_config(model="rnn", clip_mode=mode)
    eager = Trainer(config).run(20).to_frame()
    deferred = Trainer(config, deferred_checks=True, sync_every=8)
    deferred.step()
    assert len(deferred._pending) == 1 and len(deferred._history) == 0  # nothing read yet
    frame = deferred.run(19).to_frame()
    assert frame["step"].tolist() == eager["step"].tolist()
    numbers = [c for c in eager.columns if c not in ("mode", "spectral_radius")]
    for column in numbers:
        # Plain SGD on the CPU records lr * |g|; the device measures the weights' change,
        # which float32 rounds (about 1e-5 relative for updates this small).
        rtol = 1e-4 if column.startswith("update") else 1e-5
        np.testing.assert_allclose(frame[column], eager[column], rtol=rtol, err_msg=column)
    assert (frame["mode"] == eager["mode"]).all()


@pytest.mark.parametrize("name", ["exploding-rnn", "deep-mlp-nan"])
def test_the_deferred_path_undoes_the_dead_step_on_the_device(preset_run, preset_config, name):
    eager = preset_run(name, 100)
    deferred = Trainer(preset_config(name), deferred_checks=True, sync_every=16).run(100)
    assert deferred.divergence.step == eager.divergence.step
    assert deferred.divergence.layer == eager.divergence.layer
    assert deferred.steps_done == eager.steps_done
    # Steps ran past the dead one inside the batch; the weights are still the ones it began from.
    for p, q in zip(deferred.params, eager.params, strict=True):
        assert torch.isfinite(p).all()
        torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-6)


class CountOps(TorchDispatchMode):
    """Counts the tensor operations (on a GPU: kernel launches) run inside it."""

    def __init__(self):
        super().__init__()
        self.ops = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.ops.append(func.overloadpacket.__name__)
        return func(*args, **(kwargs or {}))


@pytest.mark.parametrize("depth", [1, 6])
def test_the_device_paths_bookkeeping_launches_the_same_few_kernels_for_any_depth(
    small_config, depth
):
    # On a GPU each launch costs the host microseconds: the meter's work must not loop over
    # the parameters (a where and a copy per tensor cost two launches each).
    trainer = Trainer(small_config(model="mlp", depth=depth), deferred_checks=True)
    trainer.step()
    alive = torch.ones((), dtype=torch.bool)
    with CountOps() as counted:
        trainer._meter.before_step()
        norms = trainer._meter.after_step(alive)
    assert len(norms) == 2 * len(trainer.params)
    assert counted.ops == ["cat", "cat", "where", "_foreach_copy_", "sub", "_foreach_norm"]


# ---- devices --------------------------------------------------------------------------------
@pytest.mark.skipif(available_devices() != ["cpu"], reason="this machine has an accelerator")
def test_auto_is_the_cpu_here_and_a_missing_device_is_an_error(small_config):
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(DeviceError, match="'cuda' is not available.*available: cpu"):
        resolve_device("cuda")
    with pytest.raises(DeviceError):
        Trainer(small_config().replace(device="cuda"))


class SameBatches:
    """A task whose batches are the CPU task's, drawn ahead and moved to the GPU."""

    def __init__(self, task, device, steps: int):
        self.task, self.baseline = task, task.baseline
        self.batches = [task.sample(i) for i in range(steps)]
        self.batches = [Batch(b.x.to(device), b.y.to(device)) for b in self.batches]

    def sample(self, step: int) -> Batch:
        return self.batches[step]

    def loss(self, output, batch):
        return self.task.loss(output, batch)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_run_matches_the_cpu_and_reads_back_in_batches(small_config):
    config = small_config(depth=3, clip_mode="norm", threshold=1.0)
    cpu = Trainer(config).run(24).to_frame()
    gpu = Trainer(config.replace(device="cuda"), sync_every=8)
    gpu.task = SameBatches(Trainer(config).task, gpu.device, 24)
    gpu.step()  # the first step may set up CUDA libraries; the next ones must not sync
    torch.cuda.synchronize()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a synchronising call below would raise
        warnings.filterwarnings("ignore", "Synchronization debug mode is a prototype")
        torch.cuda.set_sync_debug_mode("warn")
        try:
            for _ in range(6):
                gpu.step()
        finally:
            torch.cuda.set_sync_debug_mode("default")
    assert len(gpu._history) == 0 and len(gpu._pending) == 7  # nothing read back yet
    gpu.step()
    assert len(gpu._history) == 8 and not gpu._pending  # one read-back for 8 steps
    frame = gpu.run(16).to_frame()
    assert frame["step"].tolist() == cpu["step"].tolist()
    for column in ("loss", "grad_norm", "clipped_grad_norm", "update_norm", "weight_norm"):
        np.testing.assert_allclose(frame[column], cpu[column], rtol=1e-3, err_msg=column)
