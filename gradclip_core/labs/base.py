"""The labs' building blocks: loops as source, their setups and runs, and the probe that
measures each step a loop takes (see the package's docstring)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

N_IN, WIDTH, BATCH = 8, 32, 16  # the labs' regression MLP (8 -> 32 -> 1) and batch size
STEPS = 30  # steps (updates) of every loop, except the overflow lab's
ACCUMULATE, MICRO = 4, 4  # accumulation lab: micro-batches per update, samples in each
OVERFLOW_STEPS, CORRUPT_STEP = 12, 6  # overflow lab: steps, and the step with the bad batch
CORRUPT_VALUE = 1e21  # the corrupt feature: finite, its gradient entries square past 3.4e38
GIVEN = "# given: model, batches, loss_fn ({})"
SEEDS = range(0, 1000)  # the seeds a page may ask for
_KEYS = (  # the per-step series of a LoopRun
    "loss",
    "true_norm",
    "max_abs",
    "norm_seen",
    "applied_norm",
    "update_norm",
    "unchanged",
    "scale",
    "cosine",
    "first_weight",
)


@dataclass(frozen=True)
class Loop:
    """One training loop of a lab, as source lines, and the line the lab is about.

    Attributes:
        key: a short id, unique within the lab (``"buggy"``, ``"sgd-always"`` ...).
        label: the loop's name on the page.
        lines: the exact source that runs, one line per entry.
        marked: index into ``lines`` of the line the lab is about, or None (a reference loop).
        wrong: whether the marked line is the mistake (False: it is the fix).
    """

    key: str
    label: str
    lines: tuple[str, ...]
    marked: int | None = None
    wrong: bool = False

    @property
    def source(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True)
class Setup:
    """What a loop's namespace gets: the model, the batches and the loss function.

    ``batch_loss(model, batch)`` is the loss the loop computes on one (micro-)batch, the same
    way (under autocast where the loop uses it): the probe measures the true gradient with it.
    """

    model: nn.Module
    batches: list
    loss_fn: Callable
    batch_loss: Callable[[nn.Module, tuple], torch.Tensor]


@dataclass(frozen=True)
class LoopRun:
    """One loop's measured steps.

    Attributes:
        loop: the loop that ran.
        series: per step ``(n,)`` arrays: ``loss`` (of the batch before the step), ``true_norm``
            (the float64 norm of the unscaled, unclipped gradient at those weights),
            ``max_abs`` (its largest entry), ``norm_seen`` (the loop's ``norm`` variable: what
            the clip call returned, nan if none), ``applied_norm`` (norm of ``.grad`` after the
            step), ``update_norm`` (``||theta_after - theta_before||``), ``unchanged`` (weights
            bit for bit equal), ``scale`` (the GradScaler's scale, 1 without one), ``cosine``
            (between ``.grad`` and the true gradient) and ``first_weight`` (accumulation: the
            first micro-batch's weight in ``.grad`` over the last one's, nan otherwise).
            ``true_norm``, ``max_abs`` and ``cosine`` are nan in a lab that does not measure
            the true gradient (``Lab.true_gradient`` False).
        error: the RuntimeError the loop raised, or None.
        final_weights: ``(P,)`` float64, every parameter after the loop, flattened.
        source: the text that was compiled and run.
    """

    loop: Loop
    series: dict[str, np.ndarray]
    error: str | None
    final_weights: torch.Tensor
    source: str

    @property
    def steps(self) -> int:
        """Steps completed (a loop that raised stops before its step)."""
        return len(self.series["loss"])

    def __repr__(self) -> str:
        end = f", raised: {self.error[:40]}..." if self.error else ""
        return f"LoopRun({self.loop.key!r}, {self.steps} steps{end})"


@dataclass(frozen=True)
class LabResult:
    """A lab's runs, its headline numbers and the one sentence that states them."""

    lab_id: str
    seed: int
    runs: dict[str, LoopRun]
    numbers: dict[str, float] = field(default_factory=dict)
    finding: str = ""

    def __repr__(self) -> str:
        return f"LabResult({self.lab_id!r}, seed={self.seed}: {self.finding})"


@dataclass(frozen=True)
class Lab:
    """A pitfall: its story, its loops, how to build its data and how to read its runs.

    ``lesson`` is the slug of the lesson that explains it (lessons/read/NN_<slug>.md).
    """

    id: str
    title: str
    story: str
    lesson: str
    loops: tuple[Loop, ...]
    setup: Callable[[int], Setup]
    summarise: Callable[[Lab, dict[str, LoopRun]], tuple[dict[str, float], str]]
    settings: dict[str, float] = field(default_factory=dict)
    true_gradient: bool = True  # the probe also measures the true gradient (costs a backward)


# ---- the probe ------------------------------------------------------------------------------


def _flat(tensors) -> torch.Tensor:
    return torch.cat([t.detach().reshape(-1).double() for t in tensors])


class _Probe:
    """The ``batches`` a loop iterates over: it measures each step from outside.

    Before handing out a batch it notes the weights, and the true gradient there (with
    ``torch.autograd.grad``, which leaves ``.grad`` alone; one per micro-batch when a batch is
    a list of them). When the loop asks for the next batch, the step is done: it reads the
    weights, ``.grad`` and the loop's ``norm`` variable. It never changes the model.
    """

    def __init__(self, setup: Setup, namespace: dict, gradients: bool = True):
        self.setup, self.ns, self.gradients, self.rows = setup, namespace, gradients, []

    def __iter__(self):
        for batch in self.setup.batches:
            before = self._before(batch)
            yield batch
            self.rows.append(self._after(before))

    def _before(self, batch) -> dict:
        model = self.setup.model
        params = list(model.parameters())
        parts = batch if isinstance(batch, list) else [batch]
        grads, loss = [], 0.0
        for part in parts:
            with torch.set_grad_enabled(self.gradients):
                value = self.setup.batch_loss(model, part) / len(parts)
            if self.gradients:
                grads.append(_flat(torch.autograd.grad(value, params)))  # (P,) each
            loss += float(value.detach())
        scaler = self.ns.get("scaler")
        return dict(
            theta=_flat(params),
            grads=torch.stack(grads) if grads else None,  # (parts, P) or None
            loss=loss,
            scale=float(scaler.get_scale()) if scaler is not None else 1.0,
        )

    def _after(self, before: dict) -> dict:
        params = list(self.setup.model.parameters())
        theta = _flat(params)
        grad = _flat(p.grad if p.grad is not None else torch.zeros_like(p) for p in params)
        norm = self.ns.get("norm")
        row = dict.fromkeys(_KEYS, math.nan)
        row.update(
            loss=before["loss"],
            norm_seen=float(norm) if isinstance(norm, torch.Tensor) else math.nan,
            applied_norm=float(grad.norm()),
            update_norm=float((theta - before["theta"]).norm()),
            unchanged=bool(torch.equal(theta, before["theta"])),
            scale=before["scale"],
        )
        parts = before["grads"]
        if parts is None:
            return row
        true = parts.sum(0)  # (P,) the whole unscaled, unclipped gradient
        row.update(
            true_norm=float(true.norm()),
            max_abs=float(true.abs().max()),
            cosine=float(torch.nn.functional.cosine_similarity(grad, true, dim=0)),
        )
        if len(parts) > 1:  # .grad = sum_k w_k g_k: solve for the weights w_k
            weights = torch.linalg.lstsq(parts.T, grad.unsqueeze(1)).solution[:, 0]
            row["first_weight"] = float(weights[0] / weights[-1])
        return row


def run_loop(lab: Lab, loop: Loop, seed: int = 0) -> LoopRun:
    """Run one loop's source on the lab's fresh, seeded setup and measure every step.

    A RuntimeError the loop raises (``error_if_nonfinite=True``) ends the loop and is kept.
    """
    setup = lab.setup(seed)
    ns = {"torch": torch, "model": setup.model, "loss_fn": setup.loss_fn}
    probe = _Probe(setup, ns, lab.true_gradient)
    ns["batches"] = probe
    source = loop.source
    error = None
    try:
        exec(compile(source, f"<lab {lab.id}: {loop.key}>", "exec"), ns)
    except RuntimeError as exc:
        error = str(exc)
    keys = probe.rows[0].keys() if probe.rows else _KEYS
    series = {k: np.array([row[k] for row in probe.rows], dtype=np.float64) for k in keys}
    series["unchanged"] = series["unchanged"].astype(bool)
    return LoopRun(loop, series, error, _flat(setup.model.parameters()), source)
