"""A classroom on one server: many students training live at once, emulated at the protocol level.

Real browsers measure themselves, not the server (DESIGN.md: a few headless pages already use
the machine). Each student here is a WebSocket client that does what the browser does: it
opens the playground from a teacher's link, presses Start, then sends the live fragment's
reruns at the interval the server asks for (``auto_rerun``), as the page's timer would. It
prints, per classroom size, the chart redraws each student receives per second, the training
steps a second each student's Step tile shows, the refresh interval the server chose, the
server's CPU use (its process's CPU time over the window, in cores), and any exception the app
sent. The class target (issue "Fast for a whole class"): 30 students, every one >= 2 redraws/s
and >= 50 steps/s on the default preset, server CPU <= 1.8 cores, no exception. With
``--browser`` a real headless Chromium page opens the Playground beside the students, trains
too, and prints the redraws it drew in the same window (it shares this machine's cores).

Usage::

    .venv/bin/python bench/classroom.py                    # 1, 5, 10 and 20 students
    .venv/bin/python bench/classroom.py --students 30 --seconds 20 --preset exploding-rnn
    .venv/bin/python bench/classroom.py --students 30 --seconds 60 --each --browser  # the target
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from live_refresh import ARGS, _serve, start_live_page  # noqa: E402
from servers import free_port  # noqa: E402

CHART_KEY = "live_chart"
TICKS = os.sysconf("SC_CLK_TCK")


QUIET_S = 2.0  # no message from the server this long: the page has settled


class Student:
    """One browser tab, as the server sees it."""

    def __init__(self, url: str, query: str):
        self.url, self.query = url, query
        self.page_hash = ""
        self.start_id: str | None = None
        self.fragment: tuple[str, float] | None = None  # (fragment id, interval)
        self.redraws: list[float] = []
        self.steps: list[tuple[float, int]] = []  # (when, the "Step" tile's value)
        self.intervals: list[float] = []  # every refresh interval the server asked for
        self.exceptions: list[str] = []
        self.finished = asyncio.Event()
        self.last_message = time.monotonic()
        self.live = asyncio.Event()  # the live fragment's timer has been set

    def _rerun(self, **fields) -> bytes:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        state.page_script_hash = self.page_hash
        for name, value in fields.items():
            if name == "trigger":
                widget = state.widget_states.widgets.add()
                widget.id, widget.trigger_value = value, True
            else:
                setattr(state, name, value)
        return msg.SerializeToString()

    def _read(self, raw: bytes) -> None:
        self.last_message = time.monotonic()
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.page_hash = msg.new_session.page_script_hash
            if not msg.metadata.run.fragment_ids:  # a page run: a browser drops its timers
                self.fragment = None
        elif kind == "stop_auto_rerun":
            if self.fragment and self.fragment[0] in msg.stop_auto_rerun.fragment_ids:
                self.fragment = None
        elif kind == "auto_rerun":
            self.fragment = (msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
            self.intervals.append(msg.auto_rerun.interval)
            self.live.set()
        elif kind == "script_finished":
            self.finished.set()
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            which = element.WhichOneof("type")
            if which == "button" and element.button.label.strip() == "Start":
                self.start_id = element.button.id
            elif which == "bidi_component" and CHART_KEY in element.bidi_component.id:
                self.redraws.append(time.monotonic())
            elif which == "metric" and element.metric.label == "Step":
                self.steps.append((time.monotonic(), int(element.metric.body.replace(",", ""))))
            elif which == "exception":
                self.exceptions.append(element.exception.message)

    async def start(self, ws) -> asyncio.Task:
        """Open the page on ``ws``, press Start and wait for the live timer; returns the reader."""
        reader = asyncio.create_task(self._listen(ws))
        await ws.send(self._rerun())
        await self._finish()
        if self.start_id is None:
            raise SystemExit("no Start button in the page: is the app running?")
        await ws.send(self._rerun(trigger=self.start_id))
        # Training has started when the page sets its refresh timer (a run that finishes
        # is not enough: the first page load may rerun once more on its own).
        await asyncio.wait_for(self.live.wait(), timeout=120)
        return reader

    async def run(
        self, seconds: float, started: asyncio.Event, until: Callable[[], bool] | None = None
    ) -> None:
        """Start, then tick for ``seconds`` (or until ``until()`` holds: then the page is read
        until the server has been quiet for :data:`QUIET_S` before the tab closes)."""
        async with websockets.connect(
            f"{self.url}/_stcore/stream", subprotocols=["streamlit"], max_size=None
        ) as ws:
            reader = await self.start(ws)
            started.set()
            end = time.monotonic() + seconds
            while time.monotonic() < end and not (until and until()):
                if self.fragment is None:  # no timer: paused, diverged, or a page run under way
                    await asyncio.sleep(0.05)
                    continue
                fragment_id, interval = self.fragment
                # The page's timer: a rerun of the live fragment every ``interval`` seconds,
                # whether or not the last one has finished (the server queues them).
                await ws.send(self._rerun(fragment_id=fragment_id, is_auto_rerun=True))
                await asyncio.sleep(interval)
            if until is not None and until():
                await self._finish()
                # A tick sent before the page run arrived still runs, and may replace what
                # the page run drew in the fragment before it was sent: read until it is quiet.
                give_up = time.monotonic() + 30
                while time.monotonic() - self.last_message < QUIET_S and time.monotonic() < give_up:
                    await asyncio.sleep(0.1)
            reader.cancel()

    async def _listen(self, ws) -> None:
        async for raw in ws:
            self._read(raw)

    async def _finish(self) -> None:
        await asyncio.wait_for(self.finished.wait(), timeout=120)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _at(samples: list[tuple[float, int]], t: float) -> tuple[float, int] | None:
    """The last (time, step) sample at or before ``t``."""
    before = [s for s in samples if s[0] <= t]
    return before[-1] if before else None


def _steps_rate(samples: list[tuple[float, int]], t0: float, t1: float) -> float:
    """Training steps a second between ``t0`` and ``t1``, as the page's Step tile showed them."""
    a, b = _at(samples, t0), _at(samples, t1)
    if a is None or b is None or b[0] <= a[0]:
        return 0.0
    return (b[1] - a[1]) / (b[0] - a[0])


class BrowserPage:
    """One real Chromium page on the Playground beside the emulated students: it trains too,
    and counts the redraws it draws (``live_refresh.WATCH_JS``) between :meth:`begin` and
    :meth:`end`, on a thread of its own (Playwright's sync API)."""

    def __init__(self, http_url: str, query: str):
        self.url, self.query = http_url, query
        self.ready, self._begin, self._end = threading.Event(), threading.Event(), threading.Event()
        self.rate: float | None = None
        self.error: str | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 1200})
                start_live_page(page, f"{self.url}/?{self.query}", timeout=120_000)
                self.ready.set()
                self._begin.wait()
                start = page.evaluate("performance.now()")
                self._end.wait()
                end = page.evaluate("performance.now()")
                draws = page.evaluate(f"window.__redraws.filter(r => r[0] >= {start}).length")
                self.rate = draws / ((end - start) / 1000)
                browser.close()
        except Exception as err:  # a bench reports, it does not crash half-way
            self.error = f"{type(err).__name__}: {err}"
            self.ready.set()

    def begin(self) -> None:
        self._begin.set()

    def end(self) -> None:
        self._end.set()
        self._thread.join(timeout=60)


async def classroom(
    url: str,
    pid: int,
    n: int,
    seconds: float,
    preset: str,
    settle: float = 5.0,
    edge: str = "on",
    browser: bool = False,
) -> dict:
    students = [Student(url, f"preset={preset}&edge={edge}") for _ in range(n)]
    started = [asyncio.Event() for _ in students]
    extra = 60 if browser else 0  # the page loads and starts while the students train
    tasks = [
        asyncio.create_task(s.run(settle + seconds + 3 + extra, e))
        for s, e in zip(students, started, strict=True)
    ]
    await asyncio.gather(*(e.wait() for e in started))
    page = None
    if browser:
        http = url.replace("ws://", "http://")
        page = BrowserPage(http, f"preset={preset}&edge={edge}")
        await asyncio.to_thread(page.ready.wait, 180)
    await asyncio.sleep(settle)  # let the refresh interval settle on the class and its load
    if page is not None:
        page.begin()
    t0, cpu0 = time.monotonic(), _cpu_seconds(pid)
    await asyncio.sleep(seconds)
    t1, cpu1 = time.monotonic(), _cpu_seconds(pid)
    if page is not None:
        await asyncio.to_thread(page.end)
    await asyncio.gather(*tasks)
    rates = [sum(t0 <= t < t1 for t in s.redraws) / (t1 - t0) for s in students]
    return {
        "rates": rates,
        "steps": [_steps_rate(s.steps, t0, t1) for s in students],
        "cpu": (cpu1 - cpu0) / (t1 - t0),
        "intervals": [s.fragment[1] if s.fragment else float("nan") for s in students],
        "retunes": [max(0, len(s.intervals) - 1) for s in students],
        "exceptions": [e for s in students for e in s.exceptions],
        "browser": None if page is None else (page.rate, page.error),
    }


def _load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def report(n: int, r: dict, each: bool) -> None:
    rates, steps, intervals = r["rates"], r["steps"], r["intervals"]
    print(
        f"{n:>9}{statistics.median(intervals):>12.2f}{statistics.median(rates):>10.2f}"
        f"{min(rates):>7.2f}{statistics.median(steps):>12.1f}{min(steps):>7.1f}"
        f"{r['cpu']:>12.2f}{len(r['exceptions']):>12}"
    )
    if each:
        print("          per student, redraws/s:", " ".join(f"{x:.1f}" for x in rates))
        print("          per student, steps/s:  ", " ".join(f"{x:.0f}" for x in steps))
        print(
            "          refresh intervals at the end:",
            ", ".join(f"{v:g} s x{intervals.count(v)}" for v in sorted(set(intervals))),
            f"; timer changes per student: median {statistics.median(r['retunes']):g},"
            f" max {max(r['retunes'])}",
        )
    if r["browser"] is not None:
        rate, error = r["browser"]
        if error:
            print(f"          a real Chromium page beside them: failed ({error})")
        else:
            print(f"          a real Chromium page beside them: {rate:.2f} redraws/s")
    for message in sorted(set(r["exceptions"]))[:3]:
        print(f"          exception: {message}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, nargs="*", default=[1, 5, 10, 20])
    parser.add_argument("--seconds", type=float, default=10.0, help="the measured window")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds before it")
    parser.add_argument("--preset", default="healthy")
    parser.add_argument("--each", action="store_true", help="print every student's rates")
    parser.add_argument(
        "--browser",
        action="store_true",
        help="a real headless Chromium page trains beside the students; print its redraws/s",
    )
    parser.add_argument(
        "--edge",
        choices=["on", "off"],
        default="on",
        help="the link's slow-down near an explosion (off: a fast run that passes a sudden "
        "climb, healthy's near step 2,700, is not dropped to slow motion mid-measurement)",
    )
    args = parser.parse_args(argv)
    print(
        f"preset {args.preset} (edge {args.edge}), {args.seconds:g} s windows after "
        f"{args.settle:g} s to settle, "
        f"{os.cpu_count()} cores; a fresh server per class size; {_load()}\n"
    )
    print(
        f"{'':>9}{'':>12}{'redraws/s each':>17}{'steps/s each':>19}{'server CPU':>12}\n"
        f"{'students':>9}{'interval s':>12}{'median':>10}{'min':>7}{'median':>12}{'min':>7}"
        f"{'(cores)':>12}{'exceptions':>12}"
    )
    for n in args.students:
        port = free_port()
        proc = _serve(port)
        try:
            r = asyncio.run(
                classroom(
                    f"ws://127.0.0.1:{port}",
                    proc.pid,
                    n,
                    args.seconds,
                    args.preset,
                    args.settle,
                    args.edge,
                    args.browser,
                )
            )
        finally:
            proc.kill()
            proc.wait()
        report(n, r, args.each)
    print(f"\n{_load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
