"""The playground's chart in a real browser: it follows its own width, stacks on a phone, and
offers nothing that sends data away.

Plotly draws in the browser, so these are the checks a figure object cannot make: the width
the chart really has after the sidebar folds, where its panels land at 390 pixels, the font
size its titles are drawn at, and the buttons its mode bar really shows.
"""

from __future__ import annotations

import re

import pytest
from e2e_helpers import assert_no_exception, open_app, wait_idle

from ui.playground.chart_layout import PANEL_TITLES

pytestmark = pytest.mark.e2e

CHART = ".gradclip-live-chart"
SUBPLOTS = ("xy", "x2y2", "x3y3", "x4y4")  # Plotly's drag areas, one per panel


@pytest.fixture
def new_page(browser):
    """Pages of a given viewport size, closed after the test whatever its outcome."""
    contexts = []

    def make(width: int, height: int):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        return page

    yield make
    for context in contexts:
        context.close()


def _step_and_wait_for_chart(page, steps: int = 2) -> None:
    for _ in range(steps):
        page.get_by_role("button", name="Step", exact=True).click()
        wait_idle(page)
    page.wait_for_function(
        f"""() => {{
        const gd = document.querySelector('{CHART}');
        const loss = gd && gd._fullData && gd._fullData.find(t => t.name === 'loss');
        return loss && loss.x.length >= {steps};
        }}""",
        timeout=30_000,
    )
    assert_no_exception(page)


def _drawn_width(page) -> float:
    """The width Plotly drew the figure at (its SVG), not just the width of its box."""
    return page.evaluate(
        f"document.querySelector('{CHART} .main-svg').getBoundingClientRect().width"
    )


def _panel_boxes(page) -> list[dict]:
    return [
        page.locator(f"{CHART} .draglayer .{name} .nsewdrag").first.bounding_box()
        for name in SUBPLOTS
    ]


def _titles(page) -> list[dict]:
    return page.evaluate(
        f"""(titles) => Array.from(document.querySelectorAll('{CHART} .annotation-text'))
        .filter(e => titles.includes(e.textContent))
        .map(e => {{
          const b = e.getBoundingClientRect();
          return {{text: e.textContent, size: parseFloat(getComputedStyle(e).fontSize),
                   left: b.left, right: b.right, top: b.top}};
        }})""",
        list(PANEL_TITLES),
    )


def test_the_chart_grows_when_the_sidebar_folds_away(new_page, app_url, shots):
    page = new_page(1366, 768)
    open_app(page, app_url, "?preset=healthy")
    _step_and_wait_for_chart(page)
    before = _drawn_width(page)
    page.locator(CHART).scroll_into_view_if_needed()
    page.screenshot(path=shots / "01-sidebar-open.png")
    page.locator("[data-testid='stSidebar']").hover()
    page.locator("[data-testid='stSidebarCollapseButton'] button").first.click()
    after, box = before, page.locator(CHART).bounding_box()
    for _ in range(40):  # the sidebar slides away in ~0.3 s; the chart follows its width
        page.wait_for_timeout(250)
        after, box = _drawn_width(page), page.locator(CHART).bounding_box()
        if after > before + 100 and abs(after - box["width"]) < 2:
            break
    assert after > before + 100, (before, after)
    assert abs(after - box["width"]) < 2, (after, box)  # drawn across its whole (wider) box
    # It keeps its height: nothing on the page slides under the chart.
    assert box["height"] >= 600, box
    page.screenshot(path=shots / "02-sidebar-collapsed.png")
    assert_no_exception(page)


def test_on_a_phone_the_panels_stack_one_per_row_with_readable_titles(new_page, app_url, shots):
    page = new_page(390, 844)
    open_app(page, app_url, "?preset=exploding-rnn")
    _step_and_wait_for_chart(page)
    chart = page.locator(CHART)
    assert chart.get_attribute("data-layout") == "stacked"
    boxes = _panel_boxes(page)
    assert all(boxes), boxes
    width = chart.bounding_box()["width"]
    for upper, lower in zip(boxes, boxes[1:], strict=False):
        assert lower["y"] >= upper["y"] + upper["height"], (upper, lower)  # one per row
    for box in boxes:
        assert box["width"] > 0.6 * width, (box, width)  # each panel across the chart
    titles = _titles(page)
    assert sorted(t["text"] for t in titles) == sorted(PANEL_TITLES)
    for title in titles:
        assert title["size"] >= 12, title
        assert title["left"] >= 0 and title["right"] <= 390, title  # not cut off
    for i, name in enumerate(("xy", "x3y3"), start=1):  # the page scrolls in its own box
        page.locator(f"{CHART} .draglayer .{name} .nsewdrag").first.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        page.screenshot(path=shots / f"0{i}-390px-panels.png")
    assert_no_exception(page)


def test_the_mode_bar_has_no_share_or_cloud_button(new_page, app_url, shots):
    page = new_page(1366, 768)
    open_app(page, app_url, "?preset=healthy")
    _step_and_wait_for_chart(page, steps=1)
    page.locator(f"{CHART} .nsewdrag").first.hover()  # the mode bar shows on hover
    page.wait_for_selector(f"{CHART} .modebar-btn", state="attached")
    titles = page.eval_on_selector_all(
        f"{CHART} .modebar-btn", "els => els.map(e => e.getAttribute('data-title') || '')"
    )
    assert "Download plot as a PNG" in titles  # the bar is there: saving a picture is local
    banned = re.compile(r"chart studio|share|cloud|plotly\.com", re.IGNORECASE)
    assert not [t for t in titles if banned.search(t)], titles
    links = page.eval_on_selector_all(f"{CHART} a[href]", "els => els.map(e => e.href)")
    assert not [h for h in links if "plotly" in h], links  # no logo link either
    page.screenshot(path=shots / "01-mode-bar.png")
