"""Small helpers shared by the browser journeys."""

from __future__ import annotations

import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from servers import free_port, streamlit_command, wait_http  # noqa: E402


@contextmanager
def streamlit_server(log: Path, *extra: str, env: dict | None = None):
    """``streamlit run app.py`` on 127.0.0.1 at a free port; yields its URL, stops it after."""
    port = free_port()
    cmd = streamlit_command(port, *extra)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/_stcore/health", proc, 60)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


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
