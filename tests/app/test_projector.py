"""Projector mode and a link's choice of controls (``projector=1``, ``show=...``), through
AppTest and the figure object the page draws."""

from __future__ import annotations

import functools
from pathlib import Path

import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from gradclip_core import Trainer
from gradclip_core.presets import load_presets
from ui.charts import playground_figure
from ui.playground.chart_layout import PANEL_TITLES, merged, stacked_patch
from ui.projector import GROUPS, PROJECTOR_GROUPS, View, parse_show, parse_view, view_query

TIMEOUT = 60
APP = str(Path(__file__).resolve().parents[2] / "app.py")
TICK_MIN, TITLE_MIN, LEGEND_MIN = 20, 24, 20

# The widgets of each group of controls, by key (the sidebar's or the Controls popover's).
GROUP_KEYS = {
    "scenario": ("w_preset",),
    "clipping": ("w_clip_mode",),
    "optimizer": ("w_optimizer", "w_lr"),
    "model": ("w_model", "w_width", "w_init_scale", "w_device"),
    "data": ("w_task", "w_batch_size", "w_seed"),
    "speed": ("w_speed", "w_edge"),
}


def _app(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def _keys(at: AppTest, where=None) -> set[str]:
    """The keys of every settings widget drawn (in ``where``: e.g. ``at.sidebar``)."""
    root = where if where is not None else at
    kinds = ("radio", "selectbox", "select_slider", "slider", "number_input", "toggle")
    return {w.key for kind in kinds for w in root.get(kind) if str(w.key).startswith("w_")}


def _warnings(at: AppTest) -> str:
    return "\n".join(w.value for w in at.warning)


def _styles(at: AppTest) -> str:
    return "\n".join(h.proto.body for h in at.get("html"))


# 1. The flag and the toggle.


def test_the_projector_flag_turns_projector_mode_on():
    at = _app({"preset": "healthy", "projector": "1"})
    assert at.session_state["view"].projector
    assert 'data-testid="stSidebar"' in _styles(at) and "display: none" in _styles(at)
    assert not _keys(at, at.sidebar)  # nothing in the sidebar: it is hidden
    drawn = _keys(at)
    for group in PROJECTOR_GROUPS:  # the basic controls, in the Controls popover
        assert set(GROUP_KEYS[group]) <= drawn, group
    for group in set(GROUPS) - set(PROJECTOR_GROUPS):  # the advanced ones wait
        assert not set(GROUP_KEYS[group]) & drawn, group
    assert all(r.key != "take_home_variant" for r in at.radio)  # no downloads on the screen
    assert at.button(key="btn_leave_projector") is not None
    assert at.query_params["projector"] == "1"  # a reload keeps it


def test_without_the_flag_the_page_is_as_before():
    at = _app({"preset": "healthy"})
    assert not at.session_state["view"].projector
    assert "stSidebar" not in _styles(at)
    assert {k for keys in GROUP_KEYS.values() for k in keys} - {"w_speed", "w_edge"} <= _keys(
        at, at.sidebar
    )
    assert "projector" not in at.query_params and "show" not in at.query_params


def test_the_teach_toggle_turns_projector_mode_on_and_the_leave_button_off():
    at = _app({"preset": "healthy"})
    at.toggle(key="teach_projector").set_value(True).run()
    assert not at.exception
    assert at.session_state["view"].projector and at.query_params["projector"] == "1"
    assert not _keys(at, at.sidebar)
    at.button(key="btn_leave_projector").click().run()
    assert not at.exception
    assert not at.session_state["view"].projector
    assert "projector" not in at.query_params
    assert "w_clip_mode" in _keys(at, at.sidebar)
    assert at.toggle(key="teach_projector").value is False


def test_settings_changed_in_projector_mode_apply_and_survive_leaving_it():
    at = _app({"preset": "healthy", "projector": "1"})
    at.radio(key="w_clip_mode").set_value("value").run()
    at.button(key="btn_step").click().run()
    assert not at.exception
    assert at.session_state["run"].config.clip_mode == "value"
    at.button(key="btn_leave_projector").click().run()
    assert at.radio(key="w_clip_mode").value == "value"
    assert at.session_state["run"].trainer.steps_done == 1  # the same run, not a new one


# 2. The figure's text, read as a figure object.


@functools.cache
def _trainers() -> tuple[Trainer, Trainer]:
    """The flagship explosion, and the same run clipped (the exploded one drawn beside it)."""
    config = load_presets()["exploding-rnn"].config
    exploded = Trainer(config)
    exploded.run(60)
    clipped = Trainer(config.replace(clip_mode="norm", threshold=1.0))
    clipped.run(20)
    return exploded, clipped


def _figure(projector: bool):
    exploded, clipped = _trainers()
    return playground_figure(
        clipped.history,
        baseline=clipped.task.baseline,
        mode="norm",
        ghost=exploded.history,
        projector=projector,
        validate=True,  # every property checked against Plotly's schema
    )


def _text_sizes(layout: dict) -> dict[str, list[float]]:
    """Every text size the layout sets: tick labels, titles, legends, notes, the colour bar."""
    axes = [v for k, v in layout.items() if k.startswith(("xaxis", "yaxis"))]
    bar = layout["coloraxis"]["colorbar"]
    notes = layout["annotations"]
    return {
        "font": [layout["font"]["size"]],
        "ticks": [a["tickfont"]["size"] for a in axes] + [bar["tickfont"]["size"]],
        "titles": [a["font"]["size"] for a in notes if a["text"] in PANEL_TITLES],
        "notes": [a["font"]["size"] for a in notes if a["text"] not in PANEL_TITLES],
        "legends": [v["font"]["size"] for k, v in layout.items() if k.startswith("legend")],
        "bar title": [bar["title"]["font"]["size"]],
    }


def test_the_projector_figure_meets_the_minimum_text_sizes():
    layout = _figure(projector=True).layout.to_plotly_json()
    sizes = _text_sizes(layout)
    assert len(sizes["ticks"]) == 9 and min(sizes["ticks"]) >= TICK_MIN, sizes
    assert len(sizes["titles"]) == 4 and min(sizes["titles"]) >= TITLE_MIN, sizes
    assert len(sizes["legends"]) == 3 and min(sizes["legends"]) >= LEGEND_MIN, sizes
    assert sizes["notes"] and min(sizes["notes"]) >= 18, sizes  # "previous run, off the chart"
    assert sizes["font"][0] >= TICK_MIN  # axis titles and hover text inherit it
    assert layout["hoverlabel"]["font"]["size"] >= TICK_MIN
    # The narrow (stacked) patch moves panels and legends; it keeps every size.
    assert _text_sizes(merged(layout, stacked_patch(projector=True))) == sizes


def test_the_screen_figure_keeps_its_smaller_text():
    layout = _figure(projector=False).layout.to_plotly_json()
    assert "tickfont" not in layout["xaxis"] and layout["font"]["size"] < TICK_MIN
    titles = [a["font"]["size"] for a in layout["annotations"] if a["text"] in PANEL_TITLES]
    assert max(titles) < TITLE_MIN


def test_the_projector_figure_has_room_for_its_text():
    wide, big = _figure(False).layout, _figure(True).layout
    assert big.height > wide.height
    assert big.margin.l > wide.margin.l and big.margin.b > wide.margin.b
    # Titles start at their panel's left edge: a long one runs over its legend's column.
    titles = [a for a in big.annotations if a.text in PANEL_TITLES]
    assert all(a.x == 0 and a.xanchor == "left" for a in titles)
    gap = big.xaxis2.domain[0] - big.xaxis.domain[1]  # the right panel's tick labels live here
    assert gap >= 0.25


def test_the_page_draws_the_projector_figure_in_projector_mode(monkeypatch):
    import ui.playground.panel

    drawn = []
    real = ui.playground.panel.live_chart

    def spy(fig, **kwargs):
        drawn.append((fig, kwargs))
        return real(fig, **kwargs)

    monkeypatch.setattr(ui.playground.panel, "live_chart", spy)
    at = _app({"preset": "healthy", "projector": "1"})
    at.button(key="btn_step").click().run()
    assert not at.exception
    fig, kwargs = drawn[-1]
    fig = go.Figure(fig)  # the spec the panel sends, as a figure (and validated)
    sizes = _text_sizes(fig.layout.to_plotly_json())
    assert min(sizes["ticks"]) >= TICK_MIN and min(sizes["titles"]) >= TITLE_MIN
    assert kwargs["narrow"] == stacked_patch(projector=True)
    at.button(key="btn_leave_projector").click().run()
    fig, kwargs = drawn[-1]
    fig = go.Figure(fig)
    assert fig.layout.font.size < TICK_MIN and kwargs["narrow"] == stacked_patch()


# 3. A link's choice of controls.


def test_a_show_link_hides_the_other_groups_widgets():
    preset = load_presets()["exploding-rnn"].config
    at = _app({"preset": "exploding-rnn", "show": "clipping,speed"})
    drawn = _keys(at)
    assert {"w_clip_mode", "w_speed", "w_edge"} <= drawn
    for group in ("scenario", "optimizer", "model", "data"):
        assert not set(GROUP_KEYS[group]) & drawn, group
    assert at.query_params["show"] == "clipping,speed"  # the link carries the choice
    assert not _warnings(at)
    # The hidden settings are the link's: the run is the preset's, seed included.
    assert at.session_state["run"].config == preset
    at.radio(key="w_clip_mode").set_value("norm").run()
    at.button(key="btn_step").click().run()
    assert not at.exception
    run = at.session_state["run"]
    assert run.config == preset.replace(clip_mode="norm", threshold=run.config.threshold)
    assert run.trainer.steps_done == 1


def test_show_none_leaves_the_buttons_and_the_charts():
    at = _app({"preset": "healthy", "show": "none"})
    assert not _keys(at)
    assert at.query_params["show"] == "none"
    at.button(key="btn_step").click().run()
    assert not at.exception and at.session_state["run"].trainer.steps_done == 1


def test_bad_show_and_projector_values_warn_naming_them_and_what_is_allowed():
    at = _app({"preset": "healthy", "show": "clipping,Bogus", "projector": "maybe"})
    text = _warnings(at)
    assert "show: `bogus` is not a group of controls and was ignored" in text
    assert "allows scenario, clipping, optimizer, model, data, speed (or none)" in text
    assert "projector=`maybe` was ignored" in text and "1 (projector mode) or 0" in text
    assert "is not a setting" not in text  # page keys, not unknown names
    drawn = _keys(at)
    assert "w_clip_mode" in drawn and "w_optimizer" not in drawn
    assert not at.session_state["view"].projector


def test_a_show_link_that_names_no_group_shows_every_control_and_says_so():
    at = _app({"preset": "healthy", "show": "[x](http://evil.example)"})
    text = _warnings(at)
    assert "every control is shown" in text
    assert "](http" not in text.replace("`[x](http://evil.example)`", "")  # quoted, not a link
    assert {"w_preset", "w_clip_mode", "w_optimizer", "w_model", "w_task"} <= _keys(at)


@pytest.mark.parametrize(
    ("raw", "groups", "bad"),
    [
        ("clipping,speed", ("clipping", "speed"), 0),
        (" Speed , CLIPPING,clipping ", ("clipping", "speed"), 0),  # GROUPS order, once each
        ("none", (), 0),
        ("", None, 0),
        ("clipping,,lr", ("clipping",), 1),
        ("lr", None, 2),  # the name, and that every control is shown
    ],
)
def test_parse_show(raw, groups, bad):
    show, warnings = parse_show(raw)
    assert show == groups and len(warnings) == bad


def test_a_view_round_trips_through_its_link():
    for view in (View(), View(True), View(False, ("clipping",)), View(True, ())):
        assert parse_view(view_query(view)) == (view, [])
    assert view_query(View()) == {}  # a plain page adds nothing to a link
