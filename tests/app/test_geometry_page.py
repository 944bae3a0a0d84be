"""The Geometry page through AppTest, driven by widget keys."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "app_pages/geometry.py"


def _page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _sentence(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def test_page_renders_figure_and_one_sentence_with_the_numbers():
    at = _page()
    assert at.title[0].value == "The geometry of clipping"
    assert len(at.get("plotly_chart")) == 1
    sentence = _sentence(at)
    assert "length 3.16" in sentence
    assert "clipped by norm at 1" in sentence
    assert "(0°)" in sentence


def test_sliders_and_mode_change_the_sentence():
    at = _page()
    at.select_slider(key="geo_gx").set_value(5.0).run()
    assert "(5, 1)" in _sentence(at)
    at.select_slider(key="geo_threshold_norm").set_value(10.0).run()
    assert "leaves it as it is" in _sentence(at)
    at.select_slider(key="geo_gx").set_value(3.0).run()
    at.radio(key="geo_mode").set_value("value").run()
    sentence = _sentence(at)
    assert "clipped by value at 1" in sentence
    assert "turns it by 26.6°" in sentence
    at.radio(key="geo_mode").set_value("agc").run()
    assert not at.exception
    at.select_slider(key="geo_weight_norm").set_value(100.0).run()
    assert "below λ = 0.1" in _sentence(at)
    at.select_slider(key="geo_weight_norm").set_value(1.0).run()
    assert "above λ = 0.1" in _sentence(at)


def test_real_gradient_without_a_run_explains_how_to_get_one():
    at = _page()
    at.toggle(key="geo_real").set_value(True).run()
    assert not at.exception
    assert any("press Step" in i.value for i in at.info)
    assert not at.caption


def test_real_gradient_of_a_run_shows_a_cosine_and_does_not_step_the_run():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.radio(key="w_clip_mode").set_value("value").run()  # a mode that turns the gradient
    at.button(key="btn_step").click().run()
    steps = at.session_state["run"].trainer.steps_done
    assert steps == 1
    at.switch_page(PAGE).run()
    at.toggle(key="geo_real").set_value(True).run()
    assert not at.exception
    sentence = _sentence(at)
    cosine = float(re.search(r"cosine between raw and clipped is (-?[0-9.]+)", sentence)[1])
    assert -1.0 <= cosine <= 1.0
    assert "Step 2's gradient" in sentence and "clipped by value" in sentence
    at.run()  # a rerun reads the cached measurement
    assert at.session_state["run"].trainer.steps_done == steps
    at.switch_page("app_pages/playground.py").run()
    at.switch_page(PAGE).run()  # the toggle survives the visit
    assert at.toggle(key="geo_real").value is True
    assert at.session_state["run"].trainer.steps_done == steps
