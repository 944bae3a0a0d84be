"""The Step inside page through AppTest: every stage, every mode, the diverged step."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from gradclip_core import Trainer
from gradclip_core.clipping import DEFAULT_THRESHOLDS
from gradclip_core.presets import load_presets
from gradclip_core.step_inside import STAGES, take_apart
from ui.step_inside.view import code_html, stage_figure, stage_sentence

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "app_pages/step_inside.py"
PRESETS = load_presets()


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # the app's thread count


def _page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _text(at: AppTest) -> str:
    return "\n".join(
        [m.value for m in at.markdown] + [e.value for e in at.error] + [w.value for w in at.warning]
    )


def _highlighted(at: AppTest) -> list[str]:
    html = "".join(h.proto.body for h in at.get("html"))
    return re.findall(r'class="gc-now" data-stage="([a-z]+)"', html)


def test_without_a_playground_run_it_takes_apart_the_flagship_runs_first_step():
    at = _page()
    assert "Step **1** of your Playground run (preset exploding-rnn, RNN)" in _text(at)
    run = at.session_state["run"]
    assert run.trainer.steps_done == 0  # looking does not train
    assert set(_highlighted(at)) == {"forward"}


@pytest.mark.parametrize("mode", tuple(DEFAULT_THRESHOLDS))
def test_every_stage_runs_for_every_mode(mode):
    at = _page()
    at.selectbox(key="inside_clip").set_value(mode).run()
    for stage in STAGES:
        at.segmented_control(key="inside_stage").set_value(stage).run()
        assert not at.exception, (mode, stage, at.exception)
        assert _highlighted(at) and set(_highlighted(at)) == {stage}
    # The run's own mode is untouched by trying another one here.
    assert at.session_state["run"].trainer.mode == "none"


def test_next_stage_walks_the_stages_in_order_and_take_this_step_trains_the_run():
    at = _page()
    seen = []
    for _ in STAGES:
        seen.append(at.session_state["inside_stage"])
        if seen[-1] != STAGES[-1]:
            at.button(key="inside_next").click().run()
    assert seen == list(STAGES)
    assert at.button(key="inside_next").disabled
    at.button(key="inside_take").click().run()
    assert at.session_state["run"].trainer.steps_done == 1
    assert "Step **2** of your Playground run" in _text(at)
    assert at.session_state["inside_stage"] == "forward"


def test_the_numbers_shown_are_the_engines_for_this_step():
    at = _page()
    at.selectbox(key="inside_clip").set_value("norm").run()
    at.segmented_control(key="inside_stage").set_value("clip").run()
    expected = take_apart(Trainer(PRESETS["exploding-rnn"].config), mode="norm", threshold=1.0)
    assert stage_sentence(expected, "clip") in _text(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Clip factor"] == f"{expected.coef:.3g}"


def test_on_the_step_where_the_run_diverged_the_page_shows_where_the_inf_appears():
    at = _page()
    run = at.session_state["run"]
    with run.locked() as trainer:
        trainer.run(200)
    at.segmented_control(key="inside_stage").set_value("measure").run()
    text = _text(at)
    assert "Step **34** of your Playground run" in text and "diverged" in text
    assert "torch's total norm is **inf**, yet every entry is finite" in at.error[0].value
    assert "first inf or nan appears in the norm" in at.warning[-1].value
    assert at.button(key="inside_take").disabled


def test_figures_use_log_axes_and_leave_out_zeros():
    inside = take_apart(Trainer(PRESETS["exploding-rnn"].config), mode="norm", threshold=1.0)
    fig = stage_figure(inside, "clip")
    assert fig.layout.yaxis.type == "log"
    before, after = fig.data
    np.testing.assert_allclose(before.y, inside.grad_before)
    np.testing.assert_allclose(after.y, inside.grad_after)
    trainer = Trainer(PRESETS["exploding-rnn"].config)
    trainer.run(200)
    zeroed = take_apart(trainer, mode="norm", threshold=1.0)  # torch's factor 0: all zero
    assert all(y is None for y in stage_figure(zeroed, "clip").data[1].y)
    assert stage_figure(zeroed, "step") is None


def test_code_html_escapes_and_marks_the_stage():
    from gradclip_core.step_code import CodeLine

    html = code_html([CodeLine("x = a < b", "forward"), CodeLine("y", "loss")], "loss")
    assert "a &lt; b" in html
    assert 'class="gc-done" data-stage="forward"' in html
    assert 'class="gc-now" data-stage="loss"' in html
