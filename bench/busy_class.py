"""A class of 30 on a server that is busy with other work: does every page get the explosion?

Starts the app, starts ``--hogs`` CPU-bound processes beside it (another program on the
teacher's laptop), then 30 students (bench/classroom.py's protocol-level client) open
``?preset=exploding-rnn&edge=off`` and press Start at once. Each ticks until its page shows
the explosion callout, or ``--seconds``. Prints how many got it, how long it took, and how
many different final charts the class saw (1 is right: the same run for everyone).

    .venv/bin/python bench/busy_class.py --hogs 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import sys
import time
from pathlib import Path

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from classroom import CHART_KEY, Student  # noqa: E402
from live_refresh import _serve  # noqa: E402
from servers import free_port  # noqa: E402


class Watcher(Student):
    """A student who keeps the explosion callout's words (and when they came) and the last
    chart drawn (tests/robust/test_class_link.py uses it too)."""

    def __init__(self, url: str, query: str):
        super().__init__(url, query)
        self.callout = ""
        self.callout_at: float | None = None
        self.last_chart: dict | None = None

    def _read(self, raw: bytes) -> None:
        super()._read(raw)
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        if msg.WhichOneof("type") != "delta" or msg.delta.WhichOneof("type") != "new_element":
            return
        element = msg.delta.new_element
        which = element.WhichOneof("type")
        if which == "bidi_component" and CHART_KEY in element.bidi_component.id:
            self.last_chart = json.loads(element.bidi_component.json)
        elif which == "alert" and "exploded at step" in element.alert.body and not self.callout:
            self.finished.clear()  # run() reads the page run that drew it to its end
            self.callout, self.callout_at = element.alert.body, time.monotonic()


def _hog(until: float) -> None:
    while time.monotonic() < until:
        pass


async def _class(url: str, students: int, seconds: float) -> tuple[list[Watcher], float]:
    watchers = [Watcher(url, "preset=exploding-rnn&edge=off") for _ in range(students)]
    started = [asyncio.Event() for _ in watchers]
    t0 = time.monotonic()
    runs = [
        w.run(seconds, e, until=lambda w=w: bool(w.callout))
        for w, e in zip(watchers, started, strict=True)
    ]
    await asyncio.wait_for(asyncio.gather(*runs), timeout=seconds + 120)
    return watchers, t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--hogs", type=int, default=3, help="CPU-bound processes beside it")
    parser.add_argument("--seconds", type=float, default=120.0)
    args = parser.parse_args()
    if not 1 <= args.students <= 200 or not 0 <= args.hogs <= 64 or args.seconds <= 0:
        parser.error("--students 1-200, --hogs 0-64, --seconds > 0")
    port = free_port()
    proc = _serve(port)
    hogs = [
        multiprocessing.Process(target=_hog, args=(time.monotonic() + args.seconds + 60,))
        for _ in range(args.hogs)
    ]
    for h in hogs:
        h.start()
    try:
        watchers, t0 = asyncio.run(_class(f"ws://127.0.0.1:{port}", args.students, args.seconds))
    finally:
        for h in hogs:
            h.kill()
        proc.kill()
        proc.wait()
    got = sorted(w.callout_at - t0 for w in watchers if w.callout_at is not None)
    charts = {json.dumps(w.last_chart, sort_keys=True) for w in watchers}
    print(f"{args.students} students, {args.hogs} CPU hogs beside the server, {args.seconds:.0f} s")
    print(f"  got the explosion callout: {len(got)} of {args.students}")
    if got:
        print(f"  seconds to it: median {statistics.median(got):.1f}, last {got[-1]:.1f}")
    print(f"  different final charts: {len(charts)} (1: everyone saw the same run)")


if __name__ == "__main__":
    main()
