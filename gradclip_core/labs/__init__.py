"""Pitfall labs: a clipping mistake and its fix, side by side, on real torch calls.

Each :class:`Lab` keeps the exact source of two or more training loops that differ only in the
mistake. :func:`run_lab` compiles and runs that source (``exec``) in a namespace holding the
lab's seeded ``model``, ``batches`` and ``loss_fn``: what the page shows is what ran. The
``batches`` it gets are a :class:`~.base._Probe`, which hands out the lab's batches as a list
would and, between two of them, measures the step just taken (update, gradient, the loop's ``norm``)
without touching the model. Every draw comes from a ``torch.Generator`` seeded per run: no
global RNG, no process-wide state. Lessons: lessons/read/06_pitfalls.md,
03_clipping_in_pytorch.md (overflow) and 07_choosing_a_threshold.md (threshold).

Modules: :mod:`.base` (loops, setups, runs and the probe), :mod:`.setups` (each lab's model,
data and loop source), :mod:`.findings` (each lab's sentence); :data:`LABS` is here.
"""

from __future__ import annotations

from .base import (
    ACCUMULATE,
    BATCH,
    CORRUPT_STEP,
    CORRUPT_VALUE,
    GIVEN,
    MICRO,
    N_IN,
    OVERFLOW_STEPS,
    SEEDS,
    STEPS,
    WIDTH,
    Lab,
    LabResult,
    Loop,
    LoopRun,
    Setup,
    run_loop,
)
from .findings import (
    accumulation_summary,
    after_step_summary,
    amp_summary,
    overflow_summary,
    threshold_summary,
)
from .setups import (
    accumulation_loops,
    accumulation_setup,
    after_step_loops,
    amp_loops,
    amp_setup,
    overflow_loops,
    overflow_setup,
    plain_setup,
    threshold_loops,
)

__all__ = [
    "ACCUMULATE",
    "BATCH",
    "CORRUPT_STEP",
    "CORRUPT_VALUE",
    "GIVEN",
    "LABS",
    "MICRO",
    "N_IN",
    "OVERFLOW_STEPS",
    "SEEDS",
    "STEPS",
    "WIDTH",
    "Lab",
    "LabResult",
    "Loop",
    "LoopRun",
    "Setup",
    "run_lab",
    "run_loop",
]


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
            loops=amp_loops(**_AMP),
            setup=amp_setup,
            summarise=amp_summary,
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
            loops=accumulation_loops(**_ACC),
            setup=accumulation_setup,
            summarise=accumulation_summary,
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
            loops=after_step_loops(**_AFTER),
            setup=plain_setup,
            summarise=after_step_summary,
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
            loops=overflow_loops(**_OVER),
            setup=overflow_setup,
            summarise=overflow_summary,
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
            loops=threshold_loops(**_THR),
            setup=plain_setup,
            summarise=threshold_summary,
            settings=_THR,
            true_gradient=False,
        ),
    )
}
