"""The trainer: one instrumented step at a time, live-tunable, deterministic on CPU.

One step (see DESIGN.md, "The engine's flow")::

    batch = task.sample(step)      # synthetic, seeded, on the run's device
    loss  = task.loss(model(batch.x), batch)
    loss.backward()
    clip  = clip_gradients(...)    # measures per-tensor norms in one foreach pass, then clips
    optimizer.step()               # skipped (CPU) or undone (GPU) once anything is non-finite
    record                         # one metrics vector, read back in batches

Metrics stay on the device and are read back every ``sync_every`` steps, so a GPU run does
not synchronise every step. On the CPU there is nothing to wait for, so it reads every step.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
import torch

from .clipping import DEFAULT_THRESHOLDS, MODE_LABELS, NormHistory, clip_gradients
from .config import CLIP_MODES, TrainConfig
from .device import resolve_device
from .divergence import Divergence, diagnose
from .history import SCALARS, History
from .models import SequenceNet, build_model, spectral_radius
from .tasks import build_task

_MODES = tuple(CLIP_MODES)
_IDX = {name: i for i, name in enumerate(SCALARS)}


class Trainer:
    """Trains one model on one task and records every step.

    Args:
        config: the run's settings; ``clip_mode``, ``threshold`` and ``lr`` can change later
            with :meth:`set_clip` and :meth:`set_lr`.
        sync_every: steps between read-backs of the metrics (default 1 on CPU, 16 on a GPU).
        history_capacity: rows kept at full resolution before rows start to merge.
        spectral_every: steps between measurements of the recurrent matrix's spectral radius.
    """

    def __init__(
        self,
        config: TrainConfig,
        *,
        sync_every: int | None = None,
        history_capacity: int = 20_000,
        spectral_every: int = 10,
    ):
        self.config = config
        self.device = resolve_device(config.device)
        self.task = build_task(config, self.device)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            self.model = build_model(config, self.task.n_in, self.task.n_out).to(self.device)
        self.params = [p for p in self.model.parameters() if p.requires_grad]
        self.layer_names = self.model.layer_names()
        self._layer_of = torch.tensor(self.model.layer_of_parameters(), device=self.device)
        self.optimizer = _make_optimizer(config, self.params)
        self.mode = config.clip_mode
        self.threshold = _threshold(config.clip_mode, config.threshold)
        self.norm_type = math.inf if config.norm_type == "inf" else 2.0
        self.autoclip_history = NormHistory()
        self.history = History(self.layer_names, _MODES, history_capacity)
        self.divergence: Divergence | None = None
        self.steps_done = 0  # steps attempted (recorded or pending)
        self._eager = self.device.type == "cpu"
        self.sync_every = 1 if self._eager else max(1, sync_every or 16)
        self.spectral_every = spectral_every
        self._spectral = math.nan
        self._alive = torch.ones((), dtype=torch.bool, device=self.device)
        self._prev = [torch.empty_like(p) for p in self.params]
        self._pending: list[torch.Tensor] = []
        self._pending_meta: list[tuple[int, float, int]] = []

    def __repr__(self) -> str:
        return (
            f"Trainer({self.config.model} on {self.config.task}, {self.device.type}, "
            f"step {self.steps_done}, {MODE_LABELS[self.mode]}, status={self.status})"
        )

    # ---- live controls ---------------------------------------------------------------
    def set_clip(self, mode: str, threshold: float | None = None) -> None:
        """Change the clipping mode and threshold from the next step on."""
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
        finite = loss.isfinite() & clip.norm_before.isfinite()
        with torch.no_grad():
            torch._foreach_copy_(self._prev, self.params)
            if self._eager and not bool(finite):
                self._alive.fill_(False)  # caught before the step: weights untouched
            else:
                self.optimizer.step()
                if not self._eager:
                    self._alive &= finite
                    self._undo_if_dead()
            delta = torch._foreach_sub(self.params, self._prev)
            per = torch.stack(
                [
                    clip.param_norms_before,
                    clip.param_norms_after,
                    torch.stack(torch._foreach_norm(delta)),
                    torch.stack(torch._foreach_norm(self.params)),
                ]
            )  # (4, P)
            layer = _layer_norms(per, self._layer_of, len(self.layer_names))  # (4, L)
            update, weight = per[2].square().sum().sqrt(), per[3].square().sum().sqrt()
            scalars = torch.stack(
                [
                    loss.detach(),
                    clip.norm_before,
                    clip.norm_after,
                    clip.clip_coef,
                    clip.clipped.float(),
                    update,
                    weight,
                    update / weight,
                    clip.cosine,
                    clip.threshold.float(),
                    finite.float(),  # becomes the lr column on read-back
                ]
            )
            ratio = layer[2] / layer[3]
            self._pending.append(torch.cat([scalars, layer[0], layer[1], ratio]))
            # Host-side facts travel beside the device vector: no host-to-device copies.
            self._pending_meta.append((step, self.lr, _MODES.index(self.mode)))
        self.steps_done += 1
        if len(self._pending) >= self.sync_every:
            self.sync()

    def _undo_if_dead(self) -> None:
        # GPU path: the step already ran; put the weights back where the run died, no sync.
        for p, prev in zip(self.params, self._prev, strict=True):
            p.copy_(torch.where(self._alive, p, prev))

    def sync(self) -> None:
        """Read pending metrics back to the host, record them, and detect divergence."""
        if not self._pending:
            return
        rows = torch.stack(self._pending).cpu().numpy().astype(np.float64)  # (k, S - 2 + 3L)
        meta = np.array(self._pending_meta, dtype=np.float64)  # (k, 3): step, lr, mode
        self._pending.clear()
        self._pending_meta.clear()
        n_s, n_l = len(SCALARS), len(self.layer_names)
        alive = rows[:, n_s - 3] > 0.5
        bad = np.flatnonzero(~alive)
        keep = len(rows) if len(bad) == 0 else bad[0] + 1
        scalars = np.empty((len(rows), n_s))
        scalars[:, 0] = meta[:, 0]
        scalars[:, 1 : n_s - 2] = rows[:, : n_s - 3]
        scalars[:, n_s - 2] = meta[:, 1]
        scalars[:, n_s - 1] = self._spectral_column(meta[:, 0])
        layers = rows[:, n_s - 2 :].reshape(-1, 3, n_l)
        modes = meta[:, 2].astype(np.int8)
        last_finite = self._last_finite_norm(scalars[: keep - 1])
        self.history.append(scalars[:keep], layers[:keep], modes[:keep])
        if len(bad):
            self.steps_done = int(scalars[keep - 1, 0]) + 1
            self.divergence = diagnose(self, scalars[keep - 1], layers[keep - 1], last_finite)

    def _last_finite_norm(self, earlier: np.ndarray) -> tuple[int, float] | None:
        g = earlier[:, _IDX["grad_norm"]] if len(earlier) else np.empty(0)
        ok = np.flatnonzero(np.isfinite(g))
        if len(ok):
            return int(earlier[ok[-1], 0]), float(g[ok[-1]])
        prior = self.history.column("grad_norm")
        ok = np.flatnonzero(np.isfinite(prior))
        if len(ok):
            return int(self.history.column("step")[ok[-1]]), float(prior[ok[-1]])
        return None

    def _spectral_column(self, steps: np.ndarray) -> np.ndarray:
        if not (isinstance(self.model, SequenceNet) and self.model.kind == "rnn"):
            return np.full(len(steps), np.nan)
        out = np.empty(len(steps))
        for i, step in enumerate(steps):
            # Weights have moved on for earlier rows of a GPU batch: measured at read-back.
            if step % self.spectral_every == 0 or math.isnan(self._spectral):
                self._spectral = float(spectral_radius(self.model.recurrent_weight))
            out[i] = self._spectral
        return out

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

    def run_for(self, seconds: float, max_steps: int | None = None) -> int:
        """Train for about ``seconds`` of wall time (live pages); returns steps taken."""
        start, taken = time.perf_counter(), 0
        while not self.diverged and (max_steps is None or taken < max_steps):
            self.step()
            taken += 1
            if time.perf_counter() - start >= seconds:
                break
        self.sync()
        return taken

    def to_frame(self):
        """The history as a pandas DataFrame (pending steps included)."""
        self.sync()
        return self.history.to_frame()


def _threshold(mode: str, threshold: float | None) -> float:
    return DEFAULT_THRESHOLDS[mode] if threshold is None else float(threshold)


def _layer_norms(per: torch.Tensor, layer_of: torch.Tensor, n_layers: int) -> torch.Tensor:
    # Norm of a layer = sqrt(sum of its tensors' squared norms): (K, P) -> (K, L).
    sq = torch.zeros(per.shape[0], n_layers, device=per.device, dtype=per.dtype)
    return sq.index_add_(1, layer_of, per.square()).sqrt()


def _make_optimizer(config: TrainConfig, params: list[torch.Tensor]) -> torch.optim.Optimizer:
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr)
    return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum)
