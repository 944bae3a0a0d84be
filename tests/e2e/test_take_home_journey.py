"""Take it home in a real browser: download the run's script and its history, then load
settings back from a file (a bad one is named, and the run keeps its settings)."""

from __future__ import annotations

import csv
import io

import pytest
from e2e_helpers import assert_no_exception, open_app, wait_idle

pytestmark = pytest.mark.e2e


def test_download_the_code_and_the_csv_then_load_settings_back(browser, app_url, shots, tmp_path):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    open_app(page, app_url, "?preset=healthy")
    for _ in range(3):
        page.get_by_role("button", name="Step", exact=True).click()
        wait_idle(page)
    page.get_by_text("Take it home: code, settings and history").click()
    with page.expect_download() as got:
        page.get_by_role("button", name="Download the script").click()
    script = got.value.path().read_text()
    assert "torch.nn.utils.clip_grad_norm_" in script
    assert "import gradclip" not in script and "from gradclip" not in script
    page.get_by_role("tab", name="Settings and history").click()
    page.get_by_role("button", name="History (CSV, 3 steps)").wait_for()
    with page.expect_download() as got:
        page.get_by_role("button", name="History (CSV, 3 steps)").click()
    rows = list(csv.DictReader(io.StringIO(got.value.path().read_text())))
    assert [int(float(r["step"])) for r in rows] == [1, 2, 3]
    with page.expect_download() as got:
        page.get_by_role("button", name="Settings (TOML)").click()
    settings = got.value.path().read_text()
    assert "[config]" in settings and 'clip_mode = "norm"' in settings
    # A bad file: named, with what is allowed; the run keeps its settings.
    bad = tmp_path / "bad.toml"
    bad.write_text("[config]\ndepth = 500\n")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(bad))
    page.get_by_text("bad.toml could not be loaded, so the run keeps its settings").wait_for()
    assert page.get_by_text("depth: 500 is out of range").count()
    wait_idle(page)  # the message sits under the uploader, which stays in view: its tab is open
    assert (
        page.get_by_role("tab", name="Settings and history").get_attribute("aria-selected")
        == "true"
    )
    assert page.locator("[data-testid='stFileUploaderDropzone']").is_visible()
    page.get_by_text("bad.toml could not be loaded").scroll_into_view_if_needed()
    _no_tooltip(page)
    page.screenshot(path=shots / "00-bad-file.png")
    # A good one: the sidebar takes its learning rate.
    good = tmp_path / "run.toml"
    good.write_text(settings.replace("lr = 0.05", "lr = 0.002"))
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(good))
    page.get_by_text("Loaded the settings of run.toml").wait_for()
    wait_idle(page)
    assert "lr=0.002" in page.url
    assert_no_exception(page)
    _no_tooltip(page)
    page.screenshot(path=shots / "01-take-home.png")
    context.close()


def _no_tooltip(page) -> None:
    """The last button clicked keeps the focus and shows its tooltip over the picture: blur it."""
    page.mouse.move(0, 0)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.locator("[data-testid='stTooltipContent']").first.wait_for(state="hidden")
