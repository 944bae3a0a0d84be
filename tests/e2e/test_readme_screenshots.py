"""Every view at 1366×768, as a learner first sees it: rendered without an exception, and
photographed for the README.

The pictures go to ``test-output/e2e/<test>/``; with ``GRADCLIP_README_SHOTS=1`` they also
replace the README's copies in ``assets/`` (run it after a change to a page's look).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from e2e_helpers import assert_no_exception, open_app, wait_idle

pytestmark = pytest.mark.e2e

ASSETS = Path(__file__).resolve().parents[2] / "assets"


def _explode(page) -> None:
    page.get_by_role("button", name="Start").click()
    page.get_by_text("The gradients exploded at step 34").wait_for(timeout=90_000)
    wait_idle(page)


def _step_inside_diverged(page) -> None:
    _explode(page)
    page.get_by_role("link", name="Step inside", exact=True).first.click()
    page.get_by_text("Step 34 of your Playground run").first.wait_for()
    page.get_by_text("4 Measure", exact=True).click()
    page.wait_for_selector(".gc-code span.gc-now[data-stage='measure']")
    wait_idle(page)


def _compare_running(page) -> None:
    page.get_by_role("button", name="Start").click()
    page.get_by_text("No clipping diverged").first.wait_for(timeout=60_000)
    page.wait_for_timeout(4000)
    page.get_by_role("button", name="Pause").click()
    wait_idle(page)
    # The charts, not the controls: scroll the main area down to them.
    page.locator(".gradclip-live-chart").first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)


def _lab_amp(page) -> None:
    page.get_by_text("Mixed precision", exact=False).first.wait_for()
    page.wait_for_selector(".js-plotly-plot")
    wait_idle(page)
    # The two loops and the chart, not the controls: the code's heading at the top.
    page.get_by_text("unscale_, then clip").first.evaluate(
        "e => e.scrollIntoView({block: 'start'})"
    )
    page.wait_for_timeout(500)


def _drawn(page) -> None:
    page.wait_for_selector(".js-plotly-plot")
    wait_idle(page)
    page.wait_for_timeout(500)


def _projector_chart(page) -> None:
    _explode(page)
    page.locator(".gradclip-live-chart").first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)


def _class_with_a_question(page) -> None:
    page.get_by_role("button", name="Start a class").click()
    page.get_by_text("0 joined").wait_for()
    page.get_by_label("Question to push").click()
    page.get_by_role("option").filter(has_text="Predict the run").first.click()
    page.get_by_role("button", name="Push to the class").click()
    page.get_by_text("Question 1").first.wait_for()
    wait_idle(page)


VIEWS = {
    "playground-explosion": ("?preset=exploding-rnn&edge=off", _explode),
    "step-inside": ("?preset=exploding-rnn&edge=off", _step_inside_diverged),
    "labs": ("labs", _lab_amp),
    "projector": ("?preset=exploding-rnn&edge=off&projector=1", _projector_chart),
    "class": ("classroom", _class_with_a_question),
    "cliff": ("cliff", _drawn),
    "geometry": ("geometry", _drawn),
    "compare": (
        "compare?preset=exploding-rnn&runs=none,norm:1,value:0.1,agc:0.01",
        _compare_running,
    ),
}


@pytest.mark.parametrize("name", list(VIEWS))
def test_each_view_renders_and_is_photographed(name, browser, app_url, shots):
    query, act = VIEWS[name]
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(30_000)
    open_app(page, app_url, query)
    act(page)
    assert_no_exception(page)
    path = shots / f"{name}.png"
    page.screenshot(path=path)
    context.close()
    if os.environ.get("GRADCLIP_README_SHOTS") == "1":
        shutil.copyfile(path, ASSETS / f"{name}.png")
