"""Live controls land whole and once: a switch of mode brings that mode's own default threshold,
in the slider, the run and the link, and the toast names the values applied."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from gradclip_core.clipping import DEFAULT_THRESHOLDS

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _training_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["preset"] = "healthy"
    at.run()
    at.button(key="btn_start").click().run()
    assert not at.exception
    return at


def test_every_switch_brings_the_new_modes_default_even_after_a_custom_value():
    at = _training_app()
    at.select_slider(key="w_threshold_for_norm").set_value(5.0).run()
    assert at.session_state["run"].trainer.threshold == 5.0
    for mode in ("value", "agc", "autoclip", "layer-norm", "norm", "autoclip", "norm"):
        at.radio(key="w_clip_mode").set_value(mode).run()
        assert not at.exception
        want = DEFAULT_THRESHOLDS[mode]
        assert at.select_slider(key=f"w_threshold_for_{mode}").value == want, mode
        trainer = at.session_state["run"].trainer
        assert (trainer.mode, trainer.threshold) == (mode, want)
        assert float(at.query_params["threshold"]) == want
        assert at.query_params["clip_mode"] == mode


def test_the_toast_names_the_mode_and_the_values_applied():
    at = _training_app()
    at.radio(key="w_clip_mode").set_value("autoclip").run()
    toasts = " ".join(t.value for t in at.toast)
    assert "AutoClip" in toasts and "threshold 10" in toasts
    at.select_slider(key="w_lr").set_value(0.01).run()
    assert "learning rate 0.01" in " ".join(t.value for t in at.toast)


def test_a_stale_value_for_another_modes_slider_cannot_become_this_modes_threshold():
    at = _training_app()
    at.radio(key="w_clip_mode").set_value("agc").run()
    # What a late live tick carries: the old mode's slider at its old value.
    at.session_state["w_threshold_for_norm"] = 2.0
    at.run()
    assert at.session_state["run"].trainer.threshold == DEFAULT_THRESHOLDS["agc"]
