"""The Geometry page's figure and slider options (its sentences: ``words.py``). No ``st.*``
calls here.

One figure shows a gradient in a plane: the threshold region (a circle for norm and AGC, a
box for value), the raw and the clipped gradient as arrows, and the angle between them. The
same figure shows a real gradient of the playground run projected onto two of its entries.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from gradclip_core.geometry import PlaneClip, RunGeometry, run_geometry, snapshot
from ui.captions import fmt
from ui.charts import MODE_COLORS, RAW_COLOR, THRESHOLD_COLOR
from ui.geometry.words import degrees, vec_text
from ui.live import LiveRun
from ui.training_pool import run_in_pool

_STEPS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0, 7.0, 10.0)
COMPONENT_OPTIONS = tuple(-s for s in reversed(_STEPS)) + (0.0,) + _STEPS  # log-ish, signed
THRESHOLD_OPTIONS = {  # per mode: max norm, max |g_i|, AGC's lambda
    "norm": _STEPS,
    "value": _STEPS,
    "agc": (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0),
}
WEIGHT_OPTIONS = (0.0, 0.001, 0.01, 0.1, 0.3, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0, 100.0)
PLANE_LABELS = {"norm": "By norm", "value": "By value", "agc": "AGC (adaptive)"}
PLOT_WIDTH = 500  # px: about the chart column's width on a laptop screen (1366 px)
MARGIN_TOP, MARGIN_BOTTOM = 40, 95  # the note above; axis title and legend below
NO_RUN = (
    "There is no playground run yet. Open the Playground, press Step a few times (or Start, "
    "then Pause), and come back: this view then shows the gradient of the run's next step."
)


# ---- the run's gradient -------------------------------------------------------------------


def measure_run(run: LiveRun | None) -> RunGeometry | str:
    """The geometry of a run's next gradient, or a sentence saying why there is none.

    The run is never stepped: its model is copied under the run's lock, and the gradient is
    computed on the copy, on the training pool within the memory budget.
    """
    if run is None:
        return NO_RUN
    with run.locked() as trainer:
        if trainer is None:
            return (
                f"The playground run was put away because {run.released}. Press Step on the "
                "Playground to train it again, then come back."
            )
        if trainer.steps_done == 0:
            return NO_RUN
        snap = snapshot(trainer)
    return run_in_pool(run_geometry, snap, mb=run.cost.mb)


# ---- figure -------------------------------------------------------------------------------


def plane_figure(clip: PlaneClip) -> go.Figure:
    """The 2-D picture of a :class:`PlaneClip`: region, raw and clipped arrows, angle arc."""
    shape = "box" if clip.mode == "value" else "circle"
    return vector_figure(
        clip.raw,
        clip.clipped,
        mode=clip.mode,
        region=(shape, clip.limit),
        arc=True,
        note=f"angle between raw and clipped: <b>{degrees(clip.angle)}</b>",
        axis_titles=("g<sub>x</sub>", "g<sub>y</sub>"),
    )


def run_figure(geo: RunGeometry) -> go.Figure:
    """A run's gradient projected on its two largest entries, with the threshold's shadow.

    The projection of a ball of radius c onto two coordinates is the disc of radius c, and
    of a box the square: both are exact, so the clipped arrow always lies inside them.
    """
    region = None
    if geo.mode == "value" or (geo.mode == "norm" and geo.norm_type == math.inf):
        region = ("box", geo.threshold)
    elif geo.mode in ("norm", "autoclip"):
        region = ("circle", geo.threshold)
    return vector_figure(
        geo.raw2,
        geo.clipped2,
        mode=geo.mode,
        region=region,
        arc=False,
        note=f"full dimension: cosine <b>{geo.cosine:.4f}</b> ({degrees(geo.angle)})",
        axis_titles=geo.coord_names,
    )


def vector_figure(
    raw: tuple[float, float],
    clipped: tuple[float, float],
    *,
    mode: str,
    region: tuple[str, float] | None,
    arc: bool,
    note: str,
    axis_titles: tuple[str, str],
) -> go.Figure:
    """Raw and clipped vectors from the origin, equal axis scaling.

    Args:
        raw: the raw gradient's two entries.
        clipped: the clipped gradient's.
        mode: the clipping mode (its colour from the app's palette).
        region: ``("circle" | "box", size)``: the threshold region, drawn dashed; or None.
        arc: whether to draw an arc between the arrows (the angle in this plane).
        note: the angle in words, shown in the top-left corner.
        axis_titles: x and y axis titles.
    """
    color = MODE_COLORS.get(mode, MODE_COLORS["norm"])
    (x0, x1), (y0, y1) = _view(raw, clipped, region)
    r = max(x1 - x0, y1 - y0) / 2  # the scale arrowheads and the arc are sized by
    fig = go.Figure()
    if region is not None and math.isfinite(region[1]) and region[1] > 0:
        fig.add_shape(_region_shape(*region, color))
        # A legend entry for the dashed outline (shapes have none of their own).
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                name=_region_name(mode, *region),
                line=dict(color=THRESHOLD_COLOR, dash="dash", width=2),
            )
        )
    if arc and raw != clipped and min(math.hypot(*raw), math.hypot(*clipped)) > 0:
        _add_arc(fig, raw, clipped, r)
    if raw != clipped:  # what clipping removed: from the raw tip to the clipped tip
        fig.add_trace(
            go.Scatter(
                x=[raw[0], clipped[0]],
                y=[raw[1], clipped[1]],
                mode="lines",
                line=dict(color=RAW_COLOR, dash="dot", width=1.5),
                showlegend=False,
                hoverinfo="skip",
            )
        )
    for vec, name, col, width in (
        (raw, f"raw {vec_text(raw)}", RAW_COLOR, 5),
        (clipped, f"clipped {vec_text(clipped)}", color, 3),
    ):
        fig.add_traces(_arrow(vec, name, col, width, r))
    axis = dict(
        dtick=_nice_step(r),
        tickfont=dict(size=13),
        zeroline=True,
        zerolinecolor="#bbbbbb",
        gridcolor="#eeeeee",
        showline=True,
        linecolor="#cccccc",
        mirror=True,
    )
    fig.update_layout(
        height=_height(x1 - x0, y1 - y0),
        margin=dict(l=60, r=10, t=MARGIN_TOP, b=MARGIN_BOTTOM),
        title=dict(
            text=note,
            x=0.5,
            xanchor="center",
            y=1.0,
            yanchor="top",
            yref="container",
            pad=dict(t=8),
            font=dict(size=17, color=THRESHOLD_COLOR),
        ),
        font=dict(size=15, family="Source Sans, Source Sans Pro, sans-serif", color="#31333F"),
        plot_bgcolor="white",
        legend=dict(orientation="h", x=0.5, xanchor="center", y=-0.2, yanchor="top"),
        # Equal scaling: one unit is as long across as up, so circles are round and angles
        # true; the plot takes the data's shape rather than padding the view with empty space.
        xaxis=dict(axis, range=[x0, x1], title=dict(text=axis_titles[0]), constrain="domain"),
        yaxis=dict(
            axis,
            range=[y0, y1],
            title=dict(text=axis_titles[1]),
            scaleanchor="x",
            scaleratio=1,
            constrain="domain",
        ),
        uirevision="geometry",
    )
    return fig


def _arrow(vec, name: str, color: str, width: float, view: float) -> list[go.Scatter]:
    """An arrow from the origin to ``vec``: a line and a filled head whose tip is exactly ``vec``.

    Drawn as traces in data units (the axes have equal scale), not as annotation arrows,
    whose heads overshoot the point and whose stacking ignores the trace order.
    """
    length = math.hypot(*vec)
    line = dict(color=color, width=width)
    tip = dict(legendgroup=name, hoverinfo="skip", showlegend=False)
    if length == 0:
        return [go.Scatter(x=[0], y=[0], mode="markers", name=name, marker=dict(color=color))]
    ux, uy = vec[0] / length, vec[1] / length
    head = min(0.07 * view, 0.6 * length)  # short arrows get a smaller head
    half = 0.45 * head
    bx, by = vec[0] - head * ux, vec[1] - head * uy  # the head's base, on the shaft
    return [
        go.Scatter(
            x=[0, bx],
            y=[0, by],
            mode="lines",
            name=name,
            legendgroup=name,
            line=line,
            hovertemplate=f"{name}<extra></extra>",
        ),
        go.Scatter(
            x=[vec[0], bx - half * uy, bx + half * uy, vec[0]],
            y=[vec[1], by + half * ux, by - half * ux, vec[1]],
            mode="lines",
            fill="toself",
            fillcolor=color,
            line=dict(color=color, width=1),
            **tip,
        ),
    ]


def _height(x_span: float, y_span: float) -> int:
    """Figure height that gives the plot about the data's shape at the usual column width."""
    plot = PLOT_WIDTH * y_span / x_span
    return int(MARGIN_TOP + MARGIN_BOTTOM + min(max(plot, 260), 420))


def _nice_step(view: float) -> float:
    """A tick step of 1, 2 or 5 times a power of ten, about four ticks per half-axis or fewer."""
    raw = view / 3
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _region_name(mode: str, kind: str, size: float) -> str:
    if mode == "agc":
        return f"threshold λ·‖w‖ (circle {fmt(size)})"
    return f"threshold ({'box' if kind == 'box' else 'circle'} {fmt(size)})"


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _view(raw, clipped, region) -> tuple[tuple[float, float], tuple[float, float]]:
    """x and y ranges that hold the origin, both arrows, and the region unless it dwarfs them."""
    longest = max(math.hypot(*raw), math.hypot(*clipped))
    size = region[1] if region is not None and math.isfinite(region[1]) else 0.0
    if longest > 0:
        size = min(size, 4 * longest)  # a huge region would shrink the arrows to dots
    elif size == 0:
        size = 1.0  # a zero gradient and no region: any view will do
    xs = [0.0, raw[0], clipped[0], -size, size]
    ys = [0.0, raw[1], clipped[1], -size, size]
    pad = 0.15 * max(max(xs) - min(xs), max(ys) - min(ys))
    return (min(xs) - pad, max(xs) + pad), (min(ys) - pad, max(ys) + pad)


def _region_shape(kind: str, size: float, color: str) -> dict:
    return dict(
        type="rect" if kind == "box" else "circle",
        xref="x",
        yref="y",
        x0=-size,
        y0=-size,
        x1=size,
        y1=size,
        line=dict(color=THRESHOLD_COLOR, dash="dash", width=2),
        fillcolor=_rgba(color, 0.13),  # the fill only: the dashed outline stays dark
        layer="below",
    )


def _add_arc(fig: go.Figure, raw, clipped, view: float) -> None:
    """An arc between the two arrows, near the origin (the note in the corner gives its size)."""
    a0, a1 = math.atan2(raw[1], raw[0]), math.atan2(clipped[1], clipped[0])
    if a1 - a0 > math.pi:  # the short way round
        a1 -= 2 * math.pi
    elif a0 - a1 > math.pi:
        a1 += 2 * math.pi
    shortest = min(math.hypot(*raw), math.hypot(*clipped))
    rad = 0.45 * shortest if shortest > 0.1 * view else 0.3 * view
    t = np.linspace(a0, a1, 40)
    fig.add_trace(
        go.Scatter(
            x=rad * np.cos(t),
            y=rad * np.sin(t),
            mode="lines",
            line=dict(color=THRESHOLD_COLOR, width=1.5),
            showlegend=False,
            hoverinfo="skip",
        )
    )
