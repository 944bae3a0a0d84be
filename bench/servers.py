"""``streamlit run app.py`` on 127.0.0.1, for the benches and the tests that drive a real server.

One command line, one free port, one wait for an answer: ``bench/*.py``, ``tests/e2e`` and
``tests/robust`` start their servers through these.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def streamlit_command(port: int, *extra: str) -> list[str]:
    """The app's ``streamlit run`` on 127.0.0.1 at ``port``, headless; ``extra`` options last."""
    return [
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


def wait_http(
    url: str,
    proc: subprocess.Popen,
    timeout: float = 120.0,
    log: Path | None = None,
    poll: float = 0.2,
) -> None:
    """Wait until ``url`` answers 200, checking every ``poll`` seconds that ``proc`` still runs.

    Raises:
        RuntimeError: the process exited, or ``url`` did not answer within ``timeout``
            seconds (with the end of ``log``, if given).
    """
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: the process exited {proc.returncode}{_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(poll)
    raise RuntimeError(f"{url} did not answer in {timeout:g} s{_tail(log)}")


def _tail(log: Path | None, n: int = 2000) -> str:
    return f":\n{log.read_text(errors='replace')[-n:]}" if log and log.exists() else ""
