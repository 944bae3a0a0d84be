"""Pitfall labs: a clipping mistake and its fix, side by side, on real torch calls.

Each :class:`Lab` keeps the exact source of two or more training loops that differ only in the
mistake. :func:`run_lab` compiles and runs that source (``exec``) in a namespace holding the
lab's seeded ``model``, ``batches`` and ``loss_fn``: what the page shows is what ran. The
``batches`` it gets are a :class:`_Probe`, which hands out the lab's batches as a list would and,
between two of them, measures the step just taken (update, gradient, the loop's ``norm``)
without touching the model. Every draw comes from a ``torch.Generator`` seeded per run: no
global RNG, no process-wide state. Lessons: lessons/read/06_pitfalls.md,
03_clipping_in_pytorch.md (overflow) and 07_choosing_a_threshold.md (threshold).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

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


def run_lab(lab: Lab | str, seed: int = 0) -> LabResult:
    r"""Run every loop of a lab on the same seeded model and data; measure and state the result.

    Args:
        lab: a :class:`Lab` or its id (a key of :data:`LABS`).
        seed: seeds the lab's ``torch.Generator`` (weights and data), 0 to 999.

    Returns:
        A :class:`LabResult`; its ``finding`` is one sentence built from the measured numbers.
    """
    if isinstance(lab, str):
        if lab not in LABS:
            raise ValueError(f"No lab {lab!r}; known labs: {', '.join(LABS)}.")
        lab = LABS[lab]
    if isinstance(seed, bool) or not isinstance(seed, int) or seed not in SEEDS:
        raise ValueError(f"seed={seed!r} must be a whole number from 0 to {SEEDS[-1]}.")
    runs = {loop.key: run_loop(lab, loop, seed) for loop in lab.loops}
    numbers, finding = lab.summarise(lab, runs)
    return LabResult(lab.id, seed, runs, numbers, finding)


# ---- models and data ------------------------------------------------------------------------


def _mlp(gen: torch.Generator) -> nn.Sequential:
    """8 -> 32 -> 1 ReLU MLP with PyTorch's default init, drawn from ``gen``."""
    with torch.device("meta"):  # no memory, no draws from the global generator
        model = nn.Sequential(nn.Linear(N_IN, WIDTH), nn.ReLU(), nn.Linear(WIDTH, 1))
    model.to_empty(device="cpu")
    with torch.no_grad():
        for layer in (model[0], model[2]):
            bound = 1 / math.sqrt(layer.in_features)  # Linear.reset_parameters' U(-b, b)
            layer.weight.uniform_(-bound, bound, generator=gen)
            layer.bias.uniform_(-bound, bound, generator=gen)
    return model


def _batches(gen: torch.Generator, n: int, size: int = BATCH) -> list[tuple]:
    """``n`` batches ``(x, y)``: ``x (size, 8)`` standard normal, ``y (size, 1)`` a noisy
    teacher ``sin(x w) + 0.3 noise``; a fresh model's gradient norm is of order 1."""
    teacher = torch.randn(N_IN, generator=gen)
    out = []
    for _ in range(n):
        x = torch.randn(size, N_IN, generator=gen)
        y = torch.sin(x @ teacher).unsqueeze(1) + 0.3 * torch.randn(size, 1, generator=gen)
        out.append((x, y))
    return out


def _mse(model, batch):
    return nn.functional.mse_loss(model(batch[0]), batch[1])


def _plain_setup(seed: int, steps: int = STEPS) -> Setup:
    gen = torch.Generator().manual_seed(seed)
    model = _mlp(gen)
    return Setup(model, _batches(gen, steps), nn.functional.mse_loss, _mse)


def _amp_loss(model, batch):
    with torch.autocast("cpu", dtype=torch.bfloat16):
        return nn.functional.mse_loss(model(batch[0]), batch[1])


def _amp_setup(seed: int) -> Setup:
    return replace(_plain_setup(seed), batch_loss=_amp_loss)


def _accumulation_setup(seed: int) -> Setup:
    gen = torch.Generator().manual_seed(seed)
    model = _mlp(gen)
    micro = _batches(gen, STEPS * ACCUMULATE, size=MICRO)
    groups = [micro[i : i + ACCUMULATE] for i in range(0, len(micro), ACCUMULATE)]
    return Setup(model, groups, nn.functional.mse_loss, _mse)


def _huber(model, batch):
    return nn.functional.huber_loss(model(batch[0]), batch[1])


def _overflow_setup(seed: int) -> Setup:
    gen = torch.Generator().manual_seed(seed)
    model = _mlp(gen)
    batches = _batches(gen, OVERFLOW_STEPS)
    x, y = batches[CORRUPT_STEP - 1]
    x = x.clone()
    x[0, 0] = CORRUPT_VALUE  # one sample's feature read as garbage: finite, but huge
    batches[CORRUPT_STEP - 1] = (x, y)
    return Setup(model, batches, nn.functional.huber_loss, _huber)


# ---- the loops' source ----------------------------------------------------------------------


def _clip(max_norm: float, extra: str = "", indent: int = 4) -> str:
    return f"{' ' * indent}norm = clip_grad_norm_(params, max_norm={max_norm!r}{extra})"


def _head(loss: str, optimizer: str = "SGD", lr: float = 0.1) -> tuple[str, ...]:
    return (
        GIVEN.format(loss),
        "from torch.nn.utils import clip_grad_norm_",
        "params = list(model.parameters())",
        f"optimizer = torch.optim.{optimizer}(params, lr={lr!r})",
    )


def _loop(key: str, label: str, lines, marked: str | None = None, wrong: bool = False) -> Loop:
    lines = tuple(lines)
    return Loop(key, label, lines, None if marked is None else lines.index(marked), wrong)


def _amp_loops(lr: float, max_norm: float) -> tuple[Loop, ...]:
    head = (
        *_head("mean squared error", lr=lr),
        'scaler = torch.amp.GradScaler("cpu")',
        "for x, y in batches:",
        "    optimizer.zero_grad()",
        '    with torch.autocast("cpu", dtype=torch.bfloat16):',
        "        loss = loss_fn(model(x), y)",
        "    scaler.scale(loss).backward()  # .grad holds scale × gradient",
    )
    clip, unscale = _clip(max_norm), "    scaler.unscale_(optimizer)"
    tail = ("    scaler.step(optimizer)", "    scaler.update()")
    return (
        _loop("buggy", "clip, then unscale_", (*head, clip, unscale, *tail), clip, True),
        _loop("correct", "unscale_, then clip", (*head, unscale, clip, *tail), clip),
    )


def _accumulation_loops(lr: float, max_norm: float) -> tuple[Loop, ...]:
    head = (
        *_head("mean squared error", lr=lr),
        "for micro_batches in batches:  # one update per group of micro-batches",
        "    optimizer.zero_grad()",
        "    for x, y in micro_batches:",
        "        loss = loss_fn(model(x), y) / len(micro_batches)",
        "        loss.backward()  # .grad holds the running sum",
    )
    each, once, step = _clip(max_norm, indent=8), _clip(max_norm), "    optimizer.step()"
    return (
        _loop("buggy", "clip after every micro-batch", (*head, each, step), each, True),
        _loop("correct", "clip once, before step()", (*head, once, step), once),
    )


def _plain_head(loss: str, optimizer: str = "SGD", lr: float = 0.1) -> tuple[str, ...]:
    return (
        *_head(loss, optimizer, lr),
        "for x, y in batches:",
        "    optimizer.zero_grad()",
        "    loss = loss_fn(model(x), y)",
        "    loss.backward()",
    )


def _after_step_loops(lr: float, max_norm: float) -> tuple[Loop, ...]:
    head, clip, step = (
        _plain_head("mean squared error", lr=lr),
        _clip(max_norm),
        "    optimizer.step()",
    )
    return (
        _loop("buggy", "clip after step()", (*head, step, clip), clip, True),
        _loop("correct", "clip before step()", (*head, clip, step), clip),
        _loop("none", "no clipping", (*head, step)),
    )


def _overflow_loops(lr: float, max_norm: float) -> tuple[Loop, ...]:
    head = _plain_head("Huber loss", lr=lr)
    silent, loud = _clip(max_norm), _clip(max_norm, ", error_if_nonfinite=True")
    step = "    optimizer.step()"
    return (
        _loop("buggy", "default: silent", (*head, silent, step), silent, True),
        _loop("correct", "error_if_nonfinite=True", (*head, loud, step), loud),
    )


def _threshold_loops(sgd_lr, adam_lr, high, low) -> tuple[Loop, ...]:
    loops = []
    for name, lr in (("SGD", sgd_lr), ("Adam", adam_lr)):
        head, step = _plain_head("mean squared error", name, lr), "    optimizer.step()"
        key = name.lower()
        loops.append(_loop(f"{key}-none", f"{name}, no clipping", (*head, step)))
        for which, where, c in (("never", "far above", high), ("always", "far below", low)):
            clip = _clip(c)
            label = f"{name}, max_norm={c!r} ({where} the norms)"
            loops.append(_loop(f"{key}-{which}", label, (*head, clip, step), clip, True))
    return tuple(loops)


# ---- what each lab measured, in one sentence ------------------------------------------------


def _g(x: float) -> str:
    """A short number: 0.0166, 3.1e+12, inf."""
    if not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    return f"{x:.3g}"


def _times(ratio: float) -> str:
    return f"{ratio:,.0f}" if ratio >= 100 else f"{ratio:.3g}"


def _median(a: np.ndarray) -> float:
    return float(np.median(a)) if len(a) else math.nan


def _amp_summary(lab: Lab, runs: dict[str, LoopRun]) -> tuple[dict, str]:
    c = lab.settings["max_norm"]
    bug, ok = runs["buggy"].series, runs["correct"].series
    n = len(bug["loss"])
    nums = dict(
        ratio=_median(bug["norm_seen"] / bug["true_norm"]),
        scale=float(bug["scale"][0]),
        fired_buggy=float((bug["norm_seen"] > c).sum()),
        fired_correct=float((ok["norm_seen"] > c).sum()),
        used_buggy=_median(bug["applied_norm"]),
        used_correct=_median(ok["applied_norm"]),
    )
    nums["shrink"] = nums["used_correct"] / nums["used_buggy"]
    return nums, (
        f"Clipped before `unscale_`, the norm compared with `max_norm` = {c:g} was "
        f"{_times(nums['ratio'])}× the true one (the loss scale is {nums['scale']:,.0f}), so "
        f"the clip fired on {nums['fired_buggy']:.0f} of {n} steps and left the step a "
        f"gradient of median norm {_g(nums['used_buggy'])}, {_times(nums['shrink'])}× smaller "
        f"than the {_g(nums['used_correct'])} it gets when `unscale_` comes first (where the clip "
        f"fired on {nums['fired_correct']:.0f} of {n} steps)."
    )


def _accumulation_summary(lab: Lab, runs: dict[str, LoopRun]) -> tuple[dict, str]:
    c = lab.settings["max_norm"]
    bug, ok = runs["buggy"].series, runs["correct"].series
    nums = dict(
        largest_buggy=float(bug["applied_norm"].max()),
        largest_correct=float(ok["applied_norm"].max()),
        cosine=_median(bug["cosine"]),
        cosine_correct=_median(ok["cosine"]),
        first_weight=_median(bug["first_weight"]),
        first_weight_correct=_median(ok["first_weight"]),
    )
    capped = max(nums["largest_buggy"], nums["largest_correct"]) <= c * (1 + 1e-6)
    cap = "keep every update's gradient within" if capped else "do not both stay within"
    return nums, (
        f"Both loops {cap} `max_norm` = {c:g} (largest {_g(nums['largest_buggy'])} clipped after "
        f"every micro-batch, {_g(nums['largest_correct'])} clipped once), but clipping after "
        f"each of the {ACCUMULATE} micro-batches bends it: its cosine with the clip-once "
        f"gradient of the same micro-batches is {nums['cosine']:.2f} (median of "
        f"{len(bug['loss'])} updates), because the first micro-batch ends up weighted "
        f"{_g(nums['first_weight'])}× as much as the last (clipped once: "
        f"{_g(nums['first_weight_correct'])}×)."
    )


def _after_step_summary(lab: Lab, runs: dict[str, LoopRun]) -> tuple[dict, str]:
    c, lr = lab.settings["max_norm"], lab.settings["lr"]
    bug, ok, none = (runs[k] for k in ("buggy", "correct", "none"))
    n = bug.steps
    same = int((bug.series["update_norm"] == none.series["update_norm"]).sum())
    nums = dict(
        same_steps=float(same),
        same_weights=float(torch.equal(bug.final_weights, none.final_weights)),
        largest_buggy=float(bug.series["update_norm"].max()),
        cap=lr * c,
        largest_correct=float(ok.series["update_norm"].max()),
        fired_correct=float((ok.series["norm_seen"] > c).sum()),
    )
    end = "end bit for bit the same" if nums["same_weights"] else "still end apart"
    within = "within" if nums["largest_correct"] <= nums["cap"] * (1 + 1e-4) else "above"
    return nums, (
        f"Clipped after `optimizer.step()`, the updates equal the unclipped loop's on {same} of "
        f"{n} steps (largest {_g(nums['largest_buggy'])}) and the weights {end}, while "
        f"clipping before the step kept every update {within} lr × `max_norm` = {_g(nums['cap'])} "
        f"(largest {_g(nums['largest_correct'])}; the clip fired on "
        f"{nums['fired_correct']:.0f} of {n} steps)."
    )


def _overflow_summary(lab: Lab, runs: dict[str, LoopRun]) -> tuple[dict, str]:
    bug, ok = runs["buggy"], runs["correct"]
    i = CORRUPT_STEP - 1
    s = bug.series
    nums = dict(
        step=float(CORRUPT_STEP),
        norm_seen=float(s["norm_seen"][i]),
        true_norm=float(s["true_norm"][i]),
        max_abs=float(s["max_abs"][i]),
        unchanged=float(s["unchanged"][i]),
        moved_elsewhere=float((~np.delete(s["unchanged"], i)).sum()),
        raised_at=float(ok.steps + 1) if ok.error else math.nan,
    )
    if not (math.isinf(nums["norm_seen"]) and math.isfinite(nums["max_abs"])):
        return nums, (
            f"At step {CORRUPT_STEP} the gradient norm was {_g(nums['norm_seen'])} (largest "
            f"entry {_g(nums['max_abs'])}): this seed did not overflow the norm."
        )
    did = "left the weights bit for bit unchanged" if nums["unchanged"] else "still moved them"
    raised = (
        f"stopped at step {nums['raised_at']:.0f} with a `RuntimeError`"
        if ok.error
        else "did not raise"
    )
    return nums, (
        f"At step {CORRUPT_STEP} every gradient entry was finite (largest "
        f"{_g(nums['max_abs'])}) but their float32 norm overflowed (true size "
        f"{_g(nums['true_norm'])}), so `clip_grad_norm_` returned {_g(nums['norm_seen'])}, "
        f"multiplied every gradient by 0, and the step {did} without a word, while the loop "
        f"with `error_if_nonfinite=True` {raised}."
    )


def _threshold_summary(lab: Lab, runs: dict[str, LoopRun]) -> tuple[dict, str]:
    high, low, lr = lab.settings["high"], lab.settings["low"], lab.settings["sgd_lr"]
    nums = dict(cap=lr * low)
    for opt in ("sgd", "adam"):
        none, never, always = (runs[f"{opt}-{w}"].series for w in ("none", "never", "always"))
        nums[f"{opt}_none"] = _median(none["update_norm"])
        nums[f"{opt}_never"] = _median(never["update_norm"])
        nums[f"{opt}_always"] = _median(always["update_norm"])
        nums[f"{opt}_same"] = float((never["update_norm"] == none["update_norm"]).all())
        nums[f"{opt}_never_fired"] = float((never["norm_seen"] > high).sum())
        nums[f"{opt}_always_fired"] = float((always["norm_seen"] > low).sum())
    norms = np.concatenate([runs[k].series["norm_seen"] for k in ("sgd-never", "adam-never")])
    lows = np.concatenate([runs[k].series["norm_seen"] for k in ("sgd-always", "adam-always")])
    nums["largest_norm"], nums["smallest_norm"] = float(norms.max()), float(lows.min())
    n = 2 * len(runs["sgd-none"].series["loss"])
    fired = nums["sgd_always_fired"] + nums["adam_always_fired"]
    never = nums["sgd_never_fired"] + nums["adam_never_fired"]
    same = "equal" if nums["sgd_same"] and nums["adam_same"] else "differ from"
    ratio = nums["adam_always"] / nums["adam_none"]
    adam = "stayed near" if 0.5 <= ratio <= 2 else "moved away from"
    return nums, (
        f"With `max_norm` = {high:g} the clip fired on {never:.0f} of {n} steps (largest norm "
        f"{_g(nums['largest_norm'])}) and the updates {same} the unclipped ones; with "
        f"`max_norm` = {low:g} it fired on {fired:.0f} of {n} (smallest norm "
        f"{_g(nums['smallest_norm'])}): SGD's update shrank from a median "
        f"{_g(nums['sgd_none'])} to {_g(nums['sgd_always'])}, lr × `max_norm` = "
        f"{_g(nums['cap'])}, while Adam's {adam} its unclipped size (median "
        f"{_g(nums['adam_always'])} against {_g(nums['adam_none'])})."
    )


# ---- the labs -------------------------------------------------------------------------------

_AMP = dict(lr=0.1, max_norm=1.0)
_ACC = dict(lr=0.1, max_norm=0.2)
_AFTER = dict(lr=0.1, max_norm=0.1)
_OVER = dict(lr=0.05, max_norm=1.0)
_THR = dict(sgd_lr=0.1, adam_lr=0.01, high=100.0, low=0.001)

LABS: dict[str, Lab] = {
    lab.id: lab
    for lab in (
        Lab(
            id="amp",
            title="Mixed precision: clipping scaled gradients",
            story=(
                "Mixed precision multiplies the loss by a large scale, so that small float16 "
                "gradients do not round to zero: until `scaler.unscale_(optimizer)` divides it "
                "back out, every gradient in `.grad` is that many times too large. Clip before "
                "that, and `clip_grad_norm_` compares the scaled norm with your `max_norm`. "
                'Here both loops run on the CPU under bfloat16 autocast with `GradScaler("cpu")`: '
                "the same calls as float16 on a GPU (bfloat16 does not need the scaler, but "
                "code written for float16 carries it along)."
            ),
            lesson="pitfalls",
            loops=_amp_loops(**_AMP),
            setup=_amp_setup,
            summarise=_amp_summary,
            settings=_AMP,
        ),
        Lab(
            id="accumulation",
            title="Gradient accumulation: clipping every micro-batch",
            story=(
                f"For a batch too large for memory you sum the gradients of several "
                f"micro-batches (here {ACCUMULATE} of {MICRO} samples each) and step once. "
                "`.grad` holds the running sum, so a clip inside the micro-batch loop clips "
                "partial sums: the last clip still caps the total, but each clip shrinks what was "
                "already summed once more, so early micro-batches count less."
            ),
            lesson="pitfalls",
            loops=_accumulation_loops(**_ACC),
            setup=_accumulation_setup,
            summarise=_accumulation_summary,
            settings=_ACC,
        ),
        Lab(
            id="after-step",
            title="Clipping after optimizer.step()",
            story=(
                "`optimizer.step()` reads `.grad` the moment it is called. A clip written after "
                "it shrinks gradients nobody reads again: the update has already used the raw "
                "gradient, and `zero_grad()` drops the clipped values at the next step."
            ),
            lesson="pitfalls",
            loops=_after_step_loops(**_AFTER),
            setup=_plain_setup,
            summarise=_after_step_summary,
            settings=_AFTER,
            true_gradient=False,
        ),
        Lab(
            id="overflow",
            title="The norm overflows: a step that silently does nothing",
            story=(
                f"Batch {CORRUPT_STEP} holds one corrupt sample: a feature read as "
                f"{CORRUPT_VALUE:.0e} instead of a number near 1 (a unit mix-up, a broken "
                "file). The Huber loss stays finite and so does every gradient entry, but the "
                "norm squares them: one entry above about 1.8e19 squares past float32's 3.4e38, "
                "the total norm is inf, and `clip_grad_norm_` multiplies every gradient by "
                "max_norm / inf = 0."
            ),
            lesson="clipping_in_pytorch",
            loops=_overflow_loops(**_OVER),
            setup=_overflow_setup,
            summarise=_overflow_summary,
            settings=_OVER,
        ),
        Lab(
            id="threshold",
            title="A threshold that never fires, and one that always does",
            story=(
                "A threshold is useful only among the norms you actually see. Far above them "
                "the clip never fires: no protection at all. Far below, it fires on every "
                "step: with SGD each update is then lr × max_norm, a smaller learning rate in "
                "disguise; Adam divides by its running estimate of the gradient's size, so "
                "the shrink mostly cancels out."
            ),
            lesson="choosing_a_threshold",
            loops=_threshold_loops(**_THR),
            setup=_plain_setup,
            summarise=_threshold_summary,
            settings=_THR,
            true_gradient=False,
        ),
    )
}
