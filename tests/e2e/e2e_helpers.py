"""Small helpers shared by the browser journeys."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer {url}/_stcore/health in {timeout} s")


@contextmanager
def streamlit_server(log: Path, *extra: str, env: dict | None = None):
    """``streamlit run app.py`` on 127.0.0.1 at a free port; yields its URL, stops it after."""
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        *extra,
    ]
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
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
