"""Watch it happen: the flagship explosion slows down by itself, then replays step by step,
and the callout and the charts share one laptop screen (1366×768)."""

from __future__ import annotations

import re
import time

import pytest
from e2e_helpers import assert_no_exception, open_app, wait_idle

pytestmark = pytest.mark.e2e


def _chart_last_step(page) -> float | None:
    return page.evaluate(
        """() => {
        const gd = document.querySelector('.gradclip-live-chart');
        const loss = gd && gd._fullData && gd._fullData.find(t => t.name === 'loss');
        return loss && loss.x.length ? Number(loss.x[loss.x.length - 1]) : null;
        }"""
    )


# Records, in the page, every last step the chart draws (every 50 ms): what a learner sees,
# however slowly this test's own round trips to a busy browser come back.
RECORD_STEPS_JS = """() => {
    window.__steps = new Set();
    setInterval(() => {
        const gd = document.querySelector('.gradclip-live-chart');
        const loss = gd && gd._fullData && gd._fullData.find(t => t.name === 'loss');
        if (loss && loss.x.length) window.__steps.add(Number(loss.x[loss.x.length - 1]));
        // Why it slowed: the toast when the watch trips, then the caption under the buttons
        // (which a full redraw shows only if one comes before the explosion).
        const why = /gradient norm (grew|passed) .{0,60}: slowing down/i;
        if (!window.__said && why.test(document.body.textContent)) window.__said = true;
    }, 50);
}"""


def test_the_explosion_slows_down_by_itself_and_replays_step_by_step(browser, app_url, shots):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(30_000)
    open_app(page, app_url, "?preset=exploding-rnn")
    # Count the distinct steps the chart shows on its way to the explosion.
    page.evaluate(RECORD_STEPS_JS)
    page.get_by_role("button", name="Start").click()
    slowed = False
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert_no_exception(page)
        slowed = slowed or page.get_by_text(re.compile("Slow motion: the gradient norm")).count()
        if page.get_by_text(re.compile(r"The gradients exploded at step \d+")).count():
            break
        page.wait_for_timeout(100)
    else:
        steps = page.evaluate("() => Array.from(window.__steps)")
        raise AssertionError(f"no explosion in 90 s; chart steps seen: {sorted(steps)}")
    wait_idle(page)
    seen = page.evaluate("() => Array.from(window.__steps)")
    assert len(seen) >= 10, sorted(seen)  # slow motion: the climb is watched, not skipped
    assert slowed or page.evaluate("() => window.__said")  # the page said why it slowed down
    assert page.get_by_text("1 step every ½ s").count()  # and the speed control shows it
    page.screenshot(path=shots / "01-exploded-1366x768.png")
    # The callout and the charts are on one screen together.
    callout = page.get_by_text(re.compile(r"The gradients exploded at step")).first.bounding_box()
    chart = page.locator(".gradclip-live-chart").first.bounding_box()
    assert callout["y"] < 768 and chart["y"] < 768 - 150, (callout, chart)

    # Replay: drag the scrubber back (keyboard on its thumb) and read that step's numbers.
    thumb = page.get_by_role("slider", name=re.compile("Replay"))
    last = _chart_last_step(page)
    thumb.focus()
    for _ in range(4):
        page.keyboard.press("ArrowLeft")

    def replayed() -> int | None:
        caption = page.get_by_text(re.compile(r"^Step \d+: loss ")).first.inner_text()
        step = int(re.match(r"Step (\d+)", caption)[1])
        return step if step < last and _chart_last_step(page) == step else None

    deadline = time.monotonic() + 30
    while replayed() is None and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    # The caption and the charts show the run up to the chosen step, before the explosion.
    assert replayed() is not None, (last, _chart_last_step(page))
    wait_idle(page)
    page.screenshot(path=shots / "02-replay.png")
    assert_no_exception(page)
    context.close()
