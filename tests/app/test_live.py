"""The live panel's plumbing: refresh rate, training threads, offline Plotly, in-place updates."""

from __future__ import annotations

import json

import plotly
import pytest
from plotly.offline import get_plotlyjs_version
from streamlit.testing.v1 import AppTest

from gradclip_core import TrainConfig, Trainer
from ui import live_chart as lc
from ui.charts import playground_figure, playground_spec, short_layer_name
from ui.live import tick_interval
from ui.tempo import SLOWEST, RefreshPolicy


def _steady_policy() -> RefreshPolicy:
    """A policy whose clocks stand still: it keeps assuming 20 ms to draw a tick."""
    return RefreshPolicy(1.8, draw_guess=0.02, clock=lambda: 0.0, cpu=lambda: 0.0)


def test_refresh_slows_down_as_a_classroom_joins():
    policy = _steady_policy()
    rates = [tick_interval(n, policy=policy) for n in (0, 1, 2, 3, 4, 10, 11, 40)]
    assert rates[0] == rates[1] == 0.1  # one learner: 10 redraws a second
    assert rates == sorted(rates)  # never faster with more people
    assert 0.5 < rates[-1] <= SLOWEST  # 40 at 20 ms a draw: slower than 2 a second


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("hidden→hidden (recurrent)", "recurrent"),
        ("input→hidden", "input"),
        ("readout", "readout"),
        ("layer 12", "layer 12"),
    ],
)
def test_heatmap_labels_are_short(name, short):
    assert short_layer_name(name) == short


def test_layout_never_makes_plotly_measure_and_redraw_twice():
    t = Trainer(TrainConfig())
    t.run(20)
    layout = playground_figure(t.history, baseline=1.0, mode="none").to_plotly_json()["layout"]
    assert layout["margin"]["autoexpand"] is False
    axes = [k for k in layout if k.startswith(("xaxis", "yaxis"))]
    assert len(axes) == 8
    assert all(layout[a]["ticklabeloverflow"] == "allow" for a in axes)
    assert all(layout[a]["automargin"] is False for a in axes)


def test_plotly_bundle_is_the_installed_plotly_release_and_smaller():
    # The cartesian bundle of the very plotly.js release the plotly package ships in full: the
    # figures plotly (Python) writes are the ones that release reads.
    head = lc.PLOTLY_SOURCE.read_bytes()[:200].decode()
    assert f"plotly.js (cartesian - minified) v{get_plotlyjs_version()}" in head
    full = lc.Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    assert lc.PLOTLY_SOURCE.stat().st_size < full.stat().st_size / 3
    assert (lc.PLOTLY_SOURCE.parent / "LICENSE").read_text().startswith("MIT License")


def test_every_trace_the_live_charts_draw_is_in_the_bundle():
    from gradclip_core.compare import Setting
    from ui.compare.view import compare_figure, layers_figure

    runs = []
    for mode in ("none", "norm"):
        trainer = Trainer(TrainConfig(clip_mode=mode))
        trainer.run(30)
        runs.append((Setting(mode), trainer.history))
    figures = [
        playground_figure(runs[0][1], baseline=1.0, mode="none", ghost=runs[1][1]),
        compare_figure(runs),
        layers_figure(runs),
    ]
    types = {trace.type for fig in figures for trace in fig.data}
    assert {"scatter", "heatmap"} <= types <= lc.CARTESIAN_TRACES, types - lc.CARTESIAN_TRACES


def test_a_trace_outside_the_bundle_is_drawn_by_streamlits_plotly():
    at = AppTest.from_function(_surface_script).run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 1  # not the live component


def _surface_script() -> None:
    import plotly.graph_objects as go

    from ui.live_chart import live_chart

    live_chart(go.Figure(go.Surface(z=[[1, 2], [3, 4]])), key="s", alt="a surface")


def test_plotly_script_is_copied_from_the_vendored_bundle(tmp_path, monkeypatch):
    monkeypatch.setattr(lc, "STATIC_DIR", tmp_path / "static")
    lc.plotly_js_ready.cache_clear()
    try:
        assert lc.plotly_js_ready()
        copied = tmp_path / "static" / lc.PLOTLY_JS
        assert copied.read_bytes() == lc.PLOTLY_SOURCE.read_bytes()
        assert not list((tmp_path / "static").glob("*.tmp"))
    finally:
        lc.plotly_js_ready.cache_clear()


def test_plotly_script_that_cannot_be_written_means_no_live_component(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(lc, "STATIC_DIR", blocker / "static")
    lc.plotly_js_ready.cache_clear()
    try:
        assert lc.plotly_js_ready() is False
    finally:
        lc.plotly_js_ready.cache_clear()


def _script() -> None:
    from gradclip_core import TrainConfig, Trainer
    from ui.charts import playground_figure
    from ui.live_chart import live_chart

    t = Trainer(TrainConfig())
    t.run(5)
    fig = playground_figure(t.history, baseline=1.0, mode="none")
    live_chart(fig, key="chart", alt="five steps")


@pytest.mark.parametrize("static_serving", [True, False])
def test_chart_is_a_keyed_component_or_falls_back_to_plotly_chart(
    static_serving, set_static_serving
):
    set_static_serving(static_serving)
    at = AppTest.from_function(_script, default_timeout=60).run()
    assert not at.exception, at.exception
    if static_serving:
        (el,) = at.get("bidi_component")
        data = json.loads(el.proto.json)
        figure = json.loads(data["figure"])
        assert [t["name"] for t in figure["data"]][0] == "loss"
        assert data["alt"] == "five steps"
        assert not at.get("plotly_chart")
    else:
        assert at.get("plotly_chart")


@pytest.mark.parametrize("ghost", [False, True])
def test_the_figure_is_sent_as_plotly_would_send_it(ghost):
    t = Trainer(TrainConfig())
    t.run(30)
    other = t.history if ghost else None
    fig = playground_figure(t.history, baseline=1.0, mode="norm", ghost=other)
    ours = json.loads(lc.figure_json(fig))
    assert ours == json.loads(plotly.io.to_json(fig, validate=False, engine="orjson"))
    loss = next(trace for trace in ours["data"] if trace["name"] == "loss")
    assert set(loss["y"]) == {"dtype", "bdata"}  # a typed array, not a list of numbers
    # The live panel sends the plain spec, no go.Figure built: the same JSON, template too.
    spec = playground_spec(t.history, baseline=1.0, mode="norm", ghost=other)
    assert json.loads(lc.figure_json(spec)) == ours


def _preload_script() -> None:
    from ui.live_chart import preload_chart_script

    preload_chart_script()


@pytest.mark.parametrize("static_serving", [True, False])
def test_the_page_starts_loading_plotly_before_any_chart(static_serving, set_static_serving):
    set_static_serving(static_serving)
    at = AppTest.from_function(_preload_script, default_timeout=30).run()
    assert not at.exception, at.exception
    html = [el.proto.body for el in at.get("html")]
    if static_serving:
        (body,) = html
        assert lc.PLOTLY_URL in body and "loadPlotly()" in body
        assert at.get("html")[0].proto.unsafe_allow_javascript
        # The charts' component loads Plotly the same way: one script, whoever asks first.
        assert "window.__gradclipPlotly" in body and "window.__gradclipPlotly" in lc._JS
    else:
        assert not html  # st.plotly_chart brings its own Plotly


def test_training_runs_on_long_lived_threads_not_the_script_thread():
    import threading

    from ui.live import LiveRun

    run = LiveRun(TrainConfig(model="mlp", task="regression"))
    run.running = True
    seen = []
    run_for = run.trainer.run_for

    def spy(*args):
        seen.append(threading.current_thread())
        return run_for(*args)

    run.trainer.run_for = spy
    taken = [run.advance(0.1) for _ in range(3)]
    assert all(n > 0 for n in taken) and run.trainer.steps_done == sum(taken)
    assert all(t.name.startswith("gradclip-train") for t in seen)
    assert threading.current_thread() not in seen
    assert run.running and run.tick_seconds > 0


def test_the_refresh_rate_follows_the_class_size_without_flapping():
    from ui import live

    me = live.LiveRun(TrainConfig(model="mlp", task="regression"))
    me.policy = _steady_policy()  # 20 ms to draw a tick, whatever this machine does
    classmates = [live.LiveRun(TrainConfig(model="mlp", task="regression")) for _ in range(11)]
    now = 1000.0
    everyone = [me, *classmates]
    for run in everyone:
        run.running, run.last_tick = True, now
    try:
        # Twelve runs ticking: a page still on 10 redraws a second must slow down at once.
        assert me.retune(0.1, now) and not me.retune(1.0, now)
        # The class leaves: speed up again, but only after 5 s of wanting it.
        for run in classmates:
            run.running = False
        assert not me.retune(1.0, now)
        assert not me.retune(1.0, now + 4.9)
        assert me.retune(1.0, now + 5.1)
        assert not me.retune(0.1, now + 5.2)
    finally:
        for run in everyone:
            run.running = False


def test_a_big_class_trains_in_thinner_slices():
    from ui import live

    run = live.LiveRun(TrainConfig(model="mlp", task="regression"))
    run.policy = _steady_policy()
    run.running = True
    slices = []
    run_for = run.trainer.run_for

    def spy(seconds, *args):
        slices.append(seconds)
        return run_for(seconds, *args)

    run.trainer.run_for = spy
    run.advance(0.1, active=1)
    run.advance(0.5, active=1)
    run.advance(0.5, active=30)  # the same rate, shared by a class
    assert slices[0] == pytest.approx(0.03) and slices[1] == pytest.approx(0.03)
    assert run.policy.SLICE_MIN <= slices[2] < slices[1]
    # Each tick is reported to the policy, with the CPU its training used.
    assert run.policy.ticks == 3 and run.train_cpu > 0
    run.running = False
