"""What each lab measured, stated in one sentence from its runs' numbers."""

from __future__ import annotations

import math

import numpy as np
import torch

from .base import ACCUMULATE, CORRUPT_STEP, Lab, LoopRun

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


def amp_summary(lab: Lab, runs: dict[str, LoopRun]) -> tuple[dict, str]:
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


def accumulation_summary(lab: Lab, runs: dict[str, LoopRun]) -> tuple[dict, str]:
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


def after_step_summary(lab: Lab, runs: dict[str, LoopRun]) -> tuple[dict, str]:
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


def overflow_summary(lab: Lab, runs: dict[str, LoopRun]) -> tuple[dict, str]:
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


def threshold_summary(lab: Lab, runs: dict[str, LoopRun]) -> tuple[dict, str]:
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
