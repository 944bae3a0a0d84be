"""Figure builders for the Learn page: data in, figure out. No ``st.*`` calls here."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.charts import MODE_COLORS, RAW_COLOR

DIVERGED_COLOR = MODE_COLORS["none"]  # the vermilion the playground uses for "no clipping"


class HasColumns(Protocol):
    """A run's history: :class:`gradclip_core.history.History`, or a saved copy of it."""

    def column(self, name: str) -> np.ndarray: ...


def _positive(a: np.ndarray) -> np.ndarray:
    # Log axes cannot show 0, inf or nan: leave a gap there instead.
    a = np.asarray(a, dtype=np.float64)
    return np.where(np.isfinite(a) & (a > 0), a, np.nan)


def predict_figure(
    history: HasColumns,
    *,
    baseline: float,
    mode: str,
    diverged_at: int | None = None,
) -> go.Figure:
    """Loss and gradient norm of a short run, side by side, both on log scales.

    Args:
        history: the run's step records (``step``, ``loss`` and ``grad_norm`` columns).
        baseline: the task's baseline loss (the best constant guess), drawn dotted.
        mode: the run's clipping mode (colours the gradient-norm line).
        diverged_at: the step where the run diverged, marked with a dashed line; ``None`` if
            it stayed finite.
    """
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("Loss", "Gradient norm (before clipping)"),
        horizontal_spacing=0.1,
    )
    step = np.asarray(history.column("step"), dtype=np.float64)
    fig.add_scatter(
        x=step,
        y=_positive(history.column("loss")),
        name="loss",
        line=dict(color="#333333", width=2.5),
        row=1,
        col=1,
    )
    fig.add_scatter(
        x=step,
        y=_positive(history.column("grad_norm")),
        name="gradient norm",
        line=dict(color=MODE_COLORS.get(mode, RAW_COLOR), width=2.5),
        row=1,
        col=2,
    )
    fig.add_hline(
        y=baseline,
        line=dict(color="#555555", dash="dot", width=2),
        annotation_text="baseline",
        annotation_position="top left",
        row=1,
        col=1,
    )
    if diverged_at is not None:
        _mark_divergence(fig, diverged_at)
    fig.update_yaxes(type="log", exponentformat="power", gridcolor="#e5e5e5")
    fig.update_xaxes(title=dict(text="step", standoff=4), gridcolor="#eeeeee")
    fig.update_layout(
        height=340,
        margin=dict(l=60, r=20, t=50, b=40),
        font=dict(size=15),
        showlegend=False,
        plot_bgcolor="white",
        hovermode="x unified",
    )
    return fig


def _mark_divergence(fig: go.Figure, step: int) -> None:
    """A dashed vertical line on both panels at the step where the run diverged."""
    for col in (1, 2):
        fig.add_vline(
            x=step,
            line=dict(color=DIVERGED_COLOR, dash="dash", width=2),
            annotation_text=f"diverged at step {step}",
            annotation_position="top left",
            annotation_font_color=DIVERGED_COLOR,
            row=1,
            col=col,
        )
