"""The playground's figure, read as a figure object: ranges, legends, colours, formats, layout.

Each test builds the figure the page draws (``ui.charts.playground_figure``) from a real run
and checks what a learner would see on it; ``validate=True`` checks every property against
Plotly's schema, so a misspelled or unsupported attribute fails here, not silently in a
browser.
"""

from __future__ import annotations

import functools
import json
import math

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from gradclip_core import TrainConfig, Trainer
from gradclip_core.history import History
from gradclip_core.presets import load_presets
from ui import charts
from ui import live_chart as lc
from ui.captions import fmt, layer_sentence, ratio_sentence
from ui.charts import MODE_COLORS, playground_figure, short_layer_name
from ui.playground.chart_layout import (
    NUMBER_FORMAT,
    PANEL_TITLES,
    STEP_FORMAT,
    grid_layout,
    merged,
    stacked_patch,
)

PANEL_AXES = (("x", "y"), ("x2", "y2"), ("x3", "y3"), ("x4", "y4"))


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # the app's thread count


@functools.cache
def _exploded() -> Trainer:
    """The flagship explosion: unclipped, its gradient norm overflows float32 (step 34)."""
    t = Trainer(load_presets()["exploding-rnn"].config)
    t.run(100)
    assert t.diverged
    return t


@functools.cache
def _clipped(steps: int = 60) -> Trainer:
    """The same run clipped by norm at 1 (what "Run again with clipping" trains)."""
    config = load_presets()["exploding-rnn"].config.replace(clip_mode="norm", threshold=1.0)
    t = Trainer(config)
    t.run(steps)
    assert not t.diverged
    return t


def _figure(trainer: Trainer, ghost: History | None = None):
    return playground_figure(
        trainer.history,
        baseline=trainer.task.baseline,
        mode=trainer.mode,
        ghost=ghost,
        validate=True,
    )


def _traces(fig, xaxis: str) -> list:
    return [t for t in fig.data if t.xaxis == xaxis]


def _y_range(fig, axis: str) -> list[float]:
    """The decades a log axis shows: an autorange held to them (double-click comes back)."""
    y = fig.layout[axis]
    assert y.autorange is True and y.range is None
    opts = y.autorangeoptions
    assert list(opts.include) == [opts.clipmin, opts.clipmax]
    return [round(math.log10(opts.clipmin), 9), round(math.log10(opts.clipmax), 9)]


def _decades(values) -> tuple[float, float]:
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v) & (v > 0)]
    return math.log10(v.min()), math.log10(v.max())


# 1. The previous run must not squash the current one.


def test_an_exploded_previous_run_leaves_the_frame_instead_of_squashing_the_clipped_run():
    now, before = _clipped(), _exploded()
    alone, both = _figure(now), _figure(now, ghost=before.history)
    ghost_top = _decades(before.history.column("grad_norm"))[1]
    assert ghost_top > 18  # the previous run reached ~1e18 before it overflowed
    for axis, column in (("yaxis", "loss"), ("yaxis2", "grad_norm")):
        lo, hi = _y_range(both, axis)
        # The range is the current run's own: the same with and without the overlay...
        assert [lo, hi] == _y_range(alone, axis)
        # ...it holds every value of the current run, and not the previous run's explosion.
        data_lo, data_hi = _decades(now.history.column(column))
        assert lo <= data_lo and data_hi <= hi
        assert hi - lo <= 6, (axis, lo, hi)  # the clipped curve keeps its detail
        assert hi < _decades(before.history.column(column))[1] - 10
    # The overlay is still drawn, and says where it went (in the app's number format).
    assert [t.name for t in both.data].count("previous run") == 2
    notes = [a.text for a in both.layout.annotations if a.name == "off-chart"]
    assert len(notes) == 2, notes
    peak = np.nanmax(np.where(np.isfinite(g := before.history.column("grad_norm")), g, np.nan))
    assert any(f"up to {fmt(peak)}" in n for n in notes), notes
    assert not [a for a in alone.layout.annotations if a.name == "off-chart"]


def test_a_previous_run_inside_the_current_range_gets_no_note():
    now = _clipped()
    fig = _figure(now, ghost=_clipped(40).history)
    assert not [a for a in fig.layout.annotations if a.name == "off-chart"]


@pytest.mark.parametrize("values", [[1.0], [0.9, 1.1], [3e-3, 2e-2], [1e-8, 1e30]])
def test_log_ranges_are_whole_decades_at_least_two_wide(values):
    lo, hi = charts.log_range(np.array(values))
    assert lo == int(lo) and hi == int(hi)
    assert hi - lo >= 2  # Plotly then labels 1, 2, 5 per decade, not all nine digits
    assert 10**lo < min(values) and max(values) < 10**hi


# 2. Charts.


def test_each_panel_has_its_own_legend_right_beside_it():
    fig = _figure(_clipped(), ghost=_exploded().history)
    layout = fig.layout
    want = {"x": "legend", "x2": "legend2", "x4": "legend4"}
    for trace in fig.data:
        if trace.type == "scatter":
            assert trace.legend == want[trace.xaxis], (trace.name, trace.legend)
            assert trace.showlegend is not False, trace.name
    for (xa, ya), legend in zip(PANEL_AXES, ("legend", "legend2", None, "legend4"), strict=True):
        if legend is None:
            continue
        xdom = layout[xa.replace("x", "xaxis")].domain
        ydom = layout[ya.replace("y", "yaxis")].domain
        box = layout[legend]
        # Just right of its panel, level with its top, and short of the next panel.
        assert xdom[1] < box.x <= xdom[1] + 0.03, (legend, box.x, xdom)
        assert box.y == ydom[1] and box.yanchor == "top" and box.xanchor == "left"


def test_clipped_marks_and_the_previous_run_have_colours_of_their_own():
    fig = _figure(_clipped(), ghost=_exploded().history)
    by_name = {t.name: t for t in fig.data if t.xaxis == "x2"}
    marks = by_name["clipped step"].marker.line.color
    ghost = by_name["previous run"].line.color
    others = {by_name[n].line.color for n in ("before clipping", "after clipping", "threshold")}
    assert marks != ghost
    assert marks not in others and ghost not in others
    # A mode's colour means that mode, on every page: neither borrows one.
    assert marks not in MODE_COLORS.values() and ghost not in MODE_COLORS.values()


def test_update_size_lines_are_named_like_the_heatmap_rows():
    t = _clipped()
    fig = _figure(t)
    names = [tr.name for tr in _traces(fig, "x4")]
    assert names == [short_layer_name(n) for n in t.history.layer_names]
    heat = next(tr for tr in fig.data if tr.type == "heatmap")
    assert list(heat.y) == names
    for tr in _traces(fig, "x4"):
        assert tr.legend == "legend4" and tr.showlegend is not False


def test_the_band_and_the_baseline_are_in_their_panels_legends():
    fig = _figure(_clipped())
    shapes = {s.type: s for s in fig.layout.shapes}
    baseline, band = shapes["line"], shapes["rect"]
    assert baseline.showlegend and baseline.legend == "legend" and baseline.line.dash == "dot"
    assert "baseline" in baseline.name and fmt(_clipped().task.baseline) in baseline.name
    assert band.showlegend and band.legend == "legend4"
    assert "healthy band" in band.name and "0.0001" in band.name and "0.01" in band.name


def test_blank_heatmap_cells_are_grey_and_explained_in_the_hover_and_the_caption():
    t = _exploded()
    fig = _figure(t)
    heats = [tr for tr in fig.data if tr.type == "heatmap"]
    assert len(heats) == 2
    blank = heats[1]
    assert "inf, nan or 0" in blank.hovertemplate
    z = np.asarray(heats[0].z, dtype=np.float64)
    marked = np.asarray(blank.z, dtype=np.float64)
    assert np.isnan(z).any()
    assert np.array_equal(np.isnan(z), np.isfinite(marked))  # every blank cell, only them
    title = fig.layout.coloraxis.colorbar.title.text.replace("<br>", " ")
    assert "grey" in title and "inf, nan or 0" in title
    assert "Grey cells" in layer_sentence(t.history)
    assert "Grey cells" not in layer_sentence(_clipped().history)
    assert len([tr for tr in _figure(_clipped()).data if tr.type == "heatmap"]) == 1


def test_the_heatmap_covers_the_same_steps_as_the_other_panels():
    t = Trainer(TrainConfig(model="mlp", task="regression", depth=3, width=16, batch_size=16))
    t.run(450)  # more steps than the heatmap has columns
    fig = _figure(t)
    heat = next(tr for tr in fig.data if tr.type == "heatmap")
    steps = t.history.column("step")
    x = np.asarray(heat.x)
    assert len(x) <= charts.HEATMAP_COLUMNS
    assert x[-1] == steps[-1]  # up to the last step, like the loss curve
    assert x[0] - steps[0] <= math.ceil(len(steps) / charts.HEATMAP_COLUMNS)
    for n in ("2", "3", "4"):  # and one zoom moves every panel's step window together
        assert fig.layout[f"xaxis{n}"].matches == "x"
    # A column keeps the largest norm of its steps: a spike is never averaged away.
    z = t.history.layer_matrix("grad_norm")
    assert np.nanmax(np.asarray(heat.customdata, dtype=np.float64)) == pytest.approx(
        float(z.max()), rel=1e-6
    )


def test_log_axes_label_plain_numbers_and_step_axes_whole_steps():
    fig = _figure(Trainer(load_presets()["exploding-rnn"].config))  # no step yet
    short = Trainer(TrainConfig(model="mlp", task="regression"))
    short.run(3)
    fig = _figure(short)
    for n in ("", "2", "4"):
        y = fig.layout[f"yaxis{n}"]
        assert y.type == "log" and y.tickformat == NUMBER_FORMAT
        assert y.exponentformat is None  # tickformat labels 0.5 and 1e+18, not "5" or 10^18
        lo, hi = _y_range(fig, f"yaxis{n}")
        assert hi - lo >= 2 and (hi - lo) / y.nticks > 0.3  # "D2" (1, 2, 5), never "D1"
    for n in ("", "2", "3", "4"):
        x = fig.layout[f"xaxis{n}"]
        assert x.tickformat == STEP_FORMAT and x.dtick == 1  # 3 steps: 1, 2, 3, never 1.5
    long = _clipped()
    assert _figure(long).layout.xaxis.dtick is None  # Plotly picks whole steps itself


def test_hover_labels_use_the_apps_number_format():
    fig = _figure(_clipped(), ghost=_exploded().history)
    for tr in fig.data:
        if tr.type == "scatter":
            assert f"%{{y:{NUMBER_FORMAT}}}" in tr.hovertemplate, tr.name
    heat = next(tr for tr in fig.data if tr.type == "heatmap")
    assert f"%{{customdata:{NUMBER_FORMAT}}}" in heat.hovertemplate
    assert fig.layout.xaxis.unifiedhovertitle.text == f"step %{{x:{STEP_FORMAT}}}"
    ticks = fig.layout.coloraxis.colorbar
    assert list(ticks.ticktext) == [fmt(10.0**v) for v in ticks.tickvals]


@pytest.mark.parametrize(
    ("x", "js"),  # JavaScript's x.toPrecision(3), trailing zeros trimmed: d3's ".3~g"
    [
        (483, "483"),
        (0.00415, "0.00415"),
        (1.42e36, "1.42e+36"),
        (1.0, "1"),
        (0.1, "0.1"),
        (1e-5, "0.00001"),
        (1e-7, "1e-7"),
        (1234, "1.23e+3"),
        (999.6, "1e+3"),
        (-0.5, "-0.5"),
        (0, "0"),
        (math.inf, "inf"),
        (math.nan, "nan"),
    ],
)
def test_fmt_writes_what_the_charts_hover_writes(x, js):
    assert fmt(x) == js


# 1-2. The narrow layout.


def test_on_a_narrow_screen_the_panels_stack_one_per_row_with_readable_titles():
    wide = grid_layout()
    narrow = merged(wide, stacked_patch())
    boxes = []
    for n in ("", "2", "3", "4"):
        assert list(narrow[f"xaxis{n}"]["domain"]) == [0.0, 1.0]  # each panel full width
        boxes.append(narrow[f"yaxis{n}"]["domain"])
    for upper, lower in zip(boxes, boxes[1:], strict=False):
        assert lower[1] < upper[0]  # strictly below: one panel per row, in reading order
    for i, legend in ((0, "legend"), (1, "legend2"), (3, "legend4")):
        box = narrow[legend]
        assert box["orientation"] == "h" and box["yanchor"] == "top"
        below = boxes[i + 1][1] if i < 3 else -1
        assert below < box["y"] < boxes[i][0]  # under its own panel, above the next one
    titles = [a for a in narrow["annotations"] if a["text"] in PANEL_TITLES]
    assert len(titles) == 4
    assert all(a["font"]["size"] >= 12 for a in titles)
    assert narrow["font"]["size"] >= 12
    assert narrow["height"] > wide["height"]
    # The page's figure validates with the patch applied, as the browser draws it.
    fig = _figure(_clipped())
    import plotly.graph_objects as go

    go.Figure(
        dict(
            data=fig.to_plotly_json()["data"],
            layout=merged(fig.layout.to_plotly_json(), stacked_patch()),
        )
    )


# 3. Words.


def test_layer_caption_has_no_broken_article_when_the_spread_overflows():
    h = _exploded().history.until(23)  # layers 10^7 apart, none at 0
    text = layer_sentence(h)
    assert " a an " not in text and " a 8" not in text and "(a " not in text
    assert "times the smallest" in text


def test_ratio_caption_names_the_band_in_the_charts_format():
    text = ratio_sentence(_clipped().history)
    assert "(0.0001 to 0.01)" in text and "1e-3" not in text


# 4. Nothing leaves the machine.


def test_plotly_config_has_no_cloud_share_or_chart_studio():
    cfg = lc.PLOTLY_CONFIG
    assert cfg["displaylogo"] is False
    assert cfg["showSendToCloud"] is False and cfg["showEditInChartStudio"] is False
    assert cfg["showLink"] is False and cfg["plotlyServerURL"] == ""
    for button in ("sendDataToCloud", "sendChartToCloud", "editInChartStudio"):
        assert button in cfg["modeBarButtonsToRemove"]


def _script() -> None:
    from gradclip_core import TrainConfig, Trainer
    from ui.charts import playground_figure
    from ui.live_chart import live_chart
    from ui.playground.chart_layout import STACK_BELOW_PX, stacked_patch

    t = Trainer(TrainConfig())
    t.run(3)
    fig = playground_figure(t.history, baseline=1.0, mode="none")
    live_chart(fig, key="c", alt="three steps", narrow=stacked_patch(), narrow_below=STACK_BELOW_PX)


@pytest.mark.parametrize("static_serving", [True, False])
def test_both_ways_of_drawing_the_chart_send_the_no_cloud_config(
    static_serving, set_static_serving
):
    set_static_serving(static_serving)
    at = AppTest.from_function(_script, default_timeout=60).run()
    assert not at.exception, at.exception
    if static_serving:
        (el,) = at.get("bidi_component")
        data = json.loads(el.proto.json)
        sent = data["config"]
        assert json.loads(data["narrow"]) == stacked_patch()
        assert data["narrow_below"] > 390
    else:
        (el,) = at.get("plotly_chart")
        sent = json.loads(el.proto.config)
    for key, value in lc.PLOTLY_CONFIG.items():
        assert sent[key] == value, key
    assert sent["showSendToCloud"] is False and sent["displaylogo"] is False
    assert "sendChartToCloud" in sent["modeBarButtonsToRemove"]
