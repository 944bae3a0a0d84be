"""Cold start: from ``streamlit run`` to a server that answers, and to the first page drawn.

Each run starts a fresh ``streamlit run app.py`` on 127.0.0.1 (a headless Chromium is already
open, so its own start is not counted) and prints, in seconds from the spawn:

- ``health``: ``/_stcore/health`` answers (the server is up; no page has run yet);
- ``first render``: a browser opened at that moment shows the playground drawn: the script
  has finished (``[data-test-script-state='notRunning']``) and the title is on screen. The
  first page run imports the app's modules (torch, pandas, plotly ...), so it is slower than
  any later one;
- ``second render``: a second browser tab on the same server, its modules already loaded.

With ``--importtime`` it also runs ``python -X importtime`` over the modules the app and its
playground page import, in a fresh interpreter, and prints the heaviest.

Usage::

    .venv/bin/python bench/cold_start.py [--runs 3] [--importtime]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from live_refresh import ARGS  # noqa: E402
from servers import ROOT, free_port, streamlit_command, wait_http  # noqa: E402

TITLE = "Watch gradients explode"
# What app.py and the playground page import (app_pages/ run as scripts, so not themselves).
PAGE_MODULES = (
    "app",
    "gradclip_core",
    "gradclip_core.compare",
    "gradclip_core.presets",
    "gradclip_core.device",
    "ui.live",
    "ui.playground.controls",
    "ui.playground.panel",
    "ui.playground.take_home",
    "ui.playground.tempo_panel",
    "ui.projector",
    "ui.share",
)


def _spawn(port: int) -> subprocess.Popen:
    cmd = streamlit_command(port)
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _render(browser, url: str) -> None:
    """Open the playground in a fresh tab; return once it is drawn with its title."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(f"{url}/")
    page.wait_for_selector("[data-test-script-state='notRunning']", timeout=120_000)
    page.get_by_role("heading", name=TITLE).wait_for(state="visible", timeout=120_000)
    context.close()


def measure(runs: int) -> list[dict[str, float]]:
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        for _ in range(runs):
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            t0 = time.monotonic()
            proc = _spawn(port)
            try:
                wait_http(f"{url}/_stcore/health", proc, poll=0.02)  # a fine poll: it is timed
                health = time.monotonic() - t0
                _render(browser, url)
                first = time.monotonic() - t0
                t1 = time.monotonic()
                _render(browser, url)
                second = time.monotonic() - t1
            finally:
                proc.terminate()
                proc.wait(timeout=10)
            rows.append({"health": health, "first": first, "second": second})
        browser.close()
    return rows


def importtime(modules: tuple[str, ...] = PAGE_MODULES, top: int = 12) -> None:
    """The heaviest imports of ``modules`` in a fresh interpreter (``python -X importtime``)."""
    code = "import importlib\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    total = 0
    by_package: dict[str, int] = defaultdict(int)  # exclusive microseconds per top package
    for line in out.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line.split(":", 1)[1].split("|")
        if len(name) - len(name.lstrip()) == 1:  # a top-level import of the script
            total += int(cumulative)
        by_package[name.strip().split(".")[0]] += int(own)
    print(f"\npython -X importtime of what app.py and the playground import: {total / 1e6:.2f} s")
    print(f"  {'package':<24}{'own import time (s)':>20}")
    for name, us in sorted(by_package.items(), key=lambda kv: -kv[1])[:top]:
        print(f"  {name:<24}{us / 1e6:>20.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh servers")
    parser.add_argument("--importtime", action="store_true", help="also time the imports")
    args = parser.parse_args(argv)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"$ streamlit run app.py, {args.runs} fresh servers; load average {load}")
    print(f"  {'run':>4}{'health (s)':>12}{'first render (s)':>18}{'second render (s)':>19}")
    rows = measure(args.runs)
    for i, r in enumerate(rows, 1):
        print(f"  {i:>4}{r['health']:>12.2f}{r['first']:>18.2f}{r['second']:>19.2f}")
    med = {k: statistics.median(r[k] for r in rows) for k in ("health", "first", "second")}
    print(f"  {'med':>4}{med['health']:>12.2f}{med['first']:>18.2f}{med['second']:>19.2f}")
    if args.importtime:
        importtime()
    return 0


if __name__ == "__main__":
    sys.exit(main())
