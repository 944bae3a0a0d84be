"""Plotly figure builders: data in, figure out. No ``st.*`` calls here.

The playground draws one figure with four panels, so one keyed chart updates them together
(DESIGN.md, Live pages); where the panels go is ``ui/playground/chart_layout.py``. Long
histories are decimated to about 2,000 points a trace with min/max-preserving buckets
(MinMaxLTTB), so a spike survives, and sent as float32 arrays, which Plotly ships as compact
typed arrays.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import plotly.graph_objects as go
from tsdownsample import MinMaxLTTBDownsampler

from gradclip_core.history import History
from ui.captions import fmt
from ui.playground.chart_layout import (
    HEALTHY_BAND,
    LEGENDS,
    NUMBER_FORMAT,
    PANEL_TITLES,
    grid_layout,
    look_for,
)
from ui.playground.layer_heatmap import HEATMAP_COLUMNS, heatmap, short_layer_name

__all__ = [
    "HEATMAP_COLUMNS",
    "HEALTHY_BAND",
    "PANEL_TITLES",
    "playground_figure",
    "playground_spec",
    "short_layer_name",
]

# Okabe-Ito, colour-blind safe. One colour per clipping mode, the same on every page.
MODE_COLORS = {
    "none": "#D55E00",
    "norm": "#0072B2",
    "value": "#E69F00",
    "layer-norm": "#009E73",
    "agc": "#CC79A7",
    "autoclip": "#56B4E9",
}
RAW_COLOR = "#8C8C8C"  # the gradient before clipping
THRESHOLD_COLOR = "#222222"
# Not a mode's colour: the earlier run and the clipped-step marks must not read as a mode
# (Paul Tol's wine, and black crosses on the grey curve before clipping).
GHOST_COLOR = "#882255"
CLIPPED_COLOR = "#000000"
MAX_POINTS = 1_000  # per trace: ~2 points per pixel column of a panel
MAX_RATIO_LINES = 6
MIN_DECADES = 2  # a log axis spans at least this: Plotly then labels 1, 2, 5 (not 2..9)
_DOWNSAMPLER = MinMaxLTTBDownsampler()


def decimate(y: np.ndarray, n_out: int = MAX_POINTS) -> np.ndarray:
    """Indices of at most ``n_out`` points of ``y`` that keep its shape and its extremes."""
    n = len(y)
    if n <= n_out:
        return np.arange(n)
    finite = np.isfinite(y)
    # Non-finite points (divergence) must survive: give them the extreme value for selection.
    top = np.nanmax(np.where(finite, y, np.nan)) if finite.any() else 0.0
    y_sel = np.where(finite, y, top * 10 + 1).astype(np.float64)
    idx = _DOWNSAMPLER.downsample(y_sel, n_out=n_out, parallel=False)
    bad = np.flatnonzero(~finite)
    return np.union1d(idx, bad[-1:]) if len(bad) else idx


def _f32(a: np.ndarray) -> np.ndarray:
    # Plotly's log axes skip nan; +inf would be drawn off-chart, so show it as nan too.
    out = np.asarray(a, dtype=np.float32)
    return np.where(np.isfinite(out) & (out > 0), out, np.nan).astype(np.float32)


def log_range(*arrays, pad: float = 0.05) -> list[float]:
    """A log axis range (in decades) around the finite positive values of ``arrays``.

    Whole decades, so the range stays put while the data moves inside them (a zoom held by
    ``uirevision`` survives until the data crosses a power of ten), and at least
    :data:`MIN_DECADES` wide, so the tick labels are 1, 2, 5 and not a crowd of digits.
    """
    vals = np.concatenate([np.ravel(np.asarray(a, dtype=np.float64)) for a in arrays] or [[]])
    vals = vals[np.isfinite(vals) & (vals > 0)]
    if not len(vals):
        return [-1.0, 1.0]
    lo_d, hi_d = math.log10(vals.min()), math.log10(vals.max())
    lo, hi = math.floor(lo_d - pad), math.ceil(hi_d + pad)
    while hi - lo < MIN_DECADES:  # widen on the side with less room
        if lo_d - lo < hi - hi_d:
            lo -= 1
        else:
            hi += 1
    return [float(lo), float(hi)]


def playground_figure(history: History, *, validate: bool = False, **options) -> go.Figure:
    """:func:`playground_spec` (``options``: its keywords) as a Plotly figure; ``validate``
    checks every property (slow; for tests)."""
    return go.Figure(playground_spec(history, **options), _validate=validate)


@functools.cache
def plotly_template() -> dict:
    """Plotly's default template, as ``go.Figure`` puts it into every figure's layout."""
    return go.Figure().to_plotly_json()["layout"]["template"]


def playground_spec(
    history: History,
    *,
    baseline: float,
    mode: str,
    rows: slice | None = None,
    ghost: History | None = None,
    projector: bool = False,
) -> dict:
    """The four-panel live figure of a run, as the plain dict ``go.Figure`` would serialise.

    The live chart sends it as it is: building a ``go.Figure`` (its layout objects, its
    template), even unvalidated, was 29 % of the samples in which the server held the Python
    lock with 30 students training (py-spy). ``tests/app/test_live.py`` checks that the JSON
    is the same as the figure's.

    The log panels' ranges come from this run alone: an earlier run drawn for comparison
    (``ghost``) that went far beyond them leaves the frame, with a note saying how far,
    instead of squashing this run's curves into a line.

    Args:
        history: the run's step records.
        baseline: the task's baseline loss (the best constant guess), drawn dotted.
        mode: the clipping mode in force now (colours the clipped-norm trace).
        rows: the rows to draw (default all).
        ghost: an earlier run (e.g. the one that diverged) drawn faintly for comparison.
        projector: text large enough to read on a projector (``ui/projector.py``).
    """
    layout = grid_layout(projector)
    layout["template"] = plotly_template()  # shared, never changed: as go.Figure adds it
    sel = rows or slice(0, len(history))
    step = history.column("step")[sel]
    grad = history.column("grad_norm")[sel]
    idx = decimate(grad)
    x = step[idx].astype(np.float32)
    loss = history.column("loss")[sel]
    traces = [_trace(x, loss[idx], "loss", 0, line=dict(color="#333333", width=2))]
    norm_traces, norm_arrays = _norm_traces(history, sel, idx, x, mode)
    traces += norm_traces
    ranges = {
        "yaxis": log_range(loss, [baseline]),
        "yaxis2": log_range(*norm_arrays),
        "yaxis4": log_range(history.layer_matrix("update_ratio")[sel], HEALTHY_BAND),
    }
    if ghost is not None and len(ghost):
        traces += _ghost_traces(ghost)
        steps = np.concatenate([step, ghost.column("step")])
        notes = _off_chart_notes(ghost, ranges, steps, look_for(projector).small)
        layout["annotations"] += notes
    else:
        steps = step
    for axis, (lo, hi) in ranges.items():
        # An autorange held to this run's decades: as if the range were set, but a zoom
        # survives every redraw (uirevision) and a double-click comes back here, where a
        # fixed range would send it back to the first figure the chart ever drew.
        bounds = [10.0**lo, 10.0**hi]
        layout[axis].update(
            autorange=True,
            autorangeoptions=dict(clipmin=bounds[0], clipmax=bounds[1], include=bounds),
        )
    if len(steps) and np.nanmax(steps) - np.nanmin(steps) < 8:
        for n in ("", "2", "3", "4"):  # a short run: one tick a step, never "1.5"
            layout[f"xaxis{n}"].update(dtick=1, tick0=0)
    heat, ticks = heatmap(history, sel, step)
    traces += heat
    if ticks:  # colour bar ticks as norms in the app's format, not log10 exponents
        layout["coloraxis"]["colorbar"].update(tickvals=ticks[0], ticktext=ticks[1])
    traces += _ratio_traces(history, sel, idx, x)
    layout["shapes"] = _shapes(baseline)
    # The traces are built from known-good dicts: no per-property validation (~40 ms a
    # redraw); tests validate a figure in full.
    return dict(data=traces, layout=layout)


def _trace(x, y, name: str, panel: int, **style) -> dict:
    """A line on panel ``panel`` (0-3), listed in that panel's own legend."""
    n = ("", "2", "3", "4")[panel]
    return dict(
        type="scatter",
        mode="lines",
        x=x,
        y=_f32(y),
        name=name,
        xaxis=f"x{n}",
        yaxis=f"y{n}",
        legend=LEGENDS[panel],
        hovertemplate=f"%{{y:{NUMBER_FORMAT}}}",
        **style,
    )


def _shapes(baseline: float) -> list[dict]:
    return [
        dict(
            type="line",
            xref="x domain",
            x0=0,
            x1=1,
            yref="y",
            y0=baseline,
            y1=baseline,
            line=dict(color="#555555", dash="dot", width=2),
            name=f"baseline {fmt(baseline)}<br>(best constant<br>guess)",
            showlegend=True,
            legend="legend",
        ),
        dict(
            type="rect",
            xref="x4 domain",
            x0=0,
            x1=1,
            yref="y4",
            y0=HEALTHY_BAND[0],
            y1=HEALTHY_BAND[1],
            fillcolor="#009E73",
            opacity=0.12,
            line=dict(width=0),
            layer="below",
            name=f"healthy band<br>{fmt(HEALTHY_BAND[0])} to {fmt(HEALTHY_BAND[1])}",
            showlegend=True,
            legend="legend4",
        ),
    ]


def _norm_traces(history, sel, idx, x, mode) -> tuple[list[dict], list[np.ndarray]]:
    """The gradient norm panel's traces, and the arrays its axis range must show."""
    full = {k: history.column(k)[sel] for k in ("grad_norm", "clipped_grad_norm", "threshold")}
    grad, after, thr = (full[k][idx] for k in full)
    clipped = history.column("clipped")[sel][idx] > 0.5
    show_after = mode != "none" or np.any(clipped)
    traces = [_trace(x, grad, "before clipping", 1, line=dict(color=RAW_COLOR, width=1.5))]
    shown = [full["grad_norm"]]
    if show_after:
        color = MODE_COLORS.get(mode, MODE_COLORS["norm"])
        traces.append(_trace(x, after, "after clipping", 1, line=dict(color=color, width=2.5)))
        shown.append(full["clipped_grad_norm"])
    if history.column("clipped")[sel].any():
        marks = _trace(x[clipped], grad[clipped], "clipped step", 1)
        marks.update(
            mode="markers",
            marker=dict(symbol="x-thin", size=5, line=dict(width=1.2, color=CLIPPED_COLOR)),
            opacity=0.75,
        )
        traces.append(marks)
    if mode in ("norm", "layer-norm", "autoclip") and np.isfinite(thr).any():
        # Only the points where the threshold changes: a step line needs no more.
        keep = np.union1d(np.flatnonzero(np.r_[True, thr[1:] != thr[:-1]]), [len(thr) - 1])
        line = dict(color=THRESHOLD_COLOR, dash="dash", width=2, shape="hv")
        traces.append(_trace(x[keep], thr[keep], "threshold", 1, line=line))
        shown.append(full["threshold"])
    return traces, shown


def _ghost_traces(ghost: History) -> list[dict]:
    idx = decimate(ghost.column("grad_norm"))
    x = ghost.column("step")[idx].astype(np.float32)
    style = dict(line=dict(color=GHOST_COLOR, width=1.5, dash="dot"), opacity=0.8)
    return [
        _trace(x, ghost.column("loss")[idx], "previous run", 0, **style),
        _trace(x, ghost.column("grad_norm")[idx], "previous run", 1, **style),
    ]


def _off_chart_notes(ghost: History, ranges: dict, steps: np.ndarray, size: int) -> list[dict]:
    """Where the previous run leaves a panel's range: a note at the edge, saying how far."""
    notes = []
    x_lo, x_hi = float(np.nanmin(steps)), float(np.nanmax(steps))
    for panel, column, axis in ((0, "loss", "yaxis"), (1, "grad_norm", "yaxis2")):
        y = ghost.column(column)
        lo, hi = (10.0**v for v in ranges[axis])
        finite = np.isfinite(y) & (y > 0)
        for edge, out in (("top", ~np.isfinite(y) | (y > hi)), ("bottom", finite & (y < lo))):
            if not out.any():
                continue
            first = int(np.argmax(out))  # where it leaves the frame
            if edge == "top":
                text = "↑ previous run, off the chart:<br>up to " + _extreme(y, finite, max)
                bad = y[~np.isfinite(y)]
                if len(bad):
                    text += ", then " + ("inf" if np.isinf(bad).any() else "nan")
            else:
                text = "↓ previous run, off the chart:<br>down to " + _extreme(y, finite, min)
            at = float(ghost.column("step")[first])
            n = ("", "2")[panel]
            notes.append(
                dict(
                    text=text,
                    xref=f"x{n}",
                    yref=f"y{n} domain",
                    x=at,
                    y=1 if edge == "top" else 0,
                    xanchor="left" if at - x_lo <= (x_hi - x_lo) / 2 else "right",
                    yanchor=edge,
                    showarrow=False,
                    align="left",
                    font=dict(size=size, color=GHOST_COLOR),
                    bgcolor="rgba(255,255,255,0.8)",
                    name="off-chart",
                )
            )
    return notes


def _extreme(y: np.ndarray, finite: np.ndarray, pick) -> str:
    return fmt(float(pick(y[finite]))) if finite.any() else fmt(float(y[-1]))


def _ratio_traces(history, sel, idx, x) -> list[dict]:
    # Many lines on a small panel: half the resolution of the main traces is plenty.
    idx, x = (idx[::2], x[::2]) if len(idx) > MAX_POINTS // 2 else (idx, x)
    ratios = history.layer_matrix("update_ratio")[sel][idx]  # (points, layers)
    names = history.layer_names
    # A deep net gets at most MAX_RATIO_LINES lines (first, last and evenly between):
    # more would be unreadable and multiply the payload.
    shown = np.unique(np.linspace(0, len(names) - 1, min(len(names), MAX_RATIO_LINES)).round())
    traces = []
    for j in shown.astype(int):
        shade = j / max(1, len(names) - 1)
        name = short_layer_name(names[j])  # the heatmap's row names, one name per layer
        line = dict(width=1.5, color=_viridis(shade))
        traces.append(_trace(x, ratios[:, j], name, 3, line=line))
    return traces


def _viridis(t: float) -> str:
    stops = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
    pos = t * (len(stops) - 1)
    i = min(int(pos), len(stops) - 2)
    a, b, w = stops[i], stops[i + 1], pos - i
    return "rgb({},{},{})".format(*(round(a[k] + (b[k] - a[k]) * w) for k in range(3)))
