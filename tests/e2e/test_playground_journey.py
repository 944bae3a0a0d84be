"""The playground as a learner uses it: explode, read the callout, clip, train on."""

from __future__ import annotations

import math
import re

import pytest
from e2e_helpers import assert_no_exception, open_app, wait_idle

pytestmark = pytest.mark.e2e


def _metrics(page) -> dict[str, str]:
    labels = page.locator("[data-testid='stMetricLabel']").all_inner_texts()
    values = page.locator("[data-testid='stMetricValue']").all_inner_texts()
    return {label.strip(): value.strip() for label, value in zip(labels, values, strict=False)}


def _wait_for(page, predicate, timeout_s: float, what: str):
    for _ in range(int(timeout_s * 4)):
        assert_no_exception(page)
        result = predicate()
        if result:
            return result
        page.wait_for_timeout(250)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}; saw {_metrics(page)}")


def _chart_numbers(page) -> dict:
    """Read the live figure's data back from Plotly in the page: what the learner sees."""
    return page.evaluate(
        """() => {
        const gd = document.querySelector('.gradclip-live-chart');
        const pick = (name) => (gd._fullData.find(t => t.name === name) || {y: []}).y;
        const arr = (y) => Array.from(y || [], Number);
        return {after: arr(pick('after clipping')), threshold: arr(pick('threshold')),
                loss: arr(gd._fullData.find(t => t.name === "loss").y)};
        }"""
    )


def _watch_chart(page) -> None:
    """Watch every animation frame: which chart element is shown, is it drawn, what step."""
    page.evaluate(
        """() => {
        const w = window.__watch = {frames: 0, blank: 0, mounts: 0, redraws: 0, last: null};
        const tick = () => {
          w.frames++;
          const gd = document.querySelector('.gradclip-live-chart');
          const drawn = gd && gd.offsetParent !== null && gd.querySelector('.scatterlayer .trace');
          if (!drawn) w.blank++;
          if (gd && !gd.__watched) { gd.__watched = true; w.mounts++; }
          const loss = gd && gd._fullData && gd._fullData.find(t => t.name === 'loss');
          const last = loss && loss.x.length ? Number(loss.x[loss.x.length - 1]) : null;
          if (last !== w.last) { w.redraws++; w.last = last; }
          if (!w.stop) requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
        }"""
    )


def _x_range(page) -> list[float]:
    return page.evaluate("document.querySelector('.gradclip-live-chart').layout.xaxis.range")


def _drag_zoom(page) -> list[float]:
    box = page.locator(".gradclip-live-chart .nsewdrag").first.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 0.2 * box["width"], y)
    page.mouse.down()
    page.mouse.move(box["x"] + 0.5 * box["width"], y, steps=8)
    page.mouse.up()
    zoomed = _x_range(page)
    assert zoomed and zoomed[1] > zoomed[0]
    return zoomed


def _chart_watch_result(page) -> dict:
    return page.evaluate("() => { window.__watch.stop = true; return window.__watch; }")


def test_explode_then_clip_and_train_on(page, app_url, shots):
    open_app(page, app_url, "?preset=exploding-rnn")
    page.screenshot(path=shots / "01-loaded.png", full_page=True)
    # The preset's description shows under the scenario picker.
    assert page.get_by_text("recurrent matrix has gain 1.3").first.is_visible()

    page.get_by_role("button", name="Start").click()
    callout = _wait_for(
        page,
        lambda: page.get_by_text(re.compile(r"The gradients exploded at step \d+")).count(),
        60,
        "the diverged callout",
    )
    assert callout
    wait_idle(page)
    assert _metrics(page)["Status"] == "diverged"
    step = int(re.search(r"step (\d+)", page.get_by_text("The gradients exploded").inner_text())[1])
    assert step <= 100  # the preset's promise, seen in the browser
    page.screenshot(path=shots / "02-exploded.png", full_page=True)

    button = page.get_by_role("button", name=re.compile("Run again with clipping by norm at"))
    threshold = float(button.inner_text().rsplit(" ", 1)[-1])
    button.click()
    _wait_for(page, lambda: _metrics(page).get("Status") == "training", 30, "training again")
    _watch_chart(page)
    _wait_for(
        page,
        lambda: int(_metrics(page).get("Step", "0").replace(",", "")) > step + 20,
        60,
        "training past the old explosion",
    )
    # A learner zooms in on the loss chart while it trains: the zoom holds across redraws.
    zoomed = _drag_zoom(page)
    page.wait_for_timeout(1000)
    assert _x_range(page) == zoomed
    seen = _chart_watch_result(page)
    # Updated in place: one chart element all along, redrawn many times, never blank.
    assert seen["mounts"] == 1, seen
    assert seen["redraws"] >= 5, seen
    assert seen["blank"] == 0, seen
    page.screenshot(path=shots / "03-clipped-training.png", full_page=True)
    page.get_by_role("button", name="Pause").click()
    _wait_for(page, lambda: _metrics(page).get("Status") == "paused", 30, "paused")
    wait_idle(page)
    page.screenshot(path=shots / "04-paused.png", full_page=True)

    metrics = _metrics(page)
    assert math.isfinite(float(metrics["Loss"]))
    data = _chart_numbers(page)
    after = [v for v in data["after"] if math.isfinite(v)]
    assert after and max(after) <= threshold * (1 + 1e-4)  # clipped norm under the threshold
    assert all(v == pytest.approx(threshold) for v in data["threshold"])
    assert all(math.isfinite(v) for v in data["loss"])
    assert page.get_by_text("previous run").count()  # the exploded run drawn for comparison
    assert_no_exception(page)


def _heatmap_rows(page) -> list[str]:
    return page.evaluate(
        """() => {
        const gd = document.querySelector('.gradclip-live-chart');
        const heat = gd && gd._fullData && gd._fullData.find(t => t.type === 'heatmap');
        return heat ? Array.from(heat.y) : [];
        }"""
    )


def test_chart_follows_a_new_model_and_survives_a_trip_to_learn(page, app_url, shots):
    open_app(page, app_url, "?preset=exploding-rnn")
    page.get_by_role("button", name="Step", exact=True).click()
    wait_idle(page)
    rows = ["input", "recurrent", "readout"]
    _wait_for(page, lambda: _heatmap_rows(page) == rows, 30, "the RNN's layers")

    # A structural change starts a fresh run; the same chart redraws with the MLP's layers.
    page.get_by_text("MLP", exact=True).click()
    wait_idle(page)
    page.get_by_role("button", name="Step", exact=True).click()
    wait_idle(page)
    _wait_for(page, lambda: "readout" in _heatmap_rows(page)[-1:], 30, "the MLP's layers")
    assert _heatmap_rows(page)[0] == "layer 1"
    page.screenshot(path=shots / "01-mlp.png", full_page=True)

    # Away to Learn and back: the chart is mounted again and draws the run where it was.
    page.get_by_role("link", name="Learn").click()
    wait_idle(page)
    page.get_by_role("link", name="Playground").click()
    wait_idle(page)
    _wait_for(page, lambda: _heatmap_rows(page)[:1] == ["layer 1"], 30, "the chart again")
    assert _metrics(page)["Step"] == "1"
    page.screenshot(path=shots / "02-back.png", full_page=True)
    assert_no_exception(page)


def test_start_draws_the_first_point_before_the_page_is_sent_again(page, app_url):
    # Start is inside the live fragment: its click reruns the fragment alone, which sends the
    # chart with the first step; only then does the page run that starts the timer send the
    # rest of the page (the sidebar's settings among it) again.
    frames: list[bytes] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(f)))
    open_app(page, app_url, "?preset=healthy")
    page.wait_for_function("window.Plotly !== undefined")
    sent = len(frames)
    page.get_by_role("button", name="Start").click()
    page.wait_for_function(
        "(() => { const gd = document.querySelector('.gradclip-live-chart');"
        " return gd && gd._fullData && gd._fullData.some(t => t.name === 'loss' && t.x.length);"
        " })()"
    )
    page.wait_for_timeout(1500)  # the page run after it, and a few ticks
    after = [bytes(f) if not isinstance(f, bytes) else f for f in frames[sent:]]
    chart = next(i for i, f in enumerate(after) if b"Gradient norm per layer" in f)
    sidebar = next(i for i, f in enumerate(after) if b"Clipping mode" in f)
    assert chart < sidebar, (chart, sidebar, len(after))
    assert_no_exception(page)


def test_step_also_brings_the_replay_under_the_chart_up_to_date(page, app_url):
    # Step is inside the live fragment; the replay scrubber under it is not, and must still
    # reach the newest step (the page reruns after the fragment has drawn).
    open_app(page, app_url, "?preset=healthy")
    page.get_by_role("button", name="Step", exact=True).click()
    _wait_for(page, lambda: _metrics(page).get("Step") == "1", 20, "step 1")
    for n in range(2, 5):  # the scrubber shows from two recorded steps on
        page.get_by_role("button", name="Step", exact=True).click()
        _wait_for(
            page,
            lambda n=n: page.get_by_text(re.compile(rf"^Step {n}: loss")).count(),
            20,
            f"the replay's sentence for step {n}",
        )
    assert_no_exception(page)


def test_while_training_a_tick_sends_the_run_without_the_buttons_widgets(page, app_url):
    # A class of 30 shares one server: a tick of the live fragment redraws the run only.
    # Its buttons' row (Pause, Step, Reset, speed, slow-down) comes with page runs, which are
    # rare while training; sent with every tick it cost a third of the class's redraws.
    frames: list[bytes] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(f)))
    open_app(page, app_url, "?preset=healthy&lr=0.001")
    page.get_by_role("button", name="Start").click()
    _wait_for(page, lambda: _metrics(page).get("Status") == "training", 30, "training")
    page.wait_for_timeout(2000)  # the page runs right after Start are over
    sent = len(frames)
    page.wait_for_timeout(3000)
    after = [f if isinstance(f, bytes) else f.encode() for f in frames[sent:]]
    ticks = sum(b"Gradient norm per layer" in f for f in after)
    widgets = sum(b"Slow down" in f for f in after)
    assert ticks >= 3, ticks
    assert widgets <= ticks // 3, (widgets, ticks)
    assert_no_exception(page)
