"""The Pitfall labs page's code panes and figure. No ``st.*`` calls here.

Each loop keeps one colour on its code pane and in every panel. The code is HTML-escaped, line
for line the source :func:`gradclip_core.labs.run_lab` ran; the mistake is marked red, the fix
green. The panels share the x axis (the step); norms and sizes spanning orders of magnitude are
on log axes, where an ``inf`` is drawn as a labelled marker at the top of its panel.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from gradclip_core.labs import ACCUMULATE, Lab, LabResult, Loop
from ui.charts import RAW_COLOR, THRESHOLD_COLOR
from ui.live_chart import PLOTLY_CONFIG

# Okabe-Ito, colour-blind safe: the mistake in vermillion, the fix in blue, no clipping grey.
LOOP_COLORS = {
    "buggy": "#D55E00",
    "correct": "#0072B2",
    "none": "#8C8C8C",
    "sgd-none": "#8C8C8C",
    "sgd-never": "#E69F00",
    "sgd-always": "#D55E00",
    "adam-none": "#000000",
    "adam-never": "#56B4E9",
    "adam-always": "#009E73",
}
SPARE_COLORS = ("#CC79A7", "#F0E442", "#009E73", "#56B4E9")
CHART_CONFIG = PLOTLY_CONFIG  # the camera saves a PNG; no cloud or share buttons
CODE_CSS = """
<style>
.lab-code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.78rem;
  line-height: 1.5; background: #f6f7f9; border-radius: 0.5rem; padding: 0.5rem 0;
  margin: 0; }
/* A line too long for its pane wraps with a hanging indent, so the whole line stays in view. */
.lab-code span { display: block; white-space: pre-wrap; overflow-wrap: anywhere; color: #333;
  padding: 0 0.7rem 0 calc(0.7rem + 4ch); text-indent: -4ch; }
.lab-code span.lab-wrong { background: #fde3d7; border-left: 4px solid #D55E00;
  padding-left: calc(0.7rem + 4ch - 4px); font-weight: 600; color: #111; }
.lab-code span.lab-fix { background: #dcecf7; border-left: 4px solid #0072B2;
  padding-left: calc(0.7rem + 4ch - 4px); font-weight: 600; color: #111; }
.lab-head { font-weight: 600; margin: 0 0 0.25rem 0; }
</style>
"""


def loop_color(loop: Loop, index: int) -> str:
    """The loop's colour on its pane and in every panel."""
    return LOOP_COLORS.get(loop.key, SPARE_COLORS[index % len(SPARE_COLORS)])


def loop_html(loop: Loop, color: str) -> str:
    """The loop's source as HTML: escaped, one ``<span>`` a line, the marked line classed
    ``lab-wrong`` (the mistake) or ``lab-fix``, under a heading in the loop's colour."""
    rows = []
    for i, text in enumerate(loop.lines):
        cls = ""
        if i == loop.marked:
            cls = (
                ' class="lab-wrong" title="the mistake"'
                if loop.wrong
                else (' class="lab-fix" title="the fix"')
            )
        rows.append(f"<span{cls}>{html.escape(text) or ' '}</span>")
    mark = "✗ " if loop.wrong else ("✓ " if loop.marked is not None else "")
    head = f'<p class="lab-head" style="color: {color}">{mark}{html.escape(loop.label)}</p>'
    return CODE_CSS + head + '<pre class="lab-code">' + "".join(rows) + "</pre>"


def marked_line(loop: Loop) -> str | None:
    """The text of the loop's marked line, or None."""
    return None if loop.marked is None else loop.lines[loop.marked]


# ---- the figure -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Panel:
    """One panel: a per-step series of every loop, and dashed reference lines."""

    series: str
    title: str
    log: bool = True
    lines: Callable[[Lab], list[tuple[float, str]]] = lambda lab: []
    true_size: bool = False  # also draw the first loop's true gradient norm, dotted grey


def _max_norm(lab: Lab) -> list[tuple[float, str]]:
    return [(lab.settings["max_norm"], f"max_norm = {lab.settings['max_norm']:g}")]


def _cap(lab: Lab) -> list[tuple[float, str]]:
    lr = lab.settings.get("sgd_lr", lab.settings.get("lr"))
    c = lab.settings.get("low", lab.settings.get("max_norm"))
    return [(lr * c, f"lr × max_norm = {lr * c:g}")]


def _thresholds(lab: Lab) -> list[tuple[float, str]]:
    return [(lab.settings[k], f"max_norm = {lab.settings[k]:g}") for k in ("high", "low")]


PANELS: dict[str, tuple[Panel, ...]] = {
    "amp": (
        Panel("norm_seen", "Norm the clip compared with max_norm", lines=_max_norm, true_size=True),
        Panel("applied_norm", "Norm of the gradient the step used", lines=_max_norm),
    ),
    "accumulation": (
        Panel("applied_norm", "Norm the step used", lines=_max_norm),
        Panel("cosine", "Cosine with clip-once", log=False),
        Panel("first_weight", f"Weight: micro-batch 1 ÷ {ACCUMULATE}"),
    ),
    "after-step": (
        Panel("update_norm", "Update size ‖Δθ‖", lines=_cap),
        Panel("loss", "Loss on the batch"),
    ),
    "overflow": (
        Panel("norm_seen", "Norm clip_grad_norm_ returned", true_size=True),
        Panel("update_norm", "Update size ‖Δθ‖", log=False),
    ),
    "threshold": (
        Panel("norm_seen", "Norm the clip call measured", lines=_thresholds),
        Panel("update_norm", "Update size ‖Δθ‖", lines=_cap),
    ),
}


def _top(values: list[np.ndarray]) -> float:
    """A y just above the panel's largest finite positive value (where marks are drawn)."""
    vals = np.concatenate([v[np.isfinite(v) & (v > 0)] for v in values] or [np.array([])])
    return float(vals.max()) * 3 if len(vals) else 1.0


def lab_figure(lab: Lab, result: LabResult) -> go.Figure:
    """One figure, one panel per measured series, the lab's loops in their colours."""
    panels = PANELS[lab.id]
    fig = make_subplots(
        rows=1,
        cols=len(panels),
        shared_xaxes="all",
        subplot_titles=[p.title for p in panels],
        horizontal_spacing=0.08,
    )
    in_legend: set[str] = set()  # each loop once in the legend, from the first panel it is in
    for col, panel in enumerate(panels, start=1):
        _draw_panel(fig, lab, result, panel, col, in_legend)
        fig.update_xaxes(title_text="step", row=1, col=col)
        fig.update_yaxes(
            type="log" if panel.log else "linear",
            exponentformat="power",
            showexponent="all",
            row=1,
            col=col,
        )
    fig.update_layout(
        height=400,
        margin=dict(l=60, r=20, t=50, b=50),
        legend=dict(orientation="h", x=0, y=-0.2, yanchor="top", font=dict(size=14)),
        font=dict(size=14, family="Source Sans, Source Sans Pro, sans-serif", color="#31333F"),
        plot_bgcolor="white",
        hovermode="x unified",
        uirevision=lab.id,
    )
    fig.update_xaxes(showgrid=True, gridcolor="#eeeeee")
    fig.update_yaxes(showgrid=True, gridcolor="#eeeeee")
    return fig


def _draw_panel(
    fig: go.Figure, lab: Lab, result: LabResult, panel: Panel, col: int, in_legend: set[str]
) -> None:
    runs = [result.runs[loop.key] for loop in lab.loops]
    values = [r.series[panel.series] for r in runs]
    if panel.true_size:
        values.append(runs[0].series["true_norm"])
    top = _top(values)
    for i, (loop, run) in enumerate(zip(lab.loops, runs, strict=True)):
        y = run.series[panel.series].astype(np.float64)
        if not np.isfinite(y).any() and not np.isinf(y).any():
            continue  # the loop has no such number (no clip call): nothing to draw
        color = loop_color(loop, i)
        x = np.arange(1, len(y) + 1)
        ref = loop.marked is None  # a reference loop: a wide pale line others may cover
        line = dict(color=color, width=7 if ref else 2.5)
        fig.add_trace(
            go.Scatter(
                x=x,
                y=np.where(np.isfinite(y), y, np.nan),
                name=loop.label,
                legendgroup=loop.key,
                showlegend=loop.key not in in_legend,
                legendrank=100 + i,  # the legend lists the loops in the lab's order
                mode="lines+markers",
                line=line,
                opacity=0.55 if ref else 1.0,
                marker=dict(size=5, color=color),
                hovertemplate=f"{html.escape(loop.label)}: %{{y:.3g}}<extra></extra>",
            ),
            row=1,
            col=col,
        )
        in_legend.add(loop.key)
        inf = np.isinf(y)
        if inf.any():
            _marks(fig, x[inf], top * 10, "inf", color, loop, col, "triangle-up", "top center")
        if run.error and col == 1:
            # Where it stopped: a decade below an inf another loop may mark at that step.
            _marks(fig, [run.steps + 1], top, "raised", color, loop, col, "x", "middle left")
    if panel.true_size:
        true = runs[0].series["true_norm"]
        fig.add_trace(
            go.Scatter(
                x=np.arange(1, len(true) + 1),
                y=true,
                name="true gradient norm (float64)",
                mode="lines",
                line=dict(color=RAW_COLOR, width=2, dash="dash"),
                showlegend="true" not in in_legend,
                legendgroup="true",
                hovertemplate="true norm: %{y:.3g}<extra></extra>",
            ),
            row=1,
            col=col,
        )
        in_legend.add("true")
    for y, label in panel.lines(lab):
        fig.add_hline(y=y, line=dict(color=THRESHOLD_COLOR, width=1.5, dash="dash"), row=1, col=col)
        # Labelled by hand: add_hline's own label takes y as log10(y) on a log axis.
        axis = "y" if col == 1 else f"y{col}"
        fig.add_annotation(
            x=1,
            xref=f"x{'' if col == 1 else col} domain",
            y=math.log10(y) if panel.log else y,
            yref=axis,
            text=label,
            showarrow=False,
            xanchor="right",
            yanchor="bottom",
            font=dict(size=12, color=THRESHOLD_COLOR),
        )


def _marks(fig, x, y, text, color, loop: Loop, col: int, symbol: str, where: str) -> None:
    fig.add_trace(
        go.Scatter(
            x=list(x),
            y=[y] * len(x),
            mode="markers+text",
            text=[text] * len(x),
            textposition=where,
            marker=dict(symbol=symbol, size=13, color=color),
            textfont=dict(color=color),
            legendgroup=loop.key,
            showlegend=False,
            hovertemplate=f"{html.escape(loop.label)}: {text}<extra></extra>",
        ),
        row=1,
        col=col,
    )
