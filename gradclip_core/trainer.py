"""The trainer: one instrumented step at a time, live-tunable, deterministic on CPU.

One step (see DESIGN.md, "The engine's flow")::

    batch = task.sample(step)      # synthetic, seeded, on the run's device
    loss  = task.loss(model(batch.x), batch)
    loss.backward()
    clip  = clip_gradients(...)    # measures per-tensor norms in one foreach pass, then clips
    optimizer.step()               # skipped (CPU) or undone (GPU) once anything is non-finite
    record                         # one metrics vector, read back in batches

Metrics stay on the device and are read back every ``sync_every`` steps, so a GPU run does
not synchronise every step. On the CPU a step reads back only whether its loss and gradient
are finite (two scalars, before the optimizer step); its metrics wait for a batch too, because
deriving them one row at a time would cost more than the step's own bookkeeping. Reading
:attr:`Trainer.history` reads back whatever is pending first.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
import torch

from .clipping import (
    DEFAULT_THRESHOLDS,
    MODE_LABELS,
    ClipRecord,
    NormHistory,
    clip_gradients,
)
from .config import CLIP_MODES, ConfigError, TrainConfig, threshold_problem
from .cpu_buffer import CpuMeter, _torch_norm_factor, plain_sgd
from .device import resolve_device
from .device_meter import DeviceMeter
from .divergence import Divergence, diagnose
from .history import SCALARS, History
from .models import SequenceNet, build_model, spectral_radius
from .tasks import build_task

_MODES = tuple(CLIP_MODES)
_IDX = {name: i for i, name in enumerate(SCALARS)}
_GRAD = _IDX["grad_norm"]


class Trainer:
    """Trains one model on one task and records every step.

    Args:
        config: the run's settings; ``clip_mode``, ``threshold`` and ``lr`` can change later
            with :meth:`set_clip` and :meth:`set_lr`.
        sync_every: steps between read-backs of the metrics (default 256 on CPU, 16 on a GPU;
            on the CPU a non-finite step is read back at once, and so is every step when
            :attr:`history` is read).
        history_capacity: rows kept at full resolution before rows start to merge.
        spectral_every: steps between measurements of the recurrent matrix's spectral radius.
        deferred_checks: check finiteness on the device and read it back in batches, as on a
            GPU (always so there); on the CPU this runs the GPU path, for tests.
    """

    def __init__(
        self,
        config: TrainConfig,
        *,
        sync_every: int | None = None,
        history_capacity: int = 20_000,
        spectral_every: int = 10,
        deferred_checks: bool = False,
    ):
        self.config = config
        self.device = resolve_device(config.device)
        self.task = build_task(config, self.device)
        # The run's own generator: never torch's global one, which other sessions share.
        self.generator = torch.Generator().manual_seed(config.seed)
        model = build_model(config, self.task.n_in, self.task.n_out, self.generator)
        self.model = model.to(self.device)
        self.params = [p for p in self.model.parameters() if p.requires_grad]
        self.layer_names = self.model.layer_names()
        # A layer's squared norm is the sum of its tensors': parameters sorted by layer, then
        # summed over each layer's run (a matmul would turn inf * 0 into nan).
        layer_of = np.asarray(self.model.layer_of_parameters())
        self._by_layer = np.argsort(layer_of, kind="stable")
        self._layer_starts = np.searchsorted(
            layer_of[self._by_layer], np.arange(len(self.layer_names))
        )
        self.optimizer = _make_optimizer(config, self.params)
        self.mode = config.clip_mode
        self.threshold = _threshold(config.clip_mode, config.threshold)
        self.norm_type = math.inf if config.norm_type == "inf" else 2.0
        self.autoclip_history = NormHistory()
        self._history = History(self.layer_names, _MODES, history_capacity)
        self.divergence: Divergence | None = None
        self.steps_done = 0  # steps attempted (recorded or pending)
        self._eager = self.device.type == "cpu" and not deferred_checks
        # The last step's gradient norm before clipping, known at once on the CPU (a GPU run
        # reads its metrics back in batches: nan there until a read-back).
        self.last_norm = math.nan
        self.sync_every = max(1, sync_every or (256 if self._eager else 16))
        self.spectral_every = spectral_every
        self._spectral = math.nan
        self._alive = torch.ones((), dtype=torch.bool, device=self.device)
        if self._eager:
            self._meter = CpuMeter(self.params, update_from_grads=plain_sgd(self.optimizer))
        else:
            self._meter = DeviceMeter(self.params)
        self._constants: dict[float, torch.Tensor] = {}  # host floats as device tensors
        self._pending: list = []  # rows: tuples (CPU, see _update_cpu) or device vectors
        # Host-side facts per pending step: step, lr, mode code, spectral radius (CPU).
        self._pending_meta: list[tuple[int, float, int, float]] = []
        self._thr_seen, self._thr_f32 = None, math.nan  # the threshold and its float32 value
        self._has_spectral = isinstance(self.model, SequenceNet) and self.model.kind == "rnn"
        self._last_finite: tuple[int, float] | None = None  # (step, total gradient norm)

    def __repr__(self) -> str:
        return (
            f"Trainer({self.config.model} on {self.config.task}, {self.device.type}, "
            f"step {self.steps_done}, {MODE_LABELS[self.mode]}, status={self.status})"
        )

    # ---- live controls ---------------------------------------------------------------
    def set_clip(self, mode: str, threshold: float | None = None) -> None:
        """Change the clipping mode and threshold from the next step on.

        Raises:
            ValueError: the mode is unknown, or the threshold is out of range for it (a
                :class:`~gradclip_core.config.ConfigError` with the config's own message).
        """
        if mode not in DEFAULT_THRESHOLDS:
            raise ValueError(f"clip mode {mode!r} is unknown; choose one of {', '.join(_MODES)}")
        self.mode, self.threshold = mode, _threshold(mode, threshold)

    def set_lr(self, lr: float) -> None:
        """Change the learning rate from the next step on."""
        for group in self.optimizer.param_groups:
            group["lr"] = float(lr)

    @property
    def lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    @property
    def history(self) -> History:
        """Every recorded step (pending metrics are read back first)."""
        self.sync()
        return self._history

    @property
    def diverged(self) -> bool:
        return self.divergence is not None

    @property
    def status(self) -> str:
        if self.diverged:
            return "diverged"
        return "ready" if self.steps_done == 0 else "trained"

    # ---- training --------------------------------------------------------------------
    def step(self) -> None:
        """Run one training step (does nothing once the run has diverged)."""
        if self.diverged:
            return
        step = self.steps_done
        batch = self.task.sample(step)
        self.optimizer.zero_grad()
        loss = self.task.loss(self.model(batch.x), batch)
        loss.backward()
        clip = clip_gradients(
            self.params,
            self.mode,
            self.threshold,
            norm_type=self.norm_type,
            history=self.autoclip_history,
        )
        with torch.no_grad():
            if self._eager:
                row, finite = self._update_cpu(loss, clip)
            else:
                row, finite = self._update_device(loss.detach(), clip), True
        self._pending.append(row)
        # Host-side facts travel beside the device vector: no host-to-device copies.
        # On the CPU the spectral radius is measured now, on the weights this step left.
        spectral = self._spectral_at(step + 1) if self._eager else math.nan
        self._pending_meta.append((step + 1, self.lr, _MODES.index(self.mode), spectral))
        self.steps_done += 1
        if len(self._pending) >= self.sync_every or not finite:
            self.sync()

    def _update_cpu(self, loss: torch.Tensor, clip: ClipRecord) -> tuple[tuple, bool]:
        # Reading a 0-d CPU tensor (``.item()``, well under a microsecond) costs less than
        # any tensor op, so the CPU path works on Python floats and NumPy views.
        loss_f, before = loss.item(), clip.norm_before.item()  # .item() needs no detach
        self.last_norm = before
        finite = math.isfinite(loss_f) and math.isfinite(before)
        self._meter.before_step()
        if finite:
            self.optimizer.step()  # else caught before the step: weights untouched
        squares = self._meter.squares(before)  # (2P,): update, then weights
        # The threshold as the device path records it: a float32 tensor's value.
        if clip.threshold_value is not self._thr_seen:  # the same float step after step
            self._thr_seen = clip.threshold_value
            self._thr_f32 = float(np.float32(clip.threshold_value))
        thr = self._thr_f32
        # One list of floats per step, made an array at read-back with the batch's others
        # (see _cpu_rows): loss, norm before, threshold, cosine, then the squares (2P,).
        head = [loss_f, before, thr, float(clip.cosine_value), *squares]
        # Tensors are stacked at read-back too; for clip by norm the norms after are derived
        # there from torch's factor.
        after = None if clip.derived_after else clip.param_norms_after
        return (head, clip.param_norms_before, after), finite

    def _cpu_rows(self, lr: np.ndarray) -> np.ndarray:
        head, before, after = zip(*self._pending, strict=True)
        head = np.array(head)  # (k, 4 + 2P): loss, norm before, threshold, cosine, squares
        before = torch.stack(before).numpy()  # (k, P) float32
        derived = np.array([a is None for a in after])  # (k,): clip by norm
        with np.errstate(invalid="ignore"):  # an overflowed norm: torch's factor 0 times inf
            norms_after = before * _torch_norm_factor(head[:, 1], head[:, 2])[:, None]  # (k, P)
        if not derived.all():
            norms_after[~derived] = torch.stack([a for a in after if a is not None]).numpy()
        self._meter.fill(head, norms_after, lr)  # plain SGD: updates from the gradients
        return np.concatenate(
            [
                head[:, :4],
                np.sqrt(head[:, 4:]),  # (k, 2P): update and weight norms per parameter
                before,
                norms_after,
            ],
            axis=1,
        )

    def _update_device(self, loss: torch.Tensor, clip: ClipRecord) -> torch.Tensor:
        # No read-back here: a non-finite step runs, then is undone on the device.
        self._meter.before_step()
        self.optimizer.step()
        # Both finite: x * 0 is 0 for a finite x, nan for inf or nan. Five launches where
        # isfinite (four each) and & would take ten.
        self._alive &= (loss * 0 + clip.norm_before * 0) == 0
        norms = self._meter.after_step(self._alive)  # (2P,): update, then weights
        # One vector per step, (4 + 4P,), like the CPU row; the rest is derived on the host.
        thr, cosine = self._on_device(clip.threshold_value), self._on_device(clip.cosine_value)
        head = torch.stack([loss, clip.norm_before, thr, cosine] + norms)
        return torch.cat([head, clip.param_norms_before, clip.param_norms_after])

    def _on_device(self, value: float | torch.Tensor) -> torch.Tensor:
        """A host float as a 0-d tensor on the run's device, made once per value (a threshold
        changes rarely; a cosine known on the host is 1 or 0): no launch per step."""
        if isinstance(value, torch.Tensor):
            return value.to(torch.float32)
        if (found := self._constants.get(value)) is None:
            if len(self._constants) > 64:  # a threshold slid through many values
                self._constants.clear()
            found = self._constants[value] = torch.tensor(value, device=self.device)
        return found

    def sync(self) -> None:
        """Read pending metrics back to the host, record them, and detect divergence."""
        if not self._pending:
            return
        meta = np.array(self._pending_meta, dtype=np.float64)  # (k, 4)
        if self._eager:
            rows = self._cpu_rows(meta[:, 1])  # (k, 4 + 4P)
        else:
            rows = torch.stack(self._pending).cpu().numpy().astype(np.float64)
        self._pending = []
        self._pending_meta = []
        scalars, layers = self._derive(rows, meta)
        finite = np.isfinite(scalars[:, _IDX["loss"]]) & np.isfinite(scalars[:, _GRAD])
        bad = np.flatnonzero(~finite)
        keep = len(rows) if len(bad) == 0 else bad[0] + 1
        self._note_last_finite(scalars[: keep - 1 if len(bad) else keep])
        self._history.append(scalars[:keep], layers[:keep], meta[:keep, 2].astype(np.int8))
        if len(bad):
            self.steps_done = int(scalars[keep - 1, 0])  # steps are numbered from 1
            self.divergence = diagnose(self, scalars[keep - 1], layers[keep - 1], self._last_finite)

    def _derive(self, rows: np.ndarray, meta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Step records from raw rows: scalars ``(k, len(SCALARS))``, layers ``(k, 3, L)``."""
        n_p = len(self.params)
        before = rows[:, 1]
        # (k, 4, P): update, weight, gradient before and after clipping, per parameter.
        per = rows[:, 4:].reshape(len(rows), 4, n_p)
        sq = np.square(per)
        total = np.sqrt(sq.sum(axis=2))  # (k, 4)
        layer = np.sqrt(np.add.reduceat(sq[:, :, self._by_layer], self._layer_starts, axis=2))
        # A non-finite gradient cannot be clipped; an overflowed norm (inf from finite entries)
        # can: torch's rule scales every gradient by 0, leaving a finite (zero) gradient.
        torch_rule = np.isin(meta[:, 2], [_MODES.index(m) for m in ClipRecord.TORCH_RULE])
        ok = np.isfinite(before) | (torch_rule & np.isfinite(total[:, 3]))
        clipped = (per[:, 3] != per[:, 2]).any(axis=1) & ok
        out = np.empty((len(rows), len(SCALARS)))
        with np.errstate(divide="ignore", invalid="ignore"):
            # Shrink factor in L2; exactly 1 (norm kept bit for bit) where nothing changed.
            coef = np.where(clipped & (total[:, 2] > 0), total[:, 3] / total[:, 2], 1.0)
            out[:, _IDX["update_ratio"]] = total[:, 0] / total[:, 1]
            ratio = layer[:, 0] / layer[:, 1]  # (k, L)
            # In the norm the mode measures (max-norm for norm_type inf), like the threshold;
            # a zeroed gradient is 0 (inf * 0 would read nan).
            out[:, _IDX["clipped_grad_norm"]] = np.where(coef == 0, 0.0, before * coef)
        out[:, _IDX["clip_coef"]] = coef
        out[:, _IDX["step"]] = meta[:, 0]
        out[:, _IDX["loss"]] = rows[:, 0]
        out[:, _GRAD] = before
        out[:, _IDX["clipped"]] = clipped
        out[:, _IDX["update_norm"]] = total[:, 0]
        out[:, _IDX["weight_norm"]] = total[:, 1]
        out[:, _IDX["cosine"]] = rows[:, 3]
        out[:, _IDX["threshold"]] = rows[:, 2]
        out[:, _IDX["lr"]] = meta[:, 1]
        if self._eager:
            out[:, _IDX["spectral_radius"]] = meta[:, 3]
        else:
            # Weights have moved on for earlier rows of a GPU batch: measured at read-back.
            out[:, _IDX["spectral_radius"]] = [self._spectral_at(s) for s in meta[:, 0]]
        return out, np.stack([layer[:, 2], layer[:, 3], ratio], axis=1)

    def _note_last_finite(self, kept: np.ndarray) -> None:
        # Tracked here, not looked up in the history: merged rows may have dropped it.
        ok = np.flatnonzero(np.isfinite(kept[:, _GRAD]))
        if len(ok):
            self._last_finite = int(kept[ok[-1], 0]), float(kept[ok[-1], _GRAD])

    def _spectral_at(self, step: float) -> float:
        # An eigendecomposition per step would cost more than the step: every few steps.
        if not self._has_spectral:
            return math.nan
        if step % self.spectral_every == 0 or math.isnan(self._spectral):
            self._spectral = float(spectral_radius(self.model.recurrent_weight))
        return self._spectral

    def run(
        self, steps: int, on_progress: Callable[[Trainer], None] | None = None, every: int = 50
    ) -> Trainer:
        """Train for ``steps`` steps or until the run diverges; returns ``self``."""
        for i in range(steps):
            if self.diverged:
                break
            self.step()
            if on_progress is not None and (i + 1) % every == 0:
                self.sync()
                on_progress(self)
        self.sync()
        return self

    def run_for(
        self,
        seconds: float,
        max_steps: int | None = None,
        stop: Callable[[Trainer], bool] | None = None,
    ) -> int:
        """Train for about ``seconds`` of wall time (live pages); returns steps taken.

        Args:
            seconds: the time budget; at least one step runs.
            max_steps: at most this many steps.
            stop: asked after every step; training stops when it returns True (the live page
                slows down near an explosion with it; :attr:`last_norm` is there to read).
        """
        start, taken = time.perf_counter(), 0
        while not self.diverged and (max_steps is None or taken < max_steps):
            self.step()
            taken += 1
            # ``stop`` first: it must see every step, including the one that ends the slice.
            if (stop is not None and stop(self)) or time.perf_counter() - start >= seconds:
                break
        self.sync()
        return taken

    def to_frame(self):
        """The history as a pandas DataFrame (pending steps included)."""
        self.sync()
        return self.history.to_frame()


def _threshold(mode: str, threshold: float | None) -> float:
    """The threshold in force: the mode's default for ``None``, else ``threshold`` if valid."""
    if threshold is None:
        return DEFAULT_THRESHOLDS[mode]
    if problem := threshold_problem(mode, threshold):
        raise ConfigError([("threshold", problem)])
    return float(threshold)


def _make_optimizer(config: TrainConfig, params: list[torch.Tensor]) -> torch.optim.Optimizer:
    # foreach: one call per step for all tensors, also on the CPU (torch's default there is a
    # Python loop over them). The same element-wise operations in the same order, so the same
    # weights bit for bit (tested); 15-25% less time in step() for SGD, 25% for Adam here.
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr, foreach=True)
    return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum, foreach=True)
