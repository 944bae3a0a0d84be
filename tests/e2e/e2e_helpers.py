"""Small helpers shared by the browser journeys."""

from __future__ import annotations


def wait_idle(pg, timeout: float = 60_000) -> None:
    """Wait until the script has finished its run, then fail on any Streamlit exception."""
    pg.wait_for_selector("[data-test-script-state='notRunning']", timeout=timeout)
    assert_no_exception(pg)


def assert_no_exception(pg) -> None:
    errors = pg.locator("[data-testid='stException']")
    if errors.count():
        raise AssertionError("Streamlit exception on the page: " + errors.first.inner_text())


def open_app(pg, app_url: str, query: str = "") -> None:
    pg.goto(f"{app_url}/{query}")
    wait_idle(pg)
