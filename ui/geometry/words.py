"""The Geometry page's sentences: the numbers its figures show, said in words. No ``st.*``."""

from __future__ import annotations

import math

from gradclip_core.clipping import AGC_EPS, MODE_LABELS
from gradclip_core.geometry import PlaneClip, RunGeometry
from ui.captions import fmt


def degrees(angle: float) -> str:
    """``"0°"`` for an angle that is zero up to float error, else one decimal."""
    if not math.isfinite(angle):
        return "undefined"
    return "0°" if angle < 0.05 else f"{angle:.1f}°"


def vec_text(v: tuple[float, float]) -> str:
    """A 2-D vector as "(x, y)", each number as the captions write it."""
    return f"({fmt(v[0])}, {fmt(v[1])})"


def plane_sentence(clip: PlaneClip) -> str:
    """One sentence with the numbers the 2-D figure shows."""
    raw = f"The raw gradient {vec_text(clip.raw)} has length {fmt(clip.raw_norm)}"
    if clip.raw_norm == 0:
        return f"{raw}: it has no direction, and there is nothing to clip."
    turn = (
        f"turns it by {degrees(clip.angle)} (cosine {clip.cosine:.3f})"
        if clip.angle >= 0.05
        else "keeps its direction (0°)"
    )
    c = fmt(clip.threshold)
    if clip.mode == "norm":
        if not clip.was_clipped:
            return (
                f"{raw}, inside the circle of radius {c}, so clipping by norm leaves it as it "
                "is (0°)."
            )
        return (
            f"{raw}; clipped by norm at {c} (torch's factor {c} / ({fmt(clip.raw_norm)} + 1e-6) "
            f"= {fmt(clip.factor)}) it has length {fmt(clip.clipped_norm)} and points the same "
            f"way ({degrees(clip.angle)})."
        )
    if clip.mode == "value":
        if not clip.was_clipped:
            return f"{raw} and no entry beyond ±{c}, so clipping by value leaves it as it is (0°)."
        return (
            f"{raw}; clipped by value at {c}, each entry is clamped to [-{c}, {c}], giving "
            f"{vec_text(clip.clipped)} of length {fmt(clip.clipped_norm)}, which {turn}."
        )
    w = f"the unit's weights have length {fmt(clip.weight_norm)}"
    if clip.weight_norm < AGC_EPS:
        w += f" (floored at {AGC_EPS:g})"
    ratio = f"a per-unit ratio ‖g‖ / ‖w‖ of {fmt(clip.ratio)}"
    lam = f"λ = {c}"
    if not clip.was_clipped:
        return f"{raw} and {w}: {ratio}, below {lam}, so AGC leaves it as it is (0°)."
    return (
        f"{raw} and {w}: {ratio}, above {lam}, so AGC scales it down to λ·‖w‖ = "
        f"{fmt(clip.limit)} (length {fmt(clip.clipped_norm)}) and {turn}."
    )


def _how(geo: RunGeometry) -> str:
    """How the run clips, in words: "clipped by value at 0.01"."""
    if geo.mode == "agc":
        return f"clipped by AGC with λ = {fmt(geo.threshold)}"
    if geo.mode == "autoclip":
        return (
            f"clipped by AutoClip at the {fmt(geo.setting)}th percentile of its norms "
            f"({fmt(geo.threshold)})"
        )
    label = MODE_LABELS[geo.mode].replace("clip by", "by")
    if geo.mode == "norm" and geo.norm_type == math.inf:
        label = "by max-entry norm"
    return f"clipped {label} at {fmt(geo.threshold)}"


def run_sentence(geo: RunGeometry) -> str:
    """One sentence with the numbers of a real gradient, in full dimension and projected."""
    if not geo.finite:
        return (
            f"Step {geo.step}'s gradient of the playground run has length {fmt(geo.raw_norm)}: "
            "it is not finite, so it has no direction to compare; reset the run on the "
            "Playground (or clip it) and step again."
        )
    a, b = geo.coord_names
    if geo.mode == "none":
        return (
            f"Step {geo.step}'s gradient of the playground run ({geo.size:,} numbers, length "
            f"{fmt(geo.raw_norm)}) is not clipped (the run's mode is no clipping), so raw and "
            f"clipped are one vector, cosine {geo.cosine:.4f} ({degrees(geo.angle)}); the chart "
            f"shows its two largest-magnitude entries, {a} (x) and {b} (y)."
        )
    return (
        f"Step {geo.step}'s gradient of the playground run ({geo.size:,} numbers, length "
        f"{fmt(geo.raw_norm)}), {_how(geo)}, has length {fmt(geo.clipped_norm)}; in full "
        f"dimension the cosine between raw and clipped is {geo.cosine:.4f} "
        f"({degrees(geo.angle)}); the chart projects both onto the two largest-magnitude "
        f"entries, {a} (x) and {b} (y)."
    )
