"""The playground's per-layer panel: every layer's gradient norm over the whole run, as a
heatmap on a log colour scale (``ui/charts.py`` puts it in the figure's third panel).

A long run is folded into at most :data:`HEATMAP_COLUMNS` columns, each keeping the largest
norm of its steps, so a spike in one layer is never averaged away; inf, nan and 0 have no
colour on a log scale and are drawn grey, said so in the hover.
"""

from __future__ import annotations

import math

import numpy as np

from ui.captions import fmt
from ui.playground.chart_layout import NUMBER_FORMAT

HEATMAP_COLUMNS = 200  # the whole run, in at most this many columns
BLANK_COLOR = "#C8C8C8"  # cells with no finite norm (inf, nan or 0)


def heat_columns(history, sel, step) -> tuple[np.ndarray, np.ndarray, int]:
    """The per-layer norms of the whole run in at most HEATMAP_COLUMNS columns.

    Returns:
        x: the last step of each column; z: (columns, layers), each column the largest norm
        of its rows, or inf/nan if any row had one (an overflow is never averaged away);
        k: rows per column.
    """
    z = history.layer_matrix("grad_norm")[sel]  # (steps, layers)
    n = len(z)
    k = max(1, math.ceil(n / HEATMAP_COLUMNS))
    if k == 1 or n == 0:
        return step, z, 1
    starts = np.arange(0, n, k)
    finite = np.isfinite(z)
    top = np.maximum.reduceat(np.where(finite, z, -1.0), starts, axis=0)
    has_inf = np.logical_or.reduceat(np.isinf(z), starts, axis=0)
    has_nan = np.logical_or.reduceat(np.isnan(z), starts, axis=0)
    top = np.where(has_inf, np.inf, top)
    top = np.where(has_nan, np.nan, top)
    ends = np.minimum(starts + k - 1, n - 1)
    return step[ends], top, k


def heatmap(history, sel, step) -> tuple[list[dict], tuple[list, list] | None]:
    """The panel's traces (the heatmap, and grey cells where a norm has no colour) and its
    colour bar's ticks, one every 1, 2, 5... decades (``None`` when no norm is finite)."""
    x, z, k = heat_columns(history, sel, step)
    names = [short_layer_name(name) for name in history.layer_names]
    good = np.isfinite(z) & (z > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        logz = np.log10(np.where(good, z, np.nan)).T.astype(np.float32)  # (layers, columns)
    # The unified hover's title already says the step.
    where = "" if k == 1 else " (the largest in this column)"
    heat = dict(
        type="heatmap",
        x=np.asarray(x, dtype=np.float32),
        y=names,
        z=logz,
        customdata=np.asarray(z, dtype=np.float32).T,
        xaxis="x3",
        yaxis="y3",
        coloraxis="coloraxis",
        name="layer norm",
        hoverongaps=False,
        hovertemplate=f"%{{y}}: norm %{{customdata:{NUMBER_FORMAT}}}{where}<extra></extra>",
    )
    traces = [heat]
    if len(z) and not good.all():
        # No colour exists for inf, nan or 0 on a log scale: grey cells, said in the hover.
        blank = np.where(good, np.nan, 1.0).T.astype(np.float32)
        traces.append(
            dict(
                type="heatmap",
                x=heat["x"],
                y=names,
                z=blank,
                xaxis="x3",
                yaxis="y3",
                colorscale=[[0, BLANK_COLOR], [1, BLANK_COLOR]],
                showscale=False,
                hoverongaps=False,
                name="no finite norm",
                hovertemplate="%{y}: norm inf, nan or 0 (no colour on a log scale)<extra></extra>",
            )
        )
    finite = logz[np.isfinite(logz)]
    if not len(finite):
        return traces, None
    lo, hi = math.floor(finite.min()), math.ceil(finite.max())
    every = next(s for s in (1, 2, 5, 10, 20, 50) if (hi - lo) / s <= 5)
    ticks = list(range(lo - lo % every, hi + 1, every))
    return traces, (ticks, [fmt(10.0**t) for t in ticks])


def short_layer_name(name: str) -> str:
    """A layer's name short enough for a tick label ("hidden→hidden (recurrent)": "recurrent")."""
    if "(" in name:
        return name[name.index("(") + 1 : name.rindex(")")]
    return name.split("→")[0] if "→" in name else name
