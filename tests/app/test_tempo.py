"""Time you can control: speed, slowing down near an explosion, replaying a stopped run."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from gradclip_core.presets import load_presets
from gradclip_core.trainer import Trainer
from ui.captions import fmt
from ui.live import LiveRun
from ui.tempo import EdgeWatch, redraw_interval

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _trip_step(name: str, steps: int = 300) -> int | None:
    trainer, watch = Trainer(load_presets()[name].config.replace(device="cpu")), EdgeWatch()
    for _ in range(steps):
        trainer.step()
        if watch(trainer):
            return trainer.steps_done
        if trainer.diverged:
            return None
    return None


@pytest.mark.parametrize(
    "name, trips_at",
    [
        ("exploding-rnn", 11),  # explodes at 34
        ("deep-mlp-nan", 2),  # explodes at 3
        ("healthy", None),
        ("spiky-tanh-rnn", None),
        ("tiny-threshold", None),
    ],
)
def test_the_edge_watch_trips_before_each_explosion_and_never_on_a_healthy_run(name, trips_at):
    assert _trip_step(name) == trips_at


class _Norms:
    """A stand-in trainer: the watch reads only ``last_norm``."""

    last_norm = math.nan


def test_a_spike_of_a_healthy_run_does_not_trip_the_watch_but_the_same_climb_higher_does():
    # healthy at seed 0, steps 2,729-2,736: 1,010x in 6 steps, but to 0.72 (tripped before the
    # floor, and the page fell into slow motion on a healthy run).
    spike = [0.00479, 0.000717, 0.00598, 0.0131, 0.17, 0.00603, 0.3, 0.724]
    for scale, trips in ((1.0, False), (1000.0, True)):
        trainer, watch = _Norms(), EdgeWatch()
        tripped = []
        for norm in spike:
            trainer.last_norm = norm * scale
            tripped.append(watch(trainer))
        assert any(tripped) is trips


def test_the_healthy_preset_runs_4000_steps_without_tripping_the_watch():
    assert _trip_step("healthy", steps=4000) is None


def test_slow_motion_trains_one_step_a_redraw_and_never_redraws_faster():
    run = LiveRun(load_presets()["healthy"].config)
    run.running = True
    for speed, most in (("slow", 1), ("1", 1), ("5", 5), ("25", 25)):
        run.speed = speed
        assert 1 <= run.advance(0.1) <= most
    assert redraw_interval("slow", 0.1) == 0.5 and redraw_interval("slow", 1.0) == 1.0
    assert redraw_interval("full", 0.2) == 0.2
    run.running = False


def test_near_the_edge_the_run_stops_its_slice_and_drops_to_slow_motion():
    torch.set_num_threads(1)  # as the server runs (app.py): the numbers depend on it
    run = LiveRun(load_presets()["exploding-rnn"].config)
    run.running, run.watch = True, EdgeWatch()
    for _ in range(20):
        run.advance(0.1)
        if run.speed == "slow":
            break
    assert run.speed == "slow" and run.trainer.steps_done == 11  # the slice stopped there
    # The README quotes this sentence.
    assert run.slowed == "the gradient norm grew 1,145× in 5 steps: slowing down"
    assert run.advance(0.1) == 1 and not run.trainer.diverged
    run.running = False


def _app(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception
    return at


def test_speed_and_the_slow_down_toggle_come_from_the_link_and_go_back_to_it():
    at = _app({"preset": "exploding-rnn", "speed": "slow", "edge": "off"})
    assert at.select_slider(key="w_speed").value == "slow"
    assert at.toggle(key="w_edge").value is False
    assert at.query_params["speed"] == "slow" and at.query_params["edge"] == "off"
    bad = _app({"speed": "warp", "edge": "maybe"})
    warnings = " ".join(w.value for w in bad.warning)
    assert "speed=`warp` was ignored" in warnings and "edge=`maybe` was ignored" in warnings
    assert bad.select_slider(key="w_speed").value == "full"


def test_the_page_says_when_it_slowed_down_and_the_slider_shows_it():
    at = _app({"preset": "exploding-rnn"})
    run = at.session_state["run"]
    run.running, run.watch = True, EdgeWatch()
    while run.speed != "slow":
        run.advance(0.1)
    run.running = False
    at.run()
    assert at.select_slider(key="w_speed").value == "slow"
    assert any(c.value.startswith("Slow motion: the gradient norm grew") for c in at.caption)


def test_replay_scrubs_the_recorded_steps_with_their_numbers():
    at = _app({"preset": "exploding-rnn"})
    for _ in range(8):
        at.button(key="btn_step").click().run()
    run = at.session_state["run"]
    key = f"replay_{id(run)}"
    assert at.slider(key=key).value == 8
    at.slider(key=key).set_value(3).run()
    assert not at.exception
    h = run.trainer.history
    sentence = next(c.value for c in at.caption if c.value.startswith("Step 3:"))
    assert f"loss {fmt(float(h.column('loss')[2]))}" in sentence
    assert f"gradient norm {fmt(float(h.column('grad_norm')[2]))}" in sentence
    assert run.trainer.steps_done == 8  # replay trains nothing
    assert "Step 3 of" not in sentence
