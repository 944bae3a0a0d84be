"""Live refresh of the playground, measured in a real browser.

Starts ``streamlit run app.py`` on 127.0.0.1, opens it in headless Debian Chromium, presses
Start and prints:

- how long after the page is drawn the chart's script (Plotly) is ready, then the time from
  pressing Start to the first drawn point of the loss chart;
- chart redraws per second while training (target >= 5, goal 10), counted in the page by
  watching the chart's data change;
- bytes the server sent per redraw once the run has 2,000+ steps of history (target <= 150 KB),
  counted on the WebSocket.

With ``--compare`` it opens the Compare page instead, four settings of the preset trained side
by side (none, norm 1, value 0.1, AGC 0.01), and prints its redraws per second (target >= 3).

Usage::

    .venv/bin/python bench/live_refresh.py [--preset healthy] [--seconds 10]
    .venv/bin/python bench/live_refresh.py --compare [--preset healthy] [--seconds 10]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# Polls the figure in the page; counts a redraw whenever the last drawn step changes (on the
# Compare page: the last step of any of its traces).
WATCH_JS = """() => {
  window.__redraws = []; window.__first = null;
  const tick = () => {
    const gd = document.querySelector('.gradclip-live-chart');
    const traces = (gd && gd._fullData) || [];
    const loss = traces.find(t => t.name === 'loss');
    const xs = (loss ? [loss] : traces).map(t => t.x || []).filter(x => x.length);
    const last = xs.length ? xs.map(x => Number(x[x.length - 1])).join(',') : null;
    if (last !== null) {
      if (window.__first === null) window.__first = performance.now();
      const r = window.__redraws;
      const prev = r.length ? r[r.length - 1][1] : null;
      if (last !== prev) window.__redraws.push([performance.now(), last]);
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(port: int) -> subprocess.Popen:
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
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("streamlit did not start")


def _steps(page) -> int:
    for label, value in zip(
        page.locator("[data-testid='stMetricLabel']").all_inner_texts(),
        page.locator("[data-testid='stMetricValue']").all_inner_texts(),
        strict=False,
    ):
        if label.strip() == "Step":
            return int(value.replace(",", ""))
    return 0


COMPARE_RUNS = "none,norm:1,value:0.1,agc:0.01"


def measure_compare(preset: str, seconds: float, url: str | None = None) -> None:
    """The Compare page: four live runs on one chart, redraws per second in the browser."""
    from playwright.sync_api import sync_playwright

    proc = None
    if url is None:
        port = _free_port()
        proc = _serve(port)
        url = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.goto(f"{url}/compare?preset={preset}&runs={COMPARE_RUNS}")
            page.wait_for_selector("[data-test-script-state='notRunning']", timeout=60_000)
            page.wait_for_function("window.Plotly !== undefined", timeout=60_000)
            page.evaluate(WATCH_JS)
            page.get_by_role("button", name="Start").click()
            page.wait_for_function("window.__first !== null", timeout=60_000)
            page.wait_for_timeout(1000)
            start = page.evaluate("performance.now()")
            page.wait_for_timeout(seconds * 1000)
            end = page.evaluate("performance.now()")
            draws = page.evaluate(f"window.__redraws.filter(r => r[0] >= {start}).length")
            last = page.evaluate("window.__redraws.length ? window.__redraws.at(-1)[1] : ''")
            browser.close()
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
    rate = draws / ((end - start) / 1000)
    print(f"Compare page, preset {preset}, runs {COMPARE_RUNS}, {seconds:g} s window")
    print(f"  redraws per second, four live runs:  {rate:8.1f}   (target >= 3)")
    print(f"  last step drawn per run:             {last}")


def measure(preset: str, seconds: float, history: int, url: str | None = None) -> None:
    from playwright.sync_api import sync_playwright

    proc = None
    if url is None:
        port = _free_port()
        proc = _serve(port)
        url = f"http://127.0.0.1:{port}"
    received: list[tuple[float, int]] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1600})
            page.on(
                "websocket",
                lambda ws: ws.on(
                    "framereceived",
                    lambda payload: received.append((time.monotonic(), len(payload))),
                ),
            )
            page.goto(f"{url}/?preset={preset}")
            page.wait_for_selector("[data-test-script-state='notRunning']", timeout=60_000)
            # The chart's script (Plotly, 4.8 MB) compiles after the page is drawn; a Start
            # pressed before that waits for it. Measured apart, then Start is pressed.
            idle = page.evaluate("performance.now()")
            page.wait_for_function("window.Plotly !== undefined", timeout=60_000)
            plotly_ms = page.evaluate("performance.now()") - idle
            page.evaluate(WATCH_JS)
            t0 = page.evaluate("performance.now()")
            page.get_by_role("button", name="Start").click()
            page.wait_for_function("window.__first !== null", timeout=60_000)
            first_ms = page.evaluate("window.__first") - t0

            # Redraw rate over a window of steady training.
            page.wait_for_timeout(1000)
            start = page.evaluate("performance.now()")
            page.wait_for_timeout(seconds * 1000)
            end = page.evaluate("performance.now()")
            draws = page.evaluate(f"window.__redraws.filter(r => r[0] >= {start}).length")
            rate = draws / ((end - start) / 1000)

            # Bytes per redraw with a long history.
            while _steps(page) < history:
                page.wait_for_timeout(500)
            n0, b0 = page.evaluate("window.__redraws.length"), len(received)
            w0 = time.monotonic()
            page.wait_for_timeout(seconds * 1000)
            n1 = page.evaluate("window.__redraws.length")
            sent = sum(size for t, size in received[b0:] if t >= w0)
            long_rate = (n1 - n0) / seconds
            per_redraw = sent / max(1, n1 - n0)
            steps_now = _steps(page)
            browser.close()
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)

    print(f"preset {preset}, {seconds:g} s windows, headless Chromium against a local server")
    print(f"  chart script ready after page drawn:  {plotly_ms:8.0f} ms")
    print(f"  time from Start to first drawn point: {first_ms:8.0f} ms")
    print(f"  redraws per second while training:   {rate:8.1f}   (target >= 5, goal 10)")
    print(
        f"  redraws per second at {history}+ steps: {long_rate:8.1f}   (history {steps_now} steps)"
    )
    print(
        f"  bytes per redraw at {history}+ steps:  {per_redraw / 1000:8.1f} KB (target <= 150 KB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="healthy")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--history", type=int, default=2000)
    parser.add_argument("--url", help="measure a server already running here instead")
    parser.add_argument("--compare", action="store_true", help="the Compare page, four runs")
    args = parser.parse_args()
    if args.compare:
        measure_compare(args.preset, args.seconds, args.url)
    else:
        measure(args.preset, args.seconds, args.history, args.url)


if __name__ == "__main__":
    main()
