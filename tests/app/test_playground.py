"""The playground page through Streamlit's AppTest, driven by widget keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gradclip_core.presets import load_presets
from ui.captions import fmt
from ui.playground.panel import _share

TIMEOUT = 60
APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _app(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_page_loads_with_controls_chart_and_tiles():
    at = _app()
    assert at.title[0].value == "Watch gradients explode"
    for name in ("clip_mode", "optimizer", "model"):
        assert at.radio(key=f"w_{name}") is not None
    assert _metric(at, "Step") == "0"
    assert _metric(at, "Status") == "paused"
    assert at.button(key="btn_start").label == "Start"


@pytest.mark.parametrize("name", sorted(load_presets()))
def test_each_preset_loads_its_whole_scenario(name):
    preset = load_presets()[name]
    at = _app()
    at.selectbox(key="w_preset").set_value(name).run()
    assert not at.exception
    cfg = preset.config
    assert at.radio(key="w_model").value == cfg.model
    assert at.radio(key="w_clip_mode").value == cfg.clip_mode
    assert at.select_slider(key="w_lr").value == cfg.lr
    assert at.query_params["preset"] == name
    assert at.query_params["seed"] == str(cfg.seed)


def test_step_button_trains_one_step_and_captions_state_numbers():
    at = _app({"preset": "healthy"})
    at.button(key="btn_step").click().run()
    at.button(key="btn_step").click().run()
    assert not at.exception
    assert _metric(at, "Step") == "2"
    captions = " ".join(c.value for c in at.caption)
    assert "of 2 steps clipped" in captions
    assert "baseline" in captions


def test_unclipped_exploding_rnn_diverges_and_offers_clipping():
    at = _app({"preset": "exploding-rnn"})
    for _ in range(40):  # step by step until the explosion (well under 100 steps)
        at.button(key="btn_step").click().run()
        if _metric(at, "Status") == "diverged":
            break
    assert _metric(at, "Status") == "diverged"
    assert any("exploded at step" in e.value for e in at.error)
    rerun = at.button(key="btn_clip_rerun")
    assert rerun.label.startswith("Run again with clipping by norm at ")
    rerun.click().run()
    assert not at.exception
    assert at.radio(key="w_clip_mode").value == "norm"
    assert _metric(at, "Status") == "training"  # restarted with the same seed, clipped
    at.button(key="btn_pause").click().run()
    assert _metric(at, "Status") == "paused"


def test_clip_mode_change_is_live_and_resets_threshold_to_mode_default():
    at = _app({"preset": "healthy"})
    at.button(key="btn_step").click().run()
    at.radio(key="w_clip_mode").set_value("value").run()
    assert not at.exception
    assert at.select_slider(key="w_threshold_for_value").value == 0.1
    assert _metric(at, "Step") == "1"  # a live change keeps the run
    at.radio(key="w_model").set_value("gru").run()
    assert not at.exception
    assert at.selectbox(key="w_task").value in ("adding", "first-value")
    assert _metric(at, "Step") == "0"  # model changes start a fresh run


def test_bad_link_values_fall_back_with_a_warning_naming_them():
    at = _app({"lr": "banana", "depth": "99", "device": "cuda-9", "preset": "nope"})
    warnings = " ".join(w.value for w in at.warning)
    assert "lr=`banana`" in warnings  # values in code style: shown literally
    assert "depth=`99`" in warnings
    assert "device" in warnings
    assert "`nope`" in warnings


def test_impossible_combination_gives_a_message_not_a_traceback():
    at = _app()
    at.session_state["w_model"] = "mlp"
    at.session_state["w_task"] = "adding"  # a sequence task for an MLP
    at.run()
    assert not at.exception
    assert any("does not fit an MLP model" in w.value for w in at.warning)
    assert at.selectbox(key="w_task").value in ("regression", "spirals")


def test_suggested_threshold_applies_in_one_click():
    at = _app({"preset": "spiky-tanh-rnn"})
    for _ in range(5):
        at.button(key="btn_step").click().run()
    apply = at.button(key="btn_apply_suggestion")
    value = float(apply.label.rsplit(" ", 1)[-1])
    apply.click().run()
    assert not at.exception
    assert at.radio(key="w_clip_mode").value == "norm"
    assert at.select_slider(key="w_threshold_for_norm").value == pytest.approx(value)


def test_a_knob_this_model_lacks_keeps_its_value_for_when_it_returns():
    at = _app({"preset": "exploding-rnn"})
    at.slider(key="w_seq_len").set_value(50).run()
    at.radio(key="w_model").set_value("mlp").run()  # no sequence length for an MLP
    assert not at.exception
    at.radio(key="w_model").set_value("rnn").run()
    assert at.slider(key="w_seq_len").value == 50


def test_a_trip_to_learn_keeps_the_settings_and_the_run():
    at = _app({"preset": "healthy"})
    at.radio(key="w_clip_mode").set_value("value").run()
    at.button(key="btn_step").click().run()
    at.switch_page("app_pages/learn.py").run()
    assert not at.exception
    at.switch_page("app_pages/playground.py").run()
    assert not at.exception
    assert at.radio(key="w_clip_mode").value == "value"
    assert _metric(at, "Step") == "1"


def test_first_visit_names_the_scenario_it_lands_on_and_shows_dashes_not_nan():
    at = _app()
    assert at.selectbox(key="w_preset").value == "exploding-rnn"
    assert any("gain 1.3" in c.value for c in at.sidebar.caption)  # the preset's story
    assert _metric(at, "Loss") == "–" and _metric(at, "Gradient norm") == "–"
    at.button(key="btn_step").click().run()
    assert _metric(at, "Loss") not in ("–", "nan")


def test_after_a_divergence_the_clipping_chosen_in_the_sidebar_is_offered_from_step_0():
    at = _app({"preset": "exploding-rnn"})
    at.session_state["run"].trainer.run(100)  # to the explosion, as Start would
    at.run()
    assert _metric(at, "Status") == "diverged"
    assert any("nothing limited the gradient" in m.value for m in at.markdown)
    at.radio(key="w_clip_mode").set_value("value").run()
    rerun = at.button(key="btn_clip_rerun")
    assert rerun.label == "Run again with clip by value at 0.1"
    assert any("press Reset" in c.value for c in at.caption)
    rerun.click().run()
    assert not at.exception
    run = at.session_state["run"]
    assert run.config.clip_mode == "value" and not run.trainer.diverged
    assert _metric(at, "Status") == "training" and run.trainer.steps_done >= 1


def _explode_and_run_again() -> AppTest:
    at = _app({"preset": "exploding-rnn"})
    at.session_state["run"].trainer.run(100)
    at.run()
    at.button(key="btn_clip_rerun").click().run()
    assert at.session_state["compare_with"] is not None
    return at


def test_the_previous_run_is_drawn_after_run_again_and_can_be_hidden(monkeypatch):
    import ui.playground.panel

    ghosts = []
    real = ui.playground.panel.playground_spec

    def spy(history, **kwargs):
        ghosts.append(kwargs.get("ghost"))
        return real(history, **kwargs)

    monkeypatch.setattr(ui.playground.panel, "playground_spec", spy)
    at = _explode_and_run_again()
    assert at.toggle(key="show_previous_run").value is True and ghosts[-1] is not None
    at.toggle(key="show_previous_run").set_value(False).run()
    assert not at.exception and at.session_state["compare_with"] is not None
    assert ghosts[-1] is None  # hidden: the chart draws the current run alone


@pytest.mark.parametrize("how", ["reset", "model", "preset"])
def test_the_previous_run_is_cleared_on_reset_a_new_model_or_another_preset(how):
    at = _explode_and_run_again()
    if how == "reset":
        at.button(key="btn_reset").click().run()
    elif how == "model":
        at.radio(key="w_model").set_value("gru").run()
    else:
        at.selectbox(key="w_preset").set_value("healthy").run()
    assert not at.exception
    assert "compare_with" not in at.session_state or at.session_state["compare_with"] is None
    assert all(t.key != "show_previous_run" for t in at.toggle)  # nothing left to show


def _all_text(at: AppTest) -> str:
    """Every message, caption, label and value the page shows a learner."""
    parts = []
    for kind in ("warning", "error", "info", "success", "caption", "markdown", "toast"):
        parts += [getattr(e, "value", "") for e in at.get(kind)]
    parts += [f"{m.label} {m.value} {m.help or ''}" for m in at.metric]
    parts += [b.label for b in at.button]
    parts += [
        w.label
        for kind in ("radio", "selectbox", "select_slider", "slider", "toggle")
        for w in at.get(kind)
    ]
    return "\n".join(str(p) for p in parts)


INTERNAL = ("clip_mode", "norm_type", "seq_len", "init_scale", "batch_size", "layer-norm")


def test_the_steps_clipped_tile_says_what_it_counts():
    at = _app({"preset": "spiky-tanh-rnn"})
    assert _metric(at, "Steps clipped") == "–"  # before the first step, like the others
    for _ in range(3):
        at.button(key="btn_step").click().run()
    clipped = int(at.session_state["run"].trainer.history.column("clipped").sum())
    assert _metric(at, "Steps clipped") == f"{round(100 * clipped / 3)}%"
    tile = next(m for m in at.metric if m.label == "Steps clipped")
    assert "changed the gradient" in tile.help and f"{clipped} of 3" in tile.help


@pytest.mark.parametrize(
    ("part", "whole", "shown"),
    [(0, 300, "0%"), (1, 300, "<1%"), (9, 300, "3%"), (299, 300, ">99%"), (300, 300, "100%")],
)
def test_the_steps_clipped_share_fits_its_tile(part, whole, shown):
    assert _share(part, whole) == shown


@pytest.mark.parametrize(
    ("mode", "meaning"),
    [
        ("norm", "max total norm"),
        ("value", "max |g| per element"),
        ("layer-norm", "max norm per tensor"),
        ("agc", "λ"),
        ("autoclip", "percentile p"),
    ],
)
def test_the_threshold_slider_says_what_it_means_in_each_mode(mode, meaning):
    at = _app({"preset": "healthy"})
    at.radio(key="w_clip_mode").set_value(mode).run()
    assert not at.exception
    assert meaning in at.select_slider(key=f"w_threshold_for_{mode}").label


def test_no_internal_names_reach_the_learner():
    texts = []
    for model, task in (("mlp", "adding"), ("rnn", "spirals")):  # repaired, with a note
        at = _app({"preset": "healthy" if model == "rnn" else "exploding-rnn"})
        at.session_state["w_model"] = model
        at.session_state["w_task"] = task
        at.run()
        assert not at.exception
        texts.append(_all_text(at))
    at = _app({"preset": "exploding-rnn"})
    at.session_state["run"].trainer.run(100)  # to the explosion: callout, captions, tiles
    at.run()
    at.radio(key="w_clip_mode").set_value("layer-norm").run()
    texts.append(_all_text(at))
    text = "\n".join(texts)
    assert "an MLP model" in text and "an RNN model" in text
    assert "a RNN" not in text and "a MLP" not in text and "a LSTM" not in text
    for name in INTERNAL:
        assert name not in text, name


def test_numbers_read_the_same_on_tiles_captions_and_buttons():
    at = _app({"preset": "spiky-tanh-rnn"})
    for _ in range(5):
        at.button(key="btn_step").click().run()
    h = at.session_state["run"].trainer.history
    assert _metric(at, "Gradient norm") == fmt(float(h.column("grad_norm")[-1]))
    assert _metric(at, "Loss") == fmt(float(h.column("loss")[-1]))
    suggested = _metric(at, "Suggested")
    assert at.button(key="btn_apply_suggestion").label == f"Clip by norm at {suggested}"
    assert suggested == fmt(float(suggested))
