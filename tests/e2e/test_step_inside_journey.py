"""Step inside in a real browser: walk the six stages of the flagship run's step, then take
the step where it diverged apart and see where the inf appears (1366×768)."""

from __future__ import annotations

import pytest
from e2e_helpers import open_app, wait_idle

pytestmark = pytest.mark.e2e


def _at_stage(page, stage: str) -> None:
    """Wait for the code to highlight ``stage`` (a click's rerun can start after a moment)."""
    page.wait_for_selector(f".gc-code span.gc-now[data-stage='{stage}']")
    wait_idle(page)
    assert set(_highlighted(page)) == {stage}


def _highlighted(page) -> list[str]:
    return page.eval_on_selector_all(".gc-code span.gc-now", "els => els.map(e => e.dataset.stage)")


def test_walk_the_stages_then_the_diverged_step(browser, app_url, shots):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(30_000)
    # The flagship run on the Playground, trained to its explosion at full speed.
    open_app(page, app_url, "?preset=exploding-rnn&edge=off")
    page.get_by_role("link", name="Step inside", exact=True).click()
    wait_idle(page)
    page.get_by_text("Step 1 of your Playground run").first.wait_for()
    page.screenshot(path=shots / "01-forward-1366x768.png")
    stages = ["forward", "loss", "backward", "measure", "clip", "step"]
    for i, stage in enumerate(stages):
        _at_stage(page, stage)
        if i < len(stages) - 1:
            page.get_by_role("button", name="Next stage").click()
    page.screenshot(path=shots / "02-step-1366x768.png")
    # Take the step for real: the run moves to step 2, back at the first stage.
    page.get_by_role("button", name="Take this step").click()
    page.get_by_text("Step 2 of your Playground run").wait_for()
    _at_stage(page, "forward")
    # The clip stage of a run without clipping: the bars before and after are equal.
    page.get_by_text("5 Clip", exact=True).click()
    _at_stage(page, "clip")
    page.screenshot(path=shots / "03-clip-none-1366x768.png")
    # Run to the explosion on the Playground, then come back.
    page.get_by_role("link", name="Playground").click()
    wait_idle(page)
    page.get_by_role("button", name="Start").click()
    page.get_by_text("The gradients exploded at step 34").wait_for(timeout=90_000)
    wait_idle(page)
    page.get_by_role("link", name="Step inside", exact=True).click()
    wait_idle(page)
    page.get_by_text("Step 34 of your Playground run").first.wait_for()
    page.get_by_text("4 Measure", exact=True).click()
    _at_stage(page, "measure")
    page.get_by_text("torch's total norm is inf, yet every entry is finite").first.wait_for()
    page.get_by_text("the first inf or nan appears in the norm").first.wait_for()
    assert page.get_by_role("button", name="Take this step").is_disabled()
    page.screenshot(path=shots / "04-diverged-measure-1366x768.png")
    context.close()
