"""Where the playground's four panels, their legends and titles go: a 2×2 grid on a wide
screen, one panel per row on a narrow one (a phone, a split window).

The figure is built once per redraw with the grid layout; :func:`stacked_patch` is what
changes for the narrow one. The live chart (``ui/live_chart.py``) measures its own width in
the browser and applies the patch below :data:`STACK_BELOW_PX`, so the choice follows the
sidebar and the window without a round trip to the server. Everything that must move with a
panel (titles, notes, the shaded band, the baseline) is placed in that panel's own axis
coordinates (``"x2 domain"``...), so only domains, legends and the colour bar need patching.

Projector mode (``ui/projector.py``) draws the same figure with :data:`PROJECTOR`'s look: text
large enough to read from the back of a classroom, and the room that text needs.

No ``st.*`` calls here.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Look:
    """The figure's text sizes (px) and the room they need: for a screen, or a projector."""

    font: int  # the figure's font: axis titles, hover, and tick labels unless ``tick`` says
    tick: int | None  # tick labels, when set apart from ``font``
    title: int  # panel titles
    legend: int
    heat_tick: int  # the heatmap's layer names (up to a dozen rows in a short panel)
    log_ticks: int  # most labels on a log axis: 1, 2, 5 over a few decades, else powers of ten
    small: int  # the colour bar's title, notes on the chart
    title_x: float  # where a title sits on its panel: 0.5 centred, 0 from its left edge
    height: int
    margin: dict
    cols: tuple[tuple[float, float], ...]  # the grid's panels, in paper fractions
    rows: tuple[tuple[float, float], ...]
    stacked_height: int
    stacked_margin: dict
    bands: tuple[int, int, int]  # stacked: a panel's title, plot and tick-label bands, px


SCREEN = Look(
    font=14,
    tick=None,
    title=TITLE_SIZE,
    legend=LEGEND_SIZE,
    heat_tick=12,
    log_ticks=5,
    small=12,
    title_x=0.5,
    height=GRID_HEIGHT,
    margin=GRID_MARGIN,
    cols=_GRID_COLS,
    rows=_GRID_ROWS,
    stacked_height=STACKED_HEIGHT,
    stacked_margin=STACKED_MARGIN,
    bands=(_BAND_TITLE, _BAND_PLOT, _BAND_TICKS),
)
# Read from 8 m on a 1280×720 projector: tick labels of 20 px, titles of 26 px. Titles start
# at their panel's left edge, so the longest one runs on over its legend's column instead of
# into the next panel; the margins hold 20-pixel layer names and "1e+18".
PROJECTOR = Look(
    font=20,
    tick=20,
    title=26,
    legend=20,
    heat_tick=20,
    log_ticks=4,
    small=18,
    title_x=0.0,
    height=880,
    margin=dict(l=118, r=230, t=64, b=76, autoexpand=False),
    cols=((0.0, 0.36), (0.64, 1.0)),
    rows=((0.58, 1.0), (0.0, 0.41)),
    stacked_height=2000,
    stacked_margin=dict(l=104, r=14, t=70, b=8, autoexpand=False),
    bands=(40, 250, 64),
)


def look_for(projector: bool) -> Look:
    return PROJECTOR if projector else SCREEN


def _grid_domains(i: int, look: Look = SCREEN) -> tuple[tuple[float, float], ...]:
    return look.cols[i % 2], look.rows[i // 2]


def _stacked_domains(i: int, look: Look = SCREEN) -> tuple[tuple[float, float], ...]:
    title, plot, _ = look.bands
    inner = look.stacked_height - look.stacked_margin["t"] - look.stacked_margin["b"]
    top = 1 - i / 4 - title / inner
    return (0.0, 1.0), (top - plot / inner, top)


def _stacked_below(i: int, look: Look = SCREEN) -> float:
    """Paper y just under panel ``i``'s tick labels and axis title (for its legend)."""
    inner = look.stacked_height - look.stacked_margin["t"] - look.stacked_margin["b"]
    return _stacked_domains(i, look)[1][0] - look.bands[2] / inner


def grid_layout(projector: bool = False) -> dict:
    """The figure's layout on a wide screen (a plain dict: Plotly takes it as is).

    Args:
        projector: large text for a projector (:data:`PROJECTOR`), instead of :data:`SCREEN`.
    """
    look = look_for(projector)
    layout = dict(
        height=look.height,
        # Fixed margins, wide enough for every label: letting Plotly grow them to fit (the
        # default) measures and redraws the whole figure a second time on every redraw.
        margin=dict(look.margin),
        # The app's own font and text colour (Streamlit's theme does not reach this chart).
        font=dict(
            size=look.font, family="Source Sans, Source Sans Pro, sans-serif", color="#31333F"
        ),
        uirevision="playground",  # keeps zoom and legend clicks across redraws
        hovermode="x unified",
        plot_bgcolor="white",
        annotations=[_title(i, look) for i in range(4)],
        coloraxis=dict(colorscale="Viridis", colorbar=_grid_colorbar(look)),
    )
    if projector:
        layout["hoverlabel"] = dict(font=dict(size=look.font))
    for i, n in enumerate(AXES):
        xdom, ydom = _grid_domains(i, look)
        layout[f"xaxis{n}"] = _x_axis(i, xdom, look)
        layout[f"yaxis{n}"] = _y_axis(i, ydom, look)
    for i, name in LEGENDS.items():
        layout[name] = _grid_legend(i, look)
    return layout


def _title(i: int, look: Look) -> dict:
    # In the panel's own domain coordinates: it moves with the panel in either layout.
    n = AXES[i]
    return dict(
        text=PANEL_TITLES[i],
        xref=f"x{n} domain",
        yref=f"y{n} domain",
        x=look.title_x,
        y=1,
        yshift=6,
        xanchor="center" if look.title_x == 0.5 else "left",
        yanchor="bottom",
        showarrow=False,
        font=dict(size=look.title),
    )


def _x_axis(i: int, domain, look: Look) -> dict:
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
    if look.tick:
        axis["tickfont"] = dict(size=look.tick)
    return axis


def _y_axis(i: int, domain, look: Look) -> dict:
    axis = dict(
        domain=list(domain),
        anchor=f"x{AXES[i]}",
        ticklabeloverflow="allow",
        automargin=False,
        zeroline=False,
    )
    if look.tick:
        axis["tickfont"] = dict(size=look.tick)
    if i == 2:  # the heatmap: one row per layer, input at the top; a dozen labels at most
        axis.update(autorange="reversed", tickfont=dict(size=look.heat_tick), nticks=12)
    else:
        # Log scale, labelled as plain numbers in the app's one format ("0.5", "0.2", "1e+18"),
        # not Plotly's small "5" and "2" digits between powers of ten.
        axis.update(
            type="log",
            tickformat=NUMBER_FORMAT,
            hoverformat=NUMBER_FORMAT,
            nticks=look.log_ticks,  # 1, 2, 5 labels up to a few decades, powers of ten beyond
            gridcolor="#e5e5e5",
        )
    return axis


def _grid_legend(i: int, look: Look) -> dict:
    xdom, ydom = _grid_domains(i, look)
    return dict(
        x=xdom[1] + 0.015,
        y=ydom[1],
        xanchor="left",
        yanchor="top",
        orientation="v",
        font=dict(size=look.legend),
        itemwidth=30,
        tracegroupgap=4,
        bgcolor="rgba(255,255,255,0.85)",
    )


def _grid_colorbar(look: Look) -> dict:
    xdom, ydom = _grid_domains(2, look)
    bar = dict(
        title=dict(
            text="norm<br>(grey:<br>inf, nan<br>or 0)", side="top", font=dict(size=look.small)
        ),
        orientation="v",
        x=xdom[1] + 0.015,
        xanchor="left",
        y=ydom[1],
        yanchor="top",
        len=0.3,
        thickness=12,
        ticklabeloverflow="allow",
    )
    if look.tick:
        bar["tickfont"] = dict(size=look.tick)
    return bar


def stacked_patch(projector: bool = False) -> dict:
    """What changes from :func:`grid_layout` for a narrow screen: the panels one per row,
    each legend under its own panel (horizontal, wrapping at the panel's width)."""
    look = look_for(projector)
    patch: dict = dict(height=look.stacked_height, margin=dict(look.stacked_margin))
    for i, n in enumerate(AXES):
        xdom, ydom = _stacked_domains(i, look)
        patch[f"xaxis{n}"] = dict(domain=list(xdom))
        patch[f"yaxis{n}"] = dict(domain=list(ydom))
        if i != 2:  # a shorter panel: fewer labels (powers of ten from three decades)
            patch[f"yaxis{n}"]["nticks"] = 4
    for i, name in LEGENDS.items():
        patch[name] = dict(
            x=0,
            y=_stacked_below(i, look),
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
            y=_stacked_below(2, look),
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
