"""Live controls do what they say: every switch of clipping mode while a run trains shows that
mode's own default threshold, in the slider, in the link and in the run itself."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs

import pytest
from e2e_helpers import assert_no_exception, open_app, wait_idle

from gradclip_core.clipping import DEFAULT_THRESHOLDS, MODE_LABELS

pytestmark = pytest.mark.e2e

# The healthy preset clips by norm at 2; then 16 switches, every mode more than once, while
# the run trains the whole time.
SWITCHES = ["value", "agc", "autoclip", "layer-norm", "autoclip", "value", "norm", "agc"]
SWITCHES += ["layer-norm", "value", "autoclip", "norm", "agc", "autoclip", "layer-norm", "norm"]


def _status(page) -> str:
    labels = page.locator("[data-testid='stMetricLabel']").all_inner_texts()
    values = page.locator("[data-testid='stMetricValue']").all_inner_texts()
    return dict(zip(labels, values, strict=False)).get("Status", "")


def _slider_value(page) -> str:
    slider = page.locator("[data-testid='stSidebar'] [data-testid='stSlider']").filter(
        has_text=re.compile("^Threshold")
    )
    return slider.locator("[data-testid='stSliderThumbValue']").first.inner_text().strip()


def _wait_for(page, predicate, timeout_s: float, what: str, seen=lambda: "") -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert_no_exception(page)
        if predicate():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}; saw {seen()}")


def test_switching_modes_while_training_always_loads_the_new_modes_default(page, app_url, shots):
    open_app(page, app_url, "?preset=healthy&lr=0.001")
    page.get_by_role("button", name="Start").click()
    _wait_for(page, lambda: _status(page) == "training", 30, "training")
    sidebar = page.locator("[data-testid='stSidebar']")
    for i, mode in enumerate(SWITCHES):
        # Jitter the moment of the click against the live fragment's timer.
        page.wait_for_timeout(80 + 97 * (i % 5))
        sidebar.get_by_text(MODE_LABELS[mode], exact=True).click()
        want = f"{DEFAULT_THRESHOLDS[mode]:g}"

        def landed(mode=mode, want=want) -> bool:
            # The address bar as the browser has it (page.url misses history.replaceState).
            query = parse_qs(page.evaluate("location.search")[1:])
            return (
                query.get("clip_mode") == [mode]
                and float(query.get("threshold", ["nan"])[0]) == DEFAULT_THRESHOLDS[mode]
                and _slider_value(page) == want
            )

        _wait_for(
            page,
            landed,
            15,
            f"switch {i + 1} to {mode} with threshold {want}",
            lambda: f"link {page.evaluate('location.search')}; slider {_slider_value(page)}",
        )
        # It stays so: a later tick of the live fragment must not bring the old value back.
        page.wait_for_timeout(400)
        assert landed(), f"switch {i + 1} to {mode}: the old threshold came back"
        assert _status(page) == "training", f"switch {i + 1}: the run stopped"
    page.screenshot(path=shots / "01-after-16-switches.png", full_page=True)
    page.get_by_role("button", name="Pause").click()
    wait_idle(page)
    assert_no_exception(page)


def test_a_tempo_switch_beside_the_buttons_reaches_the_link(page, app_url):
    # The buttons' row is inside the live fragment; a switch there still reruns the page,
    # which writes the link (a paused run: no timer would do it later).
    open_app(page, app_url, "?preset=healthy")
    assert "edge=off" not in page.evaluate("location.search")
    page.get_by_text("Slow down", exact=True).click()
    _wait_for(
        page,
        lambda: "edge=off" in page.evaluate("location.search"),
        20,
        "edge=off in the link",
        lambda: page.evaluate("location.search"),
    )
    assert_no_exception(page)
