"""Where the playground's four panels, their legends and titles go: a 2×2 grid on a wide
screen, one panel per row on a narrow one (a phone, a split window).

The figure is built once per redraw with the grid layout; :func:`stacked_patch` is what
changes for the narrow one. The live chart (``ui/live_chart.py``) measures its own width in
the browser and applies the patch below :data:`STACK_BELOW_PX`, so the choice follows the
sidebar and the window without a round trip to the server. Everything that must move with a
panel (titles, notes, the shaded band, the baseline) is placed in that panel's own axis
coordinates (``"x2 domain"``...), so only domains, legends and the colour bar need patching.

No ``st.*`` calls here.
"""

from __future__ import annotations

PANEL_TITLES = (
    "Loss",
    "Gradient norm: before and after clipping",
    "Gradient norm per layer",
    "Update size per layer, ‖Δθ‖ / ‖θ‖",
)
AXES = ("", "2", "3", "4")  # panel i uses xaxis{AXES[i]} / yaxis{AXES[i]}
LEGENDS = {0: "legend", 1: "legend2", 3: "legend4"}  # the heatmap has its colour bar instead
# One number format everywhere: d3's ".3~g" is what ``ui.captions.fmt`` writes in Python.
NUMBER_FORMAT = ".3~g"
STEP_FORMAT = ",d"  # whole steps, with a thousands separator like the Step tile
TITLE_SIZE = 15
LEGEND_SIZE = 13
# Below this chart width (CSS pixels) the panels stack one per row: the grid needs room for
# two panels, a legend beside each, and the right panel's tick labels between them.
STACK_BELOW_PX = 860
HEALTHY_BAND = (1e-4, 1e-2)  # update/weight ratio around 1e-3 is the usual rule of thumb

# The grid: panels in paper fractions; legends sit just right of their panel.
GRID_HEIGHT = 700
# The top margin leaves the mode bar (top right, on hover) clear of the right panel's title.
GRID_MARGIN = dict(l=64, r=150, t=62, b=52, autoexpand=False)
_GRID_COLS = ((0.0, 0.35), (0.65, 1.0))
_GRID_ROWS = ((0.56, 1.0), (0.0, 0.42))

# The stack, in pixels of a panel's band: title above, plot, ticks and "step" below, legend.
STACKED_HEIGHT = 1540  # four bands of ~370 px: room for a three-row legend under each
STACKED_MARGIN = dict(l=58, r=14, t=56, b=8, autoexpand=False)
_BAND_TITLE, _BAND_PLOT, _BAND_TICKS = 26, 186, 46


def _grid_domains(i: int) -> tuple[tuple[float, float], tuple[float, float]]:
    return _GRID_COLS[i % 2], _GRID_ROWS[i // 2]


def _stacked_domains(i: int) -> tuple[tuple[float, float], tuple[float, float]]:
    inner = STACKED_HEIGHT - STACKED_MARGIN["t"] - STACKED_MARGIN["b"]
    top = 1 - i / 4 - _BAND_TITLE / inner
    return (0.0, 1.0), (top - _BAND_PLOT / inner, top)


def _stacked_below(i: int) -> float:
    """Paper y just under panel ``i``'s tick labels and axis title (for its legend)."""
    inner = STACKED_HEIGHT - STACKED_MARGIN["t"] - STACKED_MARGIN["b"]
    return _stacked_domains(i)[1][0] - _BAND_TICKS / inner


def grid_layout() -> dict:
    """The figure's layout on a wide screen (a plain dict: Plotly takes it as is)."""
    layout = dict(
        height=GRID_HEIGHT,
        # Fixed margins, wide enough for every label: letting Plotly grow them to fit (the
        # default) measures and redraws the whole figure a second time on every redraw.
        margin=dict(GRID_MARGIN),
        # The app's own font and text colour (Streamlit's theme does not reach this chart).
        font=dict(size=14, family="Source Sans, Source Sans Pro, sans-serif", color="#31333F"),
        uirevision="playground",  # keeps zoom and legend clicks across redraws
        hovermode="x unified",
        plot_bgcolor="white",
        annotations=[_title(i) for i in range(4)],
        coloraxis=dict(colorscale="Viridis", colorbar=_grid_colorbar()),
    )
    for i, n in enumerate(AXES):
        xdom, ydom = _grid_domains(i)
        layout[f"xaxis{n}"] = _x_axis(i, xdom)
        layout[f"yaxis{n}"] = _y_axis(i, ydom)
    for i, name in LEGENDS.items():
        layout[name] = _grid_legend(i)
    return layout


def _title(i: int) -> dict:
    # In the panel's own domain coordinates: it moves with the panel in either layout.
    n = AXES[i]
    return dict(
        text=PANEL_TITLES[i],
        xref=f"x{n} domain",
        yref=f"y{n} domain",
        x=0.5,
        y=1,
        yshift=6,
        xanchor="center",
        yanchor="bottom",
        showarrow=False,
        font=dict(size=TITLE_SIZE),
    )


def _x_axis(i: int, domain) -> dict:
    axis = dict(
        domain=list(domain),
        anchor=f"y{AXES[i]}",
        title=dict(text="step", standoff=4),
        gridcolor="#eeeeee",
        zeroline=False,
        tickformat=STEP_FORMAT,
        hoverformat=STEP_FORMAT,
        unifiedhovertitle=dict(text=f"step %{{x:{STEP_FORMAT}}}"),
        # Plotly's default ("hide past div") measures every tick label after drawing each
        # one: most of the browser's time per redraw. Labels here never leave the figure.
        ticklabeloverflow="allow",
        automargin=False,
    )
    if i:
        axis["matches"] = "x"  # one step window on every panel: zoom one, zoom all
    return axis


def _y_axis(i: int, domain) -> dict:
    axis = dict(
        domain=list(domain),
        anchor=f"x{AXES[i]}",
        ticklabeloverflow="allow",
        automargin=False,
        zeroline=False,
    )
    if i == 2:  # the heatmap: one row per layer, input at the top; a dozen labels at most
        axis.update(autorange="reversed", tickfont=dict(size=12), nticks=12)
    else:
        # Log scale, labelled as plain numbers in the app's one format ("0.5", "0.2", "1e+18"),
        # not Plotly's small "5" and "2" digits between powers of ten.
        axis.update(
            type="log",
            tickformat=NUMBER_FORMAT,
            hoverformat=NUMBER_FORMAT,
            nticks=5,  # 1, 2, 5 labels up to three decades, powers of ten beyond
            gridcolor="#e5e5e5",
        )
    return axis


def _grid_legend(i: int) -> dict:
    xdom, ydom = _grid_domains(i)
    return dict(
        x=xdom[1] + 0.015,
        y=ydom[1],
        xanchor="left",
        yanchor="top",
        orientation="v",
        font=dict(size=LEGEND_SIZE),
        itemwidth=30,
        tracegroupgap=4,
        bgcolor="rgba(255,255,255,0.85)",
    )


def _grid_colorbar() -> dict:
    xdom, ydom = _grid_domains(2)
    return dict(
        title=dict(text="norm<br>(grey:<br>inf, nan<br>or 0)", side="top", font=dict(size=12)),
        orientation="v",
        x=xdom[1] + 0.015,
        xanchor="left",
        y=ydom[1],
        yanchor="top",
        len=0.3,
        thickness=12,
        ticklabeloverflow="allow",
    )


def stacked_patch() -> dict:
    """What changes from :func:`grid_layout` for a narrow screen: the panels one per row,
    each legend under its own panel (horizontal, wrapping at the panel's width)."""
    patch: dict = dict(height=STACKED_HEIGHT, margin=dict(STACKED_MARGIN))
    for i, n in enumerate(AXES):
        xdom, ydom = _stacked_domains(i)
        patch[f"xaxis{n}"] = dict(domain=list(xdom))
        patch[f"yaxis{n}"] = dict(domain=list(ydom))
        if i != 2:  # a shorter panel: fewer labels (powers of ten from three decades)
            patch[f"yaxis{n}"]["nticks"] = 4
    for i, name in LEGENDS.items():
        patch[name] = dict(
            x=0,
            y=_stacked_below(i),
            xanchor="left",
            yanchor="top",
            orientation="h",
        )
    patch["coloraxis"] = dict(
        colorbar=dict(
            title=dict(text="norm (grey: inf, nan or 0)", side="top"),
            orientation="h",
            x=0,
            xanchor="left",
            y=_stacked_below(2),
            yanchor="top",
            len=0.7,
            thickness=10,
        )
    )
    return patch


def merged(base: dict, patch: dict) -> dict:
    """``base`` with ``patch`` laid over it, dict by dict (what the browser does too)."""
    out = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out
