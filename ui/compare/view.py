"""The compare page's figures and table: pure functions of the runs' histories. No ``st.*``."""

from __future__ import annotations

import copy
import functools
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from gradclip_core.compare import Setting, Summary
from gradclip_core.history import History
from ui.captions import fmt
from ui.charts import decimate
from ui.playground.chart_layout import NUMBER_FORMAT, STEP_FORMAT

# One colour per slot (Okabe-Ito, readable by colour-blind viewers), whatever its mode: two
# settings of one mode (norm 1 and norm 0.1) still get two colours.
SLOT_COLORS = ("#D55E00", "#0072B2", "#E69F00", "#009E73")
LAYER_COLORS = ("#1b9e77", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666")
# Log axes labelled as plain numbers in the app's one format ("0.5", "0.2", "1e+18"), as on
# the Playground (ui/playground/chart_layout.py), not Plotly's small digits between decades.
LOG_AXIS = dict(
    type="log", tickformat=NUMBER_FORMAT, hoverformat=NUMBER_FORMAT, nticks=5, gridcolor="#e5e5e5"
)
FONT = dict(size=14, family="Source Sans, Source Sans Pro, sans-serif", color="#31333F")


def _positive(a: np.ndarray) -> np.ndarray:
    """A log axis has no place for 0, inf or nan: they become gaps."""
    out = np.asarray(a, dtype=np.float64)
    return np.where(np.isfinite(out) & (out > 0), out, np.nan)


def _xy(history: History, column: str) -> tuple[np.ndarray, np.ndarray]:
    # NumPy arrays, not lists: plotly copies a figure's data more than once, and copying a
    # list of Python floats costs 10x more than an array (measured: 34 -> 4 ms a redraw).
    y = history.column(column)
    idx = decimate(np.nan_to_num(y, nan=np.inf) if len(y) else y)
    step = history.column("step")[idx].astype(np.float32)
    return step, _positive(y[idx]).astype(np.float32)


def _diverged(h: History) -> bool:
    if not len(h):
        return False
    return not (math.isfinite(h.column("loss")[-1]) and math.isfinite(h.column("grad_norm")[-1]))


def _log_range(histories: list[History], columns: tuple[str, ...]) -> list[float]:
    """A log axis range (log10 units) around the positive finite values, with some room."""
    values = np.concatenate([_positive(h.column(c)) for h in histories for c in columns])
    values = values[np.isfinite(values)]
    if not len(values):
        return [-3.0, 3.0]
    lo, hi = math.log10(float(values.min())), math.log10(float(values.max()))
    return [lo - 0.3, hi + 0.5]


@functools.cache
def _compare_layout() -> dict:
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("Loss", "Gradient norm: before clipping (dotted), after (solid)"),
        horizontal_spacing=0.1,
    )
    fig.update_yaxes(**LOG_AXIS)
    fig.update_xaxes(title_text="step", tickformat=STEP_FORMAT, gridcolor="#eeeeee")
    fig.update_layout(
        height=380,
        margin=dict(l=60, r=20, t=40, b=40),
        legend=dict(orientation="h", y=1.16, x=0, font=dict(size=14)),
        font=FONT,
        plot_bgcolor="white",
        hovermode="x unified",
        uirevision="compare",
    )
    return fig.to_plotly_json()["layout"]


@functools.cache
def _layers_layout(n: int) -> dict:
    fig = make_subplots(rows=1, cols=n, shared_yaxes=True, horizontal_spacing=0.03)
    fig.update_yaxes(**LOG_AXIS)
    fig.update_yaxes(title_text="gradient norm after clipping", row=1, col=1)
    fig.update_xaxes(title_text="step", tickformat=STEP_FORMAT, gridcolor="#eeeeee")
    fig.update_layout(
        height=300,
        margin=dict(l=60, r=20, t=40, b=40),
        legend=dict(orientation="h", y=-0.25, x=0, font=dict(size=13)),
        font=FONT,
        plot_bgcolor="white",
        uirevision="compare-layers",
    )
    return fig.to_plotly_json()["layout"]


def _line(x, y, name: str, axis: int, **extra) -> dict:
    suffix = "" if axis == 1 else str(axis)
    return dict(
        type="scatter",
        mode="lines",
        x=x,
        y=y,
        name=name,
        xaxis=f"x{suffix}",
        yaxis=f"y{suffix}",
        **extra,
    )


def compare_figure(runs: list[tuple[Setting, History]], validate: bool = False) -> go.Figure:
    """Loss and gradient norm (before dotted, after solid) of every setting, shared axes."""
    layout = copy.deepcopy(_compare_layout())
    traces = []
    for i, (setting, h) in enumerate(runs):
        color = SLOT_COLORS[i % len(SLOT_COLORS)]
        group = f"s{i}"
        x, y = _xy(h, "loss")
        traces.append(_line(x, y, setting.label, 1, legendgroup=group, line=dict(color=color)))
        x, y = _xy(h, "grad_norm")
        traces.append(
            _line(
                x,
                y,
                f"{setting.label}: before",
                2,
                legendgroup=group,
                showlegend=False,
                line=dict(color=color, dash="dot", width=1.5),
            )
        )
        x, y = _xy(h, "clipped_grad_norm")
        traces.append(
            _line(
                x,
                y,
                f"{setting.label}: after",
                2,
                legendgroup=group,
                showlegend=False,
                line=dict(color=color, width=2.5),
            )
        )
    # A diverged run climbs to 1e30 and more: the panels keep the range of the runs that did
    # not, and the diverged one leaves the frame at the top (the table says where it went).
    gone = [s.label for s, h in runs if _diverged(h)]
    alive = [h for _, h in runs if len(h) and not _diverged(h)]
    if gone and alive:
        layout["yaxis"]["range"] = _log_range(alive, ("loss",))
        layout["yaxis2"]["range"] = _log_range(alive, ("grad_norm", "clipped_grad_norm"))
        layout["annotations"] = [
            *layout.get("annotations", []),
            dict(
                text=f"↑ {', '.join(gone)}: diverged, above the frame",
                xref="x domain",
                yref="y domain",
                x=0.02,
                y=0.98,
                showarrow=False,
                xanchor="left",
                yanchor="top",
                font=dict(size=13, color="#555555"),
            ),
        ]
    return go.Figure(dict(data=traces, layout=layout), _validate=validate)


def layers_figure(runs: list[tuple[Setting, History]], validate: bool = False) -> go.Figure:
    """Small multiples: each setting's per-layer gradient norm after clipping."""
    n = max(1, len(runs))
    layout = copy.deepcopy(_layers_layout(n))
    traces = []
    titles = []
    for col, (setting, h) in enumerate(runs, start=1):
        matrix = h.layer_matrix("clipped_grad_norm")  # (rows, layers)
        steps = h.column("step")
        for j, name in enumerate(h.layer_names):
            idx = decimate(np.nan_to_num(matrix[:, j], nan=np.inf))
            traces.append(
                _line(
                    steps[idx].astype(np.float32),
                    _positive(matrix[idx, j]).astype(np.float32),
                    name,
                    col,
                    legendgroup=name,
                    showlegend=col == 1,
                    line=dict(color=LAYER_COLORS[j % len(LAYER_COLORS)], width=1.5),
                )
            )
        axis = "xaxis" if col == 1 else f"xaxis{col}"
        domain = layout[axis]["domain"]
        titles.append(
            dict(
                text=setting.label,
                x=(domain[0] + domain[1]) / 2,
                y=1.0,
                xref="paper",
                yref="paper",
                xanchor="center",
                yanchor="bottom",
                showarrow=False,
                font=dict(size=14),
            )
        )
    layout["annotations"] = titles
    return go.Figure(dict(data=traces, layout=layout), _validate=validate)


def summary_table(rows: list[tuple[Setting, Summary]]) -> pd.DataFrame:
    """The live table: one row per setting, numbers in the app's one format."""
    records = []
    for setting, s in rows:
        records.append(
            {
                "Setting": setting.label,
                "Steps run": f"{s.steps:,}",
                "Final loss": fmt(s.final_loss) if s.steps else "–",
                "Loss ÷ best guess": fmt(s.vs_baseline) if s.steps else "–",
                "Steps clipped": f"{s.clipped:,} of {s.steps:,}" if s.steps else "–",
                "Diverged": f"at step {s.diverged_at}" if s.diverged_at else "no",
                "Mean cosine raw/clipped": (
                    "–" if math.isnan(s.mean_cosine) else f"{s.mean_cosine:.4f}"
                ),
                "Mean ‖Δθ‖/‖θ‖": fmt(s.mean_update_ratio) if s.steps else "–",
            }
        )
    return pd.DataFrame.from_records(records)


def finding(rows: list[tuple[Setting, Summary]]) -> str:
    """One sentence on what the comparison shows so far."""
    started = [(st, s) for st, s in rows if s.steps]
    if not started:
        return "Press Start: every setting trains the same model on the same batches."
    diverged = [st.label for st, s in started if s.diverged_at]
    alive = [(st, s) for st, s in started if not s.diverged_at and math.isfinite(s.final_loss)]
    parts = []
    if diverged:
        parts.append(f"{', '.join(diverged)} diverged")
    if alive:
        best = min(alive, key=lambda r: r[1].final_loss)
        parts.append(
            f"lowest loss so far: {best[0].label} ({fmt(best[1].final_loss)} at step "
            f"{best[1].steps:,})"
        )
    if not parts:
        return "No setting has a finite loss."
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."
