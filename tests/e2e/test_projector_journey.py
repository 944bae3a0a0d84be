"""Projector mode in a real browser at a projector's 1280×720: the sidebar gone, the chart
across the screen, its text large enough to read from the back of a room; and the Share
popover's QR code, read back from the screen by a QR decoder.

Screenshots go to ``test-output/e2e/<test>/`` and are copied to ``/tmp/shots_projector/``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from e2e_helpers import assert_no_exception, open_app, streamlit_server, wait_idle

from ui.playground.chart_layout import PANEL_TITLES

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CHART = ".gradclip-live-chart"
WIDTH, HEIGHT = 1280, 720
COPY_TO = Path("/tmp/shots_projector")
PUBLIC_HOST = "192.0.2.10"  # TEST-NET-1: an address students' devices would open


@pytest.fixture
def projector_page(browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def _shot(page, shots: Path, name: str, **kwargs) -> None:
    path = shots / name
    page.screenshot(path=path, **kwargs)
    COPY_TO.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, COPY_TO / name)


def _step_and_wait_for_chart(page, steps: int = 3) -> None:
    for n in range(1, steps + 1):  # one click at a time: each waits for its step's tile
        page.get_by_role("button", name="Step", exact=True).click()
        page.wait_for_function(
            """(n) => Array.from(document.querySelectorAll("[data-testid='stMetric']")).some(
              m => m.innerText.trim().startsWith("Step") && m.innerText.trim().endsWith(n))""",
            arg=str(n),
        )
        wait_idle(page)
    page.wait_for_function(
        f"""() => {{
        const gd = document.querySelector('{CHART}');
        const loss = gd && gd._fullData && gd._fullData.find(t => t.name === 'loss');
        return loss && loss.x.length >= {steps};
        }}""",
        timeout=30_000,
    )


def _font_sizes(page, selector: str) -> list[float]:
    return page.eval_on_selector_all(
        selector, "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))"
    )


def test_a_projector_link_hides_the_sidebar_and_draws_large_text_across_the_screen(
    projector_page, app_url, shots
):
    page = projector_page
    open_app(page, app_url, "?preset=exploding-rnn&projector=1")
    _step_and_wait_for_chart(page)
    assert not page.locator("[data-testid='stSidebar']").is_visible()
    assert not page.locator("[data-testid='stExpandSidebarButton']").is_visible()

    drawn = page.evaluate(
        f"document.querySelector('{CHART} .main-svg').getBoundingClientRect().width"
    )
    assert drawn >= 0.9 * WIDTH, drawn

    ticks = _font_sizes(page, f"{CHART} .xtick text, {CHART} .ytick text")
    assert len(ticks) >= 8 and min(ticks) >= 20, ticks
    titles = page.eval_on_selector_all(
        f"{CHART} .annotation-text",
        "els => els.map(e => [e.textContent, parseFloat(getComputedStyle(e).fontSize)])",
    )
    sizes = {text: size for text, size in titles if text in PANEL_TITLES}
    assert len(sizes) == 4 and min(sizes.values()) >= 24, titles
    legend = _font_sizes(page, f"{CHART} .legendtext")
    assert legend and min(legend) >= 20, legend
    # The page's own text grows too: body text, the buttons, the tiles' labels and values.
    assert _font_sizes(page, "html")[0] >= 24
    assert min(_font_sizes(page, "[data-testid='stMetricLabel'] p")) >= 20
    assert min(_font_sizes(page, "[data-testid='stMetricValue']")) >= 40
    assert min(_font_sizes(page, "[data-testid='stButton'] button p")) >= 20
    assert_no_exception(page)
    _shot(page, shots, "01-projector-top.png")
    page.locator(CHART).scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    _shot(page, shots, "02-projector-chart.png")

    # The basic controls are a click away; the advanced ones wait for projector mode to end.
    # Opened after a few runs, they show the run's settings, not their defaults (a popover's
    # widgets mount late: ui.projector.resend_values).
    page.get_by_role("button", name="Controls").click()
    popover = page.locator("[data-testid='stPopoverBody']")
    popover.get_by_text("Clipping mode").wait_for()
    assert popover.get_by_text("Learning rate").count() == 0
    scenario = popover.locator("[data-testid='stSelectbox']").first
    shown = scenario.evaluate(
        "e => [e.textContent, ...Array.from(e.querySelectorAll('input'), i => i.value)].join('|')"
    )
    assert "Exploding RNN" in shown, scenario.inner_html()[-1500:]
    _shot(page, shots, "03-projector-controls.png")
    popover.get_by_role("button", name="Leave projector mode").click()
    wait_idle(page)
    page.locator("[data-testid='stSidebar']").wait_for(state="visible")
    assert "projector" not in page.url and "preset=exploding-rnn" in page.url, page.url
    assert not page.locator("[data-testid='stPopoverBody']").is_visible()
    _shot(page, shots, "04-projector-left.png")


def test_a_show_link_shows_only_its_groups_in_the_sidebar(projector_page, app_url, shots):
    page = projector_page
    open_app(page, app_url, "?preset=exploding-rnn&show=clipping,nonsense")
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_text("Clipping mode").wait_for()
    for hidden in ("Learning rate", "Scenario", "Batch size"):
        assert sidebar.get_by_text(hidden, exact=True).count() == 0, hidden
    assert page.locator("[data-testid='stAlert']", has_text="nonsense").count() == 1
    assert_no_exception(page)
    _shot(page, shots, "01-show-clipping.png")


@pytest.fixture(scope="module")
def shared_url():
    """A second server that knows its address for the class (``browser.serverAddress``)."""
    log = ROOT / "test-output" / "e2e" / "streamlit-share.log"
    with streamlit_server(log, "--browser.serverAddress", PUBLIC_HOST) as url:
        yield url


def test_the_share_popover_shows_a_qr_code_a_phone_can_read(projector_page, shared_url, shots):
    import zxingcpp  # requirements.txt: a real QR decoder, as a phone's camera app has
    from PIL import Image

    page = projector_page
    open_app(page, shared_url, "?preset=healthy&projector=1")
    page.get_by_role("button", name="Share").click()
    popover = page.locator("[data-testid='stPopoverBody']")
    qr = popover.locator("img[data-testid='gradclipQr']")
    qr.wait_for()
    page.wait_for_function(
        "() => { const i = document.querySelector(\"img[data-testid='gradclipQr']\");"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    link = popover.locator("[data-testid='stCode'] code").inner_text().strip()
    assert link.startswith(f"http://{PUBLIC_HOST}:"), link
    assert "localhost" not in link and "127.0.0.1" not in link
    box = qr.bounding_box()
    assert box["width"] >= 400, box  # big enough to scan from the back of a room
    path = shots / "01-share-qr.png"
    qr.screenshot(path=path)
    _shot(page, shots, "02-share-popover.png")
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(path).convert("L"))]
    assert decoded == [link]

    # The large view: the code across the page, for the back row, all on one screen.
    popover.get_by_text("Show the QR code large on the page").click()
    wait_idle(page)
    page.keyboard.press("Escape")
    large = page.locator("[data-testid='stMain'] img[data-testid='gradclipQr']")
    large.wait_for()
    box = large.bounding_box()
    assert box["width"] >= 450 and box["y"] + box["height"] <= HEIGHT, box
    path = shots / "03-large-qr.png"
    large.screenshot(path=path)
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(path).convert("L"))]
    assert decoded == [link]
    _shot(page, shots, "04-large-qr-page.png")
    assert_no_exception(page)
