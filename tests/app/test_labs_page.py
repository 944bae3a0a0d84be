"""The Pitfall labs page through AppTest, driven by widget keys, and its view's pure helpers.

The page is run on its own (``AppTest.from_file("app_pages/labs.py")``) and, for the link to
the Learn page and a visit away and back, under a small router that registers it with the
Learn page the way app.py's navigation does.
"""

from __future__ import annotations

import functools
import html
import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gradclip_core.labs import LABS, Loop, run_lab
from ui.labs.view import CHART_CONFIG, PANELS, lab_figure, loop_color, loop_html

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "app_pages" / "labs.py")
ROUTER = """
import streamlit as st

st.navigation([
    st.Page("app_pages/labs.py", title="Pitfall labs"),
    st.Page("app_pages/learn.py", title="Learn"),
]).run()
"""


@functools.cache
def finding(lab_id: str, seed: int = 0) -> str:
    return run_lab(lab_id, seed).finding


def _page(**state) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def routed(tmp_path) -> AppTest:
    """The page registered next to Learn: a router beside a link to the real app_pages/."""
    (tmp_path / "app_pages").symlink_to(ROOT / "app_pages", target_is_directory=True)
    (tmp_path / "router.py").write_text(ROUTER, encoding="utf-8")
    at = AppTest.from_file(str(tmp_path / "router.py"), default_timeout=120).run()
    assert not at.exception, at.exception
    return at


def _measured(at: AppTest) -> str:
    found = [m.value for m in at.markdown if m.value.startswith("**Measured:** ")]
    assert len(found) == 1
    return found[0].removeprefix("**Measured:** ")


def _code_html(at: AppTest) -> str:
    return "".join(h.proto.body for h in at.get("html"))


@pytest.mark.parametrize("lab_id", list(LABS))
def test_every_lab_shows_its_loops_the_wrong_line_the_chart_and_the_sentence(lab_id):
    at = _page()
    at.segmented_control(key="labs_lab").set_value(lab_id).run()
    assert not at.exception, at.exception
    lab = LABS[lab_id]
    assert at.title[0].value == "Pitfall labs"
    assert at.subheader[0].value == lab.title
    assert _measured(at) == finding(lab_id)
    code = _code_html(at)
    assert code.count('<pre class="lab-code">') == len(lab.loops)
    for loop in lab.loops:
        if loop.wrong:
            wrong = html.escape(loop.lines[loop.marked])
            assert f'<span class="lab-wrong" title="the mistake">{wrong}</span>' in code
    wrong_lines = re.findall(r'<span class="lab-wrong"[^>]*>([^<]*)</span>', code)
    assert len(wrong_lines) == sum(loop.wrong for loop in lab.loops)
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    assert json.loads(charts[0].proto.config) == CHART_CONFIG
    assert any("lesson" in c.value.lower() for c in at.caption)  # named, outside the router


def test_the_overflow_lab_shows_torchs_error_message():
    at = _page(labs_lab="overflow")
    errors = [c.value for c in at.code]
    assert len(errors) == 1 and "is non-finite, so it cannot be clipped" in errors[0]
    assert any("raised `RuntimeError` at step 6" in m.value for m in at.markdown)


def test_a_new_seed_gives_that_seeds_numbers():
    at = _page(labs_lab="accumulation")
    at.number_input(key="labs_seed").set_value(3).run()
    assert not at.exception, at.exception
    assert _measured(at) == finding("accumulation", 3) != finding("accumulation", 0)


@pytest.mark.parametrize(
    "state",
    [
        dict(labs_lab="nope", labs_seed=0),
        dict(labs_lab=None, labs_seed=-5),
        dict(labs_lab=3, labs_seed=10_000),
        dict(labs_lab="threshold", labs_seed="seven"),
        dict(labs_lab="overflow", labs_seed=2.5),
    ],
)
def test_junk_in_the_widgets_state_falls_back_to_the_defaults(state):
    at = _page(**state)
    lab = state["labs_lab"] if state["labs_lab"] in LABS else "amp"
    assert at.segmented_control(key="labs_lab").value == lab
    assert at.number_input(key="labs_seed").value == 0
    assert _measured(at) == finding(lab)


def test_the_seed_box_stops_at_its_bounds():
    at = _page()
    box = at.number_input(key="labs_seed")
    assert (box.min, box.max, box.step) == (0, 999, 1)


def test_the_lesson_link_opens_the_learn_page_when_registered(routed):
    links = routed.get("page_link")
    assert [link.proto.label for link in links] == [
        "Read lesson 6, “Pitfalls in real training code”, on the Learn page"
    ]
    routed.segmented_control(key="labs_lab").set_value("threshold").run()
    label = routed.get("page_link")[0].proto.label
    assert label == "Read lesson 7, “Choosing a threshold”, on the Learn page"
    routed.segmented_control(key="labs_lab").set_value("overflow").run()
    assert "lesson 3," in routed.get("page_link")[0].proto.label


def test_settings_survive_a_visit_to_the_learn_page(routed):
    routed.segmented_control(key="labs_lab").set_value("after-step").run()
    routed.number_input(key="labs_seed").set_value(4).run()
    routed.switch_page("app_pages/learn.py").run()
    routed.switch_page("app_pages/labs.py").run()
    assert not routed.exception, routed.exception
    assert routed.segmented_control(key="labs_lab").value == "after-step"
    assert routed.number_input(key="labs_seed").value == 4


# ---- the view's helpers -------------------------------------------------------------------
def test_loop_html_escapes_and_marks_the_mistake_and_the_fix():
    wrong = Loop("buggy", "a <b>", ("x = a < b", "y = 1"), marked=0, wrong=True)
    fix = Loop("correct", "fix", ("x = 1", "y = a & b"), marked=1)
    plain = Loop("none", "plain", ("z = 2",))
    text = loop_html(wrong, "#D55E00")
    assert '<span class="lab-wrong" title="the mistake">x = a &lt; b</span>' in text
    assert "a &lt;b&gt;" in text and "<b>" not in text.split("</style>")[1]
    assert '<span class="lab-fix" title="the fix">y = a &amp; b</span>' in loop_html(fix, "#0072B2")
    assert "lab-wrong" not in loop_html(plain, "#8C8C8C").split("</style>")[1]


@pytest.mark.parametrize("lab_id", list(LABS))
def test_the_figure_has_one_colour_per_loop_and_log_axes_where_it_says(lab_id):
    lab, result = LABS[lab_id], run_lab(lab_id, 0)
    fig = lab_figure(lab, result)
    colors = {loop.label: loop_color(loop, i) for i, loop in enumerate(lab.loops)}
    assert len(set(colors.values())) == len(lab.loops)
    named = [t for t in fig.data if t.name in colors]
    assert named and all(t.line.color == colors[t.name] for t in named)
    legend = sorted((t for t in named if t.showlegend), key=lambda t: t.legendrank)
    assert [t.name for t in legend] == [loop.label for loop in lab.loops]
    for i, panel in enumerate(PANELS[lab_id], start=1):
        axis = fig.layout[f"yaxis{i if i > 1 else ''}"]
        assert axis.type == ("log" if panel.log else "linear"), panel.title


def test_an_inf_norm_is_marked_at_the_top_of_its_panel():
    fig = lab_figure(LABS["overflow"], run_lab("overflow", 0))
    marks = [t for t in fig.data if t.mode == "markers+text"]
    assert {t.text[0] for t in marks} == {"inf", "raised"}
    assert all(list(t.x) == [6] for t in marks)
