"""The Cliff page's map, sentence and slider options. No ``st.*`` calls here.

One figure: the loss surface of the one-unit RNN over ``(w, b)`` as a heatmap of log10 loss,
with two gradient-descent paths from one start, unclipped (the "none" colour) and clipped by
norm (the "norm" colour). A path thrown off the map is drawn to the map's edge and labelled
with where it landed. An invisible grid of points over the map makes it clickable: a click
selects the nearest point, and the page moves the start there.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from gradclip_core.cliff import Trajectory
from ui.captions import fmt
from ui.charts import MODE_COLORS

W_RANGE = (2.0, 10.0)  # the map's recurrent weights (x axis): the wall starts near w = 4.3
B_RANGE = (-7.0, 1.0)  # the map's biases (y axis)
GRID = 200  # cells per side of the loss map
PICK_STEP = 0.1  # spacing of the clickable points: a click snaps the start to this grid
START_STEP = 0.05  # the start sliders' step
LOSS_FLOOR = 1e-6  # the colour scale's bottom: the valley floor goes down to ~1e-12
LENGTH_OPTIONS = tuple(range(5, 101))  # sequence length T (the paper: 50)
LR_OPTIONS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
THRESHOLD_OPTIONS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 100.0)
STEPS = 150  # gradient-descent steps of each path
START_COLOR = "#000000"
# Light greys for the surface, dark for the valley, so both path colours read on top.
SURFACE_SCALE = [[0.0, "#1a1a1a"], [0.5, "#6e6e6e"], [0.85, "#bdbdbd"], [1.0, "#f7f7f7"]]


def log_loss(loss: np.ndarray) -> np.ndarray:
    """log10 of the loss, floored at :data:`LOSS_FLOOR` (the colour scale's bottom)."""
    loss = np.asarray(loss, dtype=np.float64)
    return np.log10(np.maximum(np.where(np.isfinite(loss), loss, np.nan), LOSS_FLOOR))


def on_map(w: float, b: float) -> bool:
    return W_RANGE[0] <= w <= W_RANGE[1] and B_RANGE[0] <= b <= B_RANGE[1]


def exit_point(path: np.ndarray) -> tuple[int, tuple[float, float]] | None:
    """Where a path first leaves the map: ``(step, (w, b) on the edge)``, or None.

    ``step`` is the number of the step (1 for the first) whose segment crosses the edge.
    """
    inside = [on_map(*p) for p in path]
    for k in range(1, len(path)):
        if inside[k - 1] and not inside[k]:
            (w0, b0), (w1, b1) = path[k - 1], path[k]
            # The largest fraction t of the segment that stays inside the box.
            t = 1.0
            for p0, p1, (lo, hi) in ((w0, w1, W_RANGE), (b0, b1, B_RANGE)):
                if p1 > hi:
                    t = min(t, (hi - p0) / (p1 - p0))
                elif p1 < lo:
                    t = min(t, (lo - p0) / (p1 - p0))
            return k, (w0 + t * (w1 - w0), b0 + t * (b1 - b0))
    return None


def start_from_selection(selection) -> tuple[float, float] | None:
    """The ``(w, b)`` a click on the map picked, snapped to the slider step; None if none.

    ``selection`` is ``st.plotly_chart``'s selection state (``{"points": [{"x": .., "y": ..}]}``).
    """
    try:
        point = selection["points"][0]
        w, b = float(point["x"]), float(point["y"])
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    if not (math.isfinite(w) and math.isfinite(b)):
        return None
    w = min(max(round(w / START_STEP) * START_STEP, W_RANGE[0]), W_RANGE[1])
    b = min(max(round(b / START_STEP) * START_STEP, B_RANGE[0]), B_RANGE[1])
    return round(w, 2), round(b, 2)


# ---- the sentence -------------------------------------------------------------------------


def _point(p: tuple[float, float]) -> str:
    return f"(w, b) = ({fmt(p[0])}, {fmt(p[1])})"


def _where(path: Trajectory) -> str:
    where = _point(path.end)
    if not on_map(*path.end):
        where += ", off the map,"
    return f"ended at {where} with loss {fmt(path.final_loss)}"


def _times(ratio: float) -> str:
    if not math.isfinite(ratio):
        return "infinitely many times"
    if ratio >= 1e6:
        return f"about 10^{round(math.log10(ratio))} times"
    if ratio >= 100:
        return f"{ratio:,.0f} times"
    return f"{ratio:.1f} times"


def cliff_sentence(plain: Trajectory, clipped: Trajectory) -> str:
    """One sentence with the numbers the map shows: largest steps, where each path ended."""
    c, lr = fmt(clipped.clip), fmt(plain.lr)
    n_clipped = int((clipped.grad_norms > clipped.clip).sum())
    if not plain.stopped and n_clipped == 0:
        return (
            f"The gradient norm never passed the threshold {c} (largest "
            f"{fmt(float(clipped.grad_norms.max()) if clipped.steps else 0.0)}), so both paths "
            f"are the same: with learning rate {lr}, the largest step was "
            f"{fmt(plain.largest_step)} and the path {_where(plain)} after {plain.steps} steps."
        )
    if plain.stopped:
        first = (
            f"Without clipping (learning rate {lr}) the path stopped because {plain.stopped}, "
            f"so it is drawn up to its last finite point {_point(plain.end)}"
        )
    else:
        big = int(plain.step_sizes.argmax()) + 1
        first = (
            f"Without clipping (learning rate {lr}) the largest step was "
            f"{fmt(plain.largest_step)} (step {big}, gradient norm "
            f"{fmt(float(plain.grad_norms[big - 1]))}) and the path {_where(plain)}"
        )
    ratio = plain.largest_step / clipped.largest_step if clipped.largest_step > 0 else math.inf
    return (
        f"{first}; clipped by norm at {c}, the same learning rate, its largest step was "
        f"{fmt(clipped.largest_step)} ({_times(ratio)} shorter; {n_clipped} of "
        f"{clipped.steps} steps clipped) and it {_where(clipped)}."
    )


# ---- the figure ---------------------------------------------------------------------------


def cliff_figure(
    w: np.ndarray,
    b: np.ndarray,
    loss: np.ndarray,
    plain: Trajectory,
    clipped: Trajectory,
    *,
    T: int,
) -> go.Figure:
    """The loss map with both paths and the start.

    Args:
        w: ``(W,)`` the map's recurrent weights (x).
        b: ``(H,)`` the map's biases (y).
        loss: ``(H, W)`` the loss at each ``(b, w)``.
        plain: the unclipped path.
        clipped: the path clipped by norm.
        T: the sequence length (named in the colour bar's hover).
    """
    z = log_loss(loss).astype(np.float32)
    heat = go.Heatmap(
        x=np.asarray(w, dtype=np.float32),
        y=np.asarray(b, dtype=np.float32),
        z=z,
        zmin=math.log10(LOSS_FLOOR),
        colorscale=SURFACE_SCALE,
        colorbar=dict(title=dict(text="log10 loss", side="right"), thickness=12),
        hoverinfo="skip",
        name="loss",
    )
    traces = [heat, _pick_grid(w, b, z, T)]
    traces += _path_traces(plain, "none", "no clipping")
    traces += _path_traces(clipped, "norm", f"clipped by norm at {fmt(clipped.clip)}")
    start = plain.points[0].tolist()
    traces.append(
        go.Scatter(
            x=[start[0]],
            y=[start[1]],
            mode="markers",
            name="start",
            marker=dict(symbol="star", size=18, color="#FFFFFF", line=dict(width=2, color="#000")),
            cliponaxis=False,
            hovertemplate="start: w=%{x:.2f}, b=%{y:.2f}<extra></extra>",
        )
    )
    fig = go.Figure(traces)
    for path, mode in ((plain, "none"), (clipped, "norm")):
        _label_exit(fig, path, MODE_COLORS[mode])
    fig.update_xaxes(title_text="recurrent weight w", range=W_RANGE, constrain="domain")
    fig.update_yaxes(title_text="bias b", range=B_RANGE)
    fig.update_layout(
        height=430,
        margin=dict(l=60, r=10, t=10, b=50),
        legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom", font=dict(size=14)),
        font=dict(size=15, family="Source Sans, Source Sans Pro, sans-serif", color="#31333F"),
        plot_bgcolor="white",
        clickmode="event+select",
        dragmode="zoom",
        uirevision="cliff",  # keeps zoom across reruns
    )
    return fig


def _pick_grid(w, b, z, T: int) -> go.Scatter:
    """Invisible points over the map: a click selects one (heatmaps cannot be selected)."""
    gw = np.arange(W_RANGE[0], W_RANGE[1] + PICK_STEP / 2, PICK_STEP)
    gb = np.arange(B_RANGE[0], B_RANGE[1] + PICK_STEP / 2, PICK_STEP)
    ww, bb = np.meshgrid(gw, gb)  # (Hp, Wp)
    # The loss shown in the hover: the nearest map cell's.
    j = np.clip(np.searchsorted(np.asarray(w), ww.ravel()), 0, len(w) - 1)
    i = np.clip(np.searchsorted(np.asarray(b), bb.ravel()), 0, len(b) - 1)
    return go.Scatter(
        x=ww.ravel().astype(np.float32),
        y=bb.ravel().astype(np.float32),
        customdata=z[i, j],
        mode="markers",
        marker=dict(size=6, opacity=0),
        selected=dict(marker=dict(opacity=0)),
        unselected=dict(marker=dict(opacity=0)),
        showlegend=False,
        name="pick",
        hovertemplate=(
            f"w=%{{x:.2f}}, b=%{{y:.2f}}<br>log10 loss %{{customdata:.2f}} (T={T})"
            "<br>click to start here<extra></extra>"
        ),
    )


def _path_traces(path: Trajectory, mode: str, name: str) -> list[go.Scatter]:
    pts = path.points.numpy()  # (n + 1, 2)
    color = MODE_COLORS[mode]
    hover = (
        f"{name}<br>step %{{customdata[0]}}: w=%{{x:.3g}}, b=%{{y:.3g}}"
        "<br>loss %{customdata[1]:.3g}<extra></extra>"
    )
    custom = np.column_stack([np.arange(len(pts)), path.losses.numpy()])
    casing = go.Scatter(
        x=pts[:, 0],
        y=pts[:, 1],
        mode="lines",
        line=dict(color="#FFFFFF", width=6),
        hoverinfo="skip",
        showlegend=False,
        legendgroup=mode,
    )
    line = go.Scatter(
        x=pts[:, 0],
        y=pts[:, 1],
        customdata=custom,
        mode="lines+markers",
        name=name,
        line=dict(color=color, width=3),
        marker=dict(size=5, color=color),
        hovertemplate=hover,
        legendgroup=mode,
    )
    end = go.Scatter(
        x=pts[-1:, 0],
        y=pts[-1:, 1],
        mode="markers",
        marker=dict(symbol="circle", size=13, color=color, line=dict(width=2, color="#FFFFFF")),
        hovertemplate=f"{name}: end, w=%{{x:.3g}}, b=%{{y:.3g}}<extra></extra>",
        showlegend=False,
        legendgroup=mode,
    )
    return [casing, line, end]


def _label_exit(fig: go.Figure, path: Trajectory, color: str) -> None:
    """Label where a path leaves the map, with where it landed (or why it stopped)."""
    out = exit_point(path.points.numpy())
    if out is None and not path.stopped:
        return
    if out is None:  # stopped on the map: label its last point
        at, text = path.end, "stopped: not finite"
        segment = path.points.numpy()[-2:]
    else:
        step, at = out
        text = f"thrown off at step {step}<br>to {_point(path.end)}"
        segment = path.points.numpy()[step - 1 : step + 1]
    fig.add_annotation(
        x=at[0],
        y=at[1],
        text=text,
        showarrow=True,
        arrowhead=2,
        arrowcolor=color,
        axref="x",
        ayref="y",
        **_label_place(segment, at),
        font=dict(size=13, color="#000000"),
        bgcolor="rgba(255,255,255,0.9)",
        bordercolor=color,
    )


def _label_place(segment: np.ndarray, at) -> dict:
    """Where a label goes (data coordinates): inside the map, clear of the segment's line."""
    span = np.array([W_RANGE[1] - W_RANGE[0], B_RANGE[1] - B_RANGE[0]])
    lo = np.array([W_RANGE[0], B_RANGE[0]])
    at = (np.asarray(at, dtype=np.float64) - lo) / span  # the map is the unit square here
    d = (segment[-1] - segment[0]) / span if len(segment) == 2 else np.zeros(2)
    if not np.all(np.isfinite(d)) or not d.any():
        d = np.array([1.0, 0.0])
    d = d / np.hypot(*d)
    inward = np.array([0.5, 0.5]) - at
    inward = inward / max(np.hypot(*inward), 1e-9)
    best, clearance = at, -1.0
    for n in (np.array([-d[1], d[0]]), np.array([d[1], -d[0]])):  # either side of the line
        v = n + 0.5 * inward
        # A label is about half the map wide: its centre stays that far from the sides.
        tail = np.clip(at + 0.3 * v / np.hypot(*v), [0.28, 0.1], [0.72, 0.9])
        off = tail - at
        gap = abs(off[0] * d[1] - off[1] * d[0])  # distance from the segment's line
        if gap > clearance:
            best, clearance = tail, gap
    x, y = lo + best * span
    return dict(ax=float(x), ay=float(y))
