"""Memory comes back: a run whose tab closed, or that sat paused for long, gives up its trainer."""

from __future__ import annotations

import gc
import time
import weakref
from pathlib import Path

from streamlit.testing.v1 import AppTest

from gradclip_core.config import TrainConfig
from ui import live

ROOT = Path(__file__).resolve().parents[2]
SMALL = TrainConfig(model="mlp", task="regression", width=16, depth=2)


def test_a_closed_tab_releases_its_run_after_a_grace_period_and_the_trainer_is_freed():
    gone = live.LiveRun(SMALL, session_id="gone")
    here = live.LiveRun(SMALL, session_id="here")
    gone.step_once()
    trainer = weakref.ref(gone.trainer)

    def connected(session_id: str) -> bool:
        return session_id != "gone"  # other tests' runs may still be alive: all connected

    now = time.monotonic()
    assert live.release_idle(connected, now) == 0  # just closed: a phone may reconnect
    assert live.release_idle(connected, now + live.GONE_AFTER - 1) == 0
    assert live.release_idle(connected, now + live.GONE_AFTER) == 1
    assert gone.trainer is None and gone.released == "the tab was closed"
    assert not gone.running and gone.config == SMALL  # the settings are kept
    gc.collect()
    assert trainer() is None  # nothing else holds the model, its optimizer or its history
    assert here.trainer is not None


def test_a_reconnected_tab_keeps_its_run():
    run = live.LiveRun(SMALL, session_id="phone")
    now = time.monotonic()
    for phone_connected, later in ((False, 0), (True, 20), (False, live.GONE_AFTER + 5)):
        # Locked screen, back, locked again: the grace period starts over.
        live.release_idle(lambda sid, c=phone_connected: c or sid != "phone", now + later)
    assert run.trainer is not None


def test_an_idle_paused_run_is_released_but_a_training_one_never():
    paused = live.LiveRun(SMALL, session_id="a")
    training = live.LiveRun(SMALL, session_id="b")
    training.running = True
    now = paused.last_used + live.IDLE_AFTER + 1
    try:
        assert live.release_idle(lambda _: True, now) >= 1
        assert paused.trainer is None and "paused" in paused.released
        assert training.trainer is not None
    finally:
        training.running = False


def test_the_page_says_a_released_run_was_put_away_and_starts_again_with_its_settings():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["preset"] = "healthy"
    at.query_params["seed"] = "7"
    at.run()
    at.button(key="btn_step").click().run()
    run = at.session_state["run"]
    assert run.trainer.steps_done == 1
    run.release("the tab was closed")
    at.run()
    assert not at.exception
    info = " ".join(i.value for i in at.info)
    assert "put away because the tab was closed" in info and "settings are kept" in info
    fresh = at.session_state["run"]
    assert fresh is not run and fresh.config == run.config and fresh.trainer.steps_done == 0
    at.button(key="btn_step").click().run()
    assert not at.exception and fresh.trainer.steps_done == 1


def test_clicks_that_race_a_release_do_nothing_rather_than_crash():
    run = live.LiveRun(SMALL, session_id="x")
    run.release("the tab was closed")
    assert run.step_once() == 0
    assert run.advance(0.1) == 0 and not run.running
    assert run.apply_live(SMALL.replace(lr=0.01)) == ["lr"]
