"""A classroom on one server: many students training live at once, emulated at the protocol level.

Real browsers measure themselves, not the server (DESIGN.md: a few headless pages already use
the machine). Each student here is a WebSocket client that does what the browser does: it
opens the playground from a teacher's link, presses Start, then sends the live fragment's
reruns at the interval the server asks for (``auto_rerun``), as the page's timer would. It
prints, per classroom size, the chart redraws each student receives per second, the server's
CPU use, and any exception the app sent.

Usage::

    .venv/bin/python bench/classroom.py                    # 1, 5, 10 and 20 students
    .venv/bin/python bench/classroom.py --students 30 --seconds 20 --preset exploding-rnn
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from live_refresh import _free_port, _serve  # noqa: E402

CHART_KEY = "live_chart"
TICKS = os.sysconf("SC_CLK_TCK")


class Student:
    """One browser tab, as the server sees it."""

    def __init__(self, url: str, query: str):
        self.url, self.query = url, query
        self.page_hash = ""
        self.start_id: str | None = None
        self.fragment: tuple[str, float] | None = None  # (fragment id, interval)
        self.redraws: list[float] = []
        self.exceptions: list[str] = []
        self.finished = asyncio.Event()
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
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.page_hash = msg.new_session.page_script_hash
        elif kind == "auto_rerun":
            self.fragment = (msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
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
            elif which == "exception":
                self.exceptions.append(element.exception.message)

    async def run(self, seconds: float, started: asyncio.Event) -> None:
        async with websockets.connect(
            f"{self.url}/_stcore/stream", subprotocols=["streamlit"], max_size=None
        ) as ws:
            reader = asyncio.create_task(self._listen(ws))
            await ws.send(self._rerun())
            await self._finish()
            if self.start_id is None:
                raise SystemExit("no Start button in the page: is the app running?")
            await ws.send(self._rerun(trigger=self.start_id))
            # Training has started when the page sets its refresh timer (a run that finishes
            # is not enough: the first page load may rerun once more on its own).
            await asyncio.wait_for(self.live.wait(), timeout=120)
            started.set()
            end = time.monotonic() + seconds
            while time.monotonic() < end and self.fragment:
                fragment_id, interval = self.fragment
                # The page's timer: a rerun of the live fragment every ``interval`` seconds,
                # whether or not the last one has finished (the server queues them).
                await ws.send(self._rerun(fragment_id=fragment_id, is_auto_rerun=True))
                await asyncio.sleep(interval)
            reader.cancel()

    async def _listen(self, ws) -> None:
        async for raw in ws:
            self._read(raw)

    async def _finish(self) -> None:
        await asyncio.wait_for(self.finished.wait(), timeout=120)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


async def classroom(url: str, pid: int, n: int, seconds: float, preset: str) -> dict:
    students = [Student(url, f"preset={preset}") for _ in range(n)]
    started = [asyncio.Event() for _ in students]
    tasks = [
        asyncio.create_task(s.run(seconds + 3, e)) for s, e in zip(students, started, strict=True)
    ]
    await asyncio.gather(*(e.wait() for e in started))
    await asyncio.sleep(2)  # let the tick interval settle on the class size
    t0, cpu0 = time.monotonic(), _cpu_seconds(pid)
    await asyncio.sleep(seconds)
    t1, cpu1 = time.monotonic(), _cpu_seconds(pid)
    await asyncio.gather(*tasks)
    rates = [sum(t0 <= t < t1 for t in s.redraws) / (t1 - t0) for s in students]
    return {
        "rates": rates,
        "cpu": (cpu1 - cpu0) / (t1 - t0),
        "interval": students[0].fragment[1] if students[0].fragment else float("nan"),
        "exceptions": [e for s in students for e in s.exceptions],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, nargs="*", default=[1, 5, 10, 20])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--preset", default="healthy")
    args = parser.parse_args(argv)
    print(
        f"preset {args.preset}, {args.seconds:g} s windows, {os.cpu_count()} cores; a fresh "
        "server per class size\n"
    )
    print(
        f"{'students':>9}{'interval s':>12}{'redraws/s each: median':>25}{'min':>7}"
        f"{'server CPU (cores)':>20}{'exceptions':>12}"
    )
    for n in args.students:
        port = _free_port()
        proc = _serve(port)
        try:
            r = asyncio.run(
                classroom(f"ws://127.0.0.1:{port}", proc.pid, n, args.seconds, args.preset)
            )
        finally:
            proc.kill()
            proc.wait()
        print(
            f"{n:>9}{r['interval']:>12.1f}{statistics.median(r['rates']):>25.1f}"
            f"{min(r['rates']):>7.1f}{r['cpu']:>20.2f}{len(r['exceptions']):>12}"
        )
        for message in sorted(set(r["exceptions"]))[:3]:
            print(f"          exception: {message}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
