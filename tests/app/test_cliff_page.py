"""The Cliff page through AppTest, driven by widget keys, and its view's pure helpers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from gradclip_core.cliff import Trajectory, trajectory
from ui.cliff.view import (
    B_RANGE,
    LENGTH_OPTIONS,
    LR_OPTIONS,
    THRESHOLD_OPTIONS,
    W_RANGE,
    cliff_figure,
    cliff_sentence,
    exit_point,
    start_from_selection,
)

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "app_pages/cliff.py"


def _page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _sentence(at: AppTest) -> str:
    return at.caption[-1].value  # the sentence under the map


def test_page_renders_the_map_and_one_sentence_with_the_numbers():
    at = _page()
    assert at.title[0].value == "The cliff"
    assert len(at.get("plotly_chart")) == 1
    for key in ("cliff_T", "cliff_lr", "cliff_threshold"):
        assert at.select_slider(key=key) is not None
    assert at.slider(key="cliff_w").value == 6.0 and at.slider(key="cliff_b").value == -4.5
    sentence = _sentence(at)
    assert "largest step" in sentence and "clipped by norm at 1" in sentence
    assert "ended at (w, b) =" in sentence


@pytest.mark.parametrize(
    ("key", "value"),
    [("cliff_T", 10), ("cliff_lr", 0.1), ("cliff_threshold", 0.1), ("cliff_w", 3.0)],
)
def test_changing_a_slider_changes_the_sentence(key, value):
    at = _page()
    before = _sentence(at)
    widget = at.slider(key=key) if key == "cliff_w" else at.select_slider(key=key)
    widget.set_value(value).run()
    assert not at.exception, at.exception
    assert _sentence(at) != before


@pytest.mark.parametrize(
    "values",
    [
        dict(cliff_T=LENGTH_OPTIONS[-1], cliff_lr=LR_OPTIONS[-1], cliff_threshold=0.01),
        dict(cliff_T=LENGTH_OPTIONS[0], cliff_lr=LR_OPTIONS[0], cliff_threshold=100.0),
        dict(cliff_lr=LR_OPTIONS[-1], cliff_threshold=THRESHOLD_OPTIONS[-1]),
        dict(cliff_w=W_RANGE[1], cliff_b=B_RANGE[1], cliff_T=LENGTH_OPTIONS[-1]),
        dict(cliff_w=W_RANGE[0], cliff_b=B_RANGE[0], cliff_lr=LR_OPTIONS[-1]),
    ],
)
def test_extreme_slider_values_give_a_sentence_not_an_exception(values):
    at = _page()
    for key, value in values.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    assert "ended at (w, b) =" in _sentence(at)


def test_settings_survive_a_visit_to_another_page():
    at = _page()
    at.select_slider(key="cliff_lr").set_value(0.2).run()
    at.switch_page("app_pages/playground.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert at.select_slider(key="cliff_lr").value == 0.2


# ---- the view's helpers -------------------------------------------------------------------
def test_a_click_snaps_to_the_slider_grid_and_junk_is_ignored():
    assert start_from_selection({"points": [{"x": 3.0000001, "y": -6.04}]}) == (3.0, -6.05)
    assert start_from_selection({"points": [{"x": 99.0, "y": -99.0}]}) == (W_RANGE[1], B_RANGE[0])
    for junk in (None, {}, {"points": []}, {"points": [{"x": "a"}]}, {"points": [{"x": 1}]}):
        assert start_from_selection(junk) is None
    assert start_from_selection({"points": [{"x": float("nan"), "y": 0.0}]}) is None


def test_exit_point_is_where_the_path_crosses_the_edge():
    path = np.array([[6.0, -4.0], [6.0, -2.0], [6.0, 3.0], [7.0, 9.0]])
    step, at = exit_point(path)
    assert step == 2 and at == pytest.approx((6.0, B_RANGE[1]))
    assert exit_point(np.array([[6.0, -4.0], [5.0, -3.0]])) is None


def _path(points, clip=None, stopped=None) -> Trajectory:
    pts = torch.tensor(points, dtype=torch.float64)
    steps = (pts[1:] - pts[:-1]).norm(dim=1)
    return Trajectory(
        points=pts,
        losses=torch.full((len(pts),), 0.09, dtype=torch.float64),
        grad_norms=steps.clone(),
        step_sizes=steps,
        clip=clip,
        lr=1.0,
        stopped=stopped,
    )


def test_sentence_names_an_overflowed_path_and_a_path_that_was_never_clipped():
    stopped = _path([[6.0, -3.0]], stopped="step 1 threw the parameters to a non-finite value")
    clipped = _path([[6.0, -3.0], [6.5, -2.5]], clip=1.0)
    text = cliff_sentence(stopped, clipped)
    assert "stopped because step 1 threw the parameters" in text
    assert "last finite point (w, b) = (6, -3)" in text
    same = trajectory((3.0, -6.0), 1.0, 5, 50)
    text = cliff_sentence(same, trajectory((3.0, -6.0), 1.0, 5, 50, clip=1.0))
    assert text.startswith("The gradient norm never passed the threshold 1")
    assert "both paths are the same" in text


def test_a_thrown_path_is_labelled_with_where_it_landed():
    plain = _path([[6.0, -3.0], [6.5, -2.5], [300.0, 400.0]])
    clipped = _path([[6.0, -3.0], [6.5, -2.5], [6.0, -2.0]], clip=1.0)
    w = np.linspace(*W_RANGE, 20)
    b = np.linspace(*B_RANGE, 10)
    fig = cliff_figure(w, b, np.full((10, 20), 0.1), plain, clipped, T=50)
    texts = [a.text for a in fig.layout.annotations]
    assert texts == ["thrown off at step 2<br>to (w, b) = (300, 400)"]
    label = fig.layout.annotations[0]
    assert W_RANGE[0] < label.ax < W_RANGE[1] and B_RANGE[0] < label.ay < B_RANGE[1]
    assert "off the map" in cliff_sentence(plain, clipped)
