"""Plotly figure builders: data in, figure out. No ``st.*`` calls here.

The playground draws one ``make_subplots``-style figure with four panels, so one keyed
``st.plotly_chart`` updates them together (DESIGN.md, Live pages). Long histories are
decimated to about 2,000 points a trace with min/max-preserving buckets (MinMaxLTTB), so a
spike survives, and sent as float32 arrays, which Plotly ships as compact typed arrays.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from tsdownsample import MinMaxLTTBDownsampler

from gradclip_core.history import History

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
MAX_POINTS = 1_000  # per trace: ~2 points per pixel column of a panel
MAX_RATIO_LINES = 6
MAX_MARKS = 250  # clipped-step markers drawn
HEATMAP_COLUMNS = 200  # the per-layer heatmap shows a bounded window of recent steps
HEALTHY_BAND = (1e-4, 1e-2)  # update/weight ratio around 1e-3 is the usual rule of thumb
PANEL_TITLES = (
    "Loss",
    "Gradient norm: before and after clipping",
    "Gradient norm per layer (log10)",
    "Update size per layer, ‖Δθ‖ / ‖θ‖",
)
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


def _layout(n_layers: int) -> dict:
    fig = make_subplots(
        rows=2,
        cols=2,
        subplot_titles=PANEL_TITLES,
        vertical_spacing=0.14,
        horizontal_spacing=0.12,
    )
    layout = fig.to_plotly_json()["layout"]
    layout.update(
        height=640,
        # Fixed margins, wide enough for every label: letting Plotly grow them to fit (the
        # default) measures and redraws the whole figure a second time on every redraw.
        margin=dict(l=72, r=20, t=50, b=80, autoexpand=False),
        legend=dict(orientation="h", y=-0.08, x=0, font=dict(size=14)),
        # The app's own font and text colour (Streamlit's theme does not reach this chart).
        font=dict(size=15, family="Source Sans, Source Sans Pro, sans-serif", color="#31333F"),
        uirevision="playground",  # keeps zoom and legend clicks across redraws
        hovermode="x unified",
        plot_bgcolor="white",
    )
    for axis in (f"{xy}axis{i}" for xy in "xy" for i in ("", "2", "3", "4")):
        # Plotly's default ("hide past div") measures every tick label after drawing each
        # one: most of the browser's time per redraw. Labels here never leave the figure.
        layout[axis].update(ticklabeloverflow="allow", automargin=False)
    for axis in ("yaxis", "yaxis2", "yaxis4"):
        # nticks 5: powers of ten only, without a crowd of small "2" and "5" labels between.
        layout[axis].update(type="log", exponentformat="power", gridcolor="#e5e5e5", nticks=5)
    for axis in ("xaxis", "xaxis2", "xaxis3", "xaxis4"):
        layout[axis].update(title=dict(text="step", standoff=4), gridcolor="#eeeeee")
    # A 24-layer MLP has 25 rows: label at most a dozen of them.
    layout["yaxis3"].update(autorange="reversed", tickfont=dict(size=12), nticks=12)
    return layout


_LAYOUTS: dict[int, dict] = {}


def playground_figure(
    history: History,
    *,
    baseline: float,
    mode: str,
    rows: slice | None = None,
    ghost: History | None = None,
    validate: bool = False,
) -> go.Figure:
    """The four-panel live figure of a run.

    Args:
        history: the run's step records.
        baseline: the task's baseline loss (the best constant guess), drawn dashed.
        mode: the clipping mode in force now (colours the clipped-norm trace).
        rows: the rows to draw (default all).
        ghost: an earlier run (e.g. the one that diverged) drawn faintly for comparison.
        validate: check every property with plotly (slow; for tests).
    """
    n_layers = len(history.layer_names)
    if n_layers not in _LAYOUTS:  # make_subplots costs ~70 ms: build each layout once
        _LAYOUTS[n_layers] = _layout(n_layers)
    layout = _LAYOUTS[n_layers]
    layout = {**layout, "shapes": _shapes(baseline)}
    sel = rows or slice(0, len(history))
    step = history.column("step")[sel]
    grad = history.column("grad_norm")[sel]
    idx = decimate(grad)
    x = step[idx].astype(np.float32)
    traces = _norm_traces(history, sel, idx, x, mode)
    loss = history.column("loss")[sel]
    traces.insert(
        0,
        dict(
            type="scatter",
            x=x,
            y=_f32(loss[idx]),
            name="loss",
            xaxis="x",
            yaxis="y",
            line=dict(color="#333333", width=2),
            showlegend=False,
        ),
    )
    if ghost is not None and len(ghost):
        traces += _ghost_traces(ghost)
    traces.append(_heatmap(history, sel, step))
    traces += _ratio_traces(history, sel, idx, x)
    # The traces are built from known-good dicts; skipping plotly's per-property validation
    # cuts the build from ~40 ms to a few ms a redraw (tests validate a figure in full).
    return go.Figure(dict(data=traces, layout=layout), _validate=validate)


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
        ),
    ]


def _norm_traces(history, sel, idx, x, mode) -> list[dict]:
    grad = history.column("grad_norm")[sel][idx]
    after = history.column("clipped_grad_norm")[sel][idx]
    thr = history.column("threshold")[sel][idx]
    clipped = history.column("clipped")[sel][idx] > 0.5
    show_after = mode != "none" or np.any(clipped)
    traces = [
        dict(
            type="scatter",
            x=x,
            y=_f32(grad),
            name="before clipping",
            xaxis="x2",
            yaxis="y2",
            line=dict(color=RAW_COLOR, width=1.5),
        ),
    ]
    if show_after:
        traces.append(
            dict(
                type="scatter",
                x=x,
                y=_f32(after),
                name="after clipping",
                xaxis="x2",
                yaxis="y2",
                line=dict(color=MODE_COLORS.get(mode, "#0072B2"), width=2.5),
            )
        )
    if history.column("clipped")[sel].any():
        traces.append(
            dict(
                type="scatter",
                x=x[clipped],
                y=_f32(grad[clipped]),
                mode="markers",
                name="clipped step",
                xaxis="x2",
                yaxis="y2",
                marker=dict(
                    symbol="x-thin", size=5, opacity=0.7, line=dict(width=1.2, color="#D55E00")
                ),
            )
        )
    if mode in ("norm", "layer-norm", "autoclip") and np.isfinite(thr).any():
        # Only the points where the threshold changes: a step line needs no more.
        keep = np.union1d(np.flatnonzero(np.r_[True, thr[1:] != thr[:-1]]), [len(thr) - 1])
        traces.append(
            dict(
                type="scatter",
                mode="lines",
                x=x[keep],
                y=_f32(thr[keep]),
                name="threshold",
                xaxis="x2",
                yaxis="y2",
                line=dict(color=THRESHOLD_COLOR, dash="dash", width=2, shape="hv"),
            )
        )
    return traces


def _ghost_traces(ghost: History) -> list[dict]:
    idx = decimate(ghost.column("grad_norm"))
    x = ghost.column("step")[idx].astype(np.float32)
    style = dict(color="#D55E00", width=1.5, dash="dot")
    return [
        dict(
            type="scatter",
            x=x,
            y=_f32(ghost.column("loss")[idx]),
            name="previous run",
            xaxis="x",
            yaxis="y",
            line=style,
            opacity=0.7,
            legendgroup="ghost",
        ),
        dict(
            type="scatter",
            x=x,
            y=_f32(ghost.column("grad_norm")[idx]),
            name="previous run",
            xaxis="x2",
            yaxis="y2",
            line=style,
            opacity=0.7,
            legendgroup="ghost",
            showlegend=False,
        ),
    ]


def _heatmap(history, sel, step) -> dict:
    z = history.layer_matrix("grad_norm")[sel][-HEATMAP_COLUMNS:]  # (steps, layers)
    steps = step[-HEATMAP_COLUMNS:]
    with np.errstate(divide="ignore", invalid="ignore"):
        logz = np.log10(np.where(np.isfinite(z) & (z > 0), z, np.nan)).T.astype(np.float32)
    return dict(
        type="heatmap",
        x=steps.astype(np.float32),
        y=[short_layer_name(name) for name in history.layer_names],
        z=logz,
        xaxis="x3",
        yaxis="y3",
        colorscale="Viridis",
        showscale=True,
        name="layer norm",
        colorbar=dict(
            title=dict(text="log10", side="top"),
            x=0.445,
            len=0.42,
            y=0.21,
            thickness=10,
            ticklabeloverflow="allow",
        ),
        hovertemplate="step %{x}<br>%{y}<br>log10 norm %{z:.2f}<extra></extra>",
    )


def short_layer_name(name: str) -> str:
    """A layer's name short enough for a tick label ("hidden→hidden (recurrent)": "recurrent")."""
    if "(" in name:
        return name[name.index("(") + 1 : name.rindex(")")]
    return name.split("→")[0] if "→" in name else name


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
        name = names[j]
        shade = j / max(1, len(names) - 1)
        traces.append(
            dict(
                type="scatter",
                x=x,
                y=_f32(ratios[:, j]),
                name=name,
                xaxis="x4",
                yaxis="y4",
                line=dict(width=1.5, color=_viridis(shade)),
                showlegend=False,
                hovertemplate=f"{name}: %{{y:.2e}}<extra></extra>",
            )
        )
    return traces


def _viridis(t: float) -> str:
    stops = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
    pos = t * (len(stops) - 1)
    i = min(int(pos), len(stops) - 2)
    a, b, w = stops[i], stops[i + 1], pos - i
    return "rgb({},{},{})".format(*(round(a[k] + (b[k] - a[k]) * w) for k in range(3)))
