"""One sentence under each chart, with the numbers it shows right now.

A reader who cannot see the chart learns the same, and a teacher can read it out. Pure
functions of the run's history: no ``st.*`` here.
"""

from __future__ import annotations

import math

import numpy as np

from gradclip_core.clipping import MODE_LABELS
from gradclip_core.history import History
from ui.playground.chart_layout import HEALTHY_BAND


def fmt(x: float) -> str:
    """Short number, three significant digits: 0.0166, 483, 1.23e+3, 3.1e+12, 1e-7, inf, nan.

    The same text the charts' hover labels and tick labels show (d3's ``".3~g"``, i.e.
    JavaScript's ``toPrecision(3)`` without trailing zeros), so a number reads the same on a
    tile, in a caption and on the chart. Python's own ``.3g`` differs from it: ``1e-05``
    against ``0.00001``, ``1e+03`` against ``1e+3``.
    """
    x = float(x)
    if not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    if x == 0:
        return "0"
    mantissa, exponent = f"{x:.2e}".split("e")  # rounds to three digits first
    e = int(exponent)
    if e < -6 or e >= 3:
        mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}e{'-' if e < 0 else '+'}{abs(e)}"
    text = f"{x:.{2 - e}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _orders(ratio: float) -> str:
    if not math.isfinite(ratio) or ratio <= 0:
        return "an overflowing number of"
    return f"10^{round(math.log10(ratio))}" if ratio >= 100 else f"{ratio:.1f}"


def loss_sentence(history: History, baseline: float) -> str:
    if not len(history):
        return "Loss: no steps yet. Press Start or Step."
    loss, step = history.column("loss"), int(history.column("step")[-1])
    last = float(loss[-1])
    if not math.isfinite(last):
        return f"Loss became {fmt(last)} at step {step}: the run diverged."
    recent = float(np.nanmean(loss[-20:]))
    if recent < baseline:
        verdict = f"{fmt(baseline / recent)}× below the baseline {fmt(baseline)}: it is learning"
    else:
        verdict = (
            f"{fmt(recent / baseline)}× the baseline {fmt(baseline)} (the best constant guess): "
            "not learning yet"
        )
    return f"Loss averages {fmt(recent)} over the last 20 steps at step {step}, {verdict}."


def norm_sentence(history: History, mode: str) -> str:
    n = len(history)
    if not n:
        return "Gradient norm: no steps yet."
    grad, thr = history.column("grad_norm"), history.column("threshold")
    clipped = int(history.column("clipped").sum())
    finite = grad[np.isfinite(grad)]
    largest = float(finite.max()) if len(finite) else math.nan
    text = f"{clipped} of {n} steps clipped ({100 * clipped / n:.0f}%) by {MODE_LABELS[mode]}"
    if not np.isfinite(grad).all():
        text += "; the gradient norm overflowed to inf/nan at the last step"
    text += f"; the largest finite gradient norm was {fmt(largest)}"
    t = float(thr[-1])
    if mode in ("norm", "layer-norm", "autoclip") and math.isfinite(t) and t > 0:
        text += f", {_orders(largest / t)} times the threshold {fmt(t)}"
        after = float(history.column("clipped_grad_norm")[-1])
        text += f"; after clipping it is {fmt(after)} now"
    return text + "."


def layer_sentence(history: History) -> str:
    if not len(history):
        return "Per-layer gradient norms: no steps yet."
    row = history.layer_matrix("grad_norm")[-1]
    names = history.layer_names
    bad = [names[j] for j in range(len(names)) if not np.isfinite(row[j])]
    if bad:
        return f"Non-finite gradients now in: {', '.join(bad)}." + _blank_note(history)
    hi, lo = int(np.argmax(row)), int(np.argmin(row))
    head = (
        f"Largest layer gradient now: {names[hi]} at {fmt(row[hi])}; smallest: {names[lo]} "
        f"at {fmt(row[lo])}"
    )
    if not row[lo] > 0:  # a layer with no gradient at all (e.g. tanh saturated)
        return head + "." + _blank_note(history)
    return (
        head
        + f" (the largest is {_orders(row[hi] / row[lo])} times the smallest)."
        + (_blank_note(history))
    )


def _blank_note(history: History) -> str:
    """What the heatmap's grey cells are, when it has any."""
    m = history.layer_matrix("grad_norm")
    if (np.isfinite(m) & (m > 0)).all():
        return ""
    return (
        " Grey cells: steps where a layer's gradient norm was inf, nan or 0 "
        "(no colour on a log scale)."
    )


def ratio_sentence(history: History) -> str:
    if not len(history):
        return "Update size: no steps yet."
    ratios = history.layer_matrix("update_ratio")[-20:]
    mean = np.nanmean(np.where(np.isfinite(ratios), ratios, np.nan), axis=0)
    if not np.isfinite(mean).any():
        return "Update size: no finite update in the last 20 steps."
    j = int(np.nanargmax(mean))
    overall = float(np.nanmedian(mean))
    low, high = HEALTHY_BAND
    verdict = "inside" if low <= overall <= high else ("above" if overall > high else "below")
    return (
        f"Over the last 20 steps a typical layer moved {fmt(overall)} of its size per step, "
        f"{verdict} the shaded healthy band ({fmt(low)} to {fmt(high)}); the biggest mover "
        f"is {history.layer_names[j]} "
        f"({fmt(float(mean[j]))})."
    )
