"""A class opens one link at once: every student gets the same run, through a real server.

Thirty students are emulated at the protocol level (bench/classroom.py's client: what a browser
sends, without a browser's CPU cost), all opening ``?preset=exploding-rnn`` and pressing Start
at the same moment. Each must see the explosion at the same step and the same final chart.
"""

from __future__ import annotations

import asyncio
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from busy_class import Watcher  # noqa: E402
from live_refresh import _serve  # noqa: E402
from servers import free_port  # noqa: E402

STUDENTS = 30


async def _class(url: str) -> list[Watcher]:
    # Full speed: slowing down near the explosion (on by default) would take 20+ s of ticks.
    students = [Watcher(url, "preset=exploding-rnn&edge=off") for _ in range(STUDENTS)]
    started = [asyncio.Event() for _ in students]
    # Each ticks until its page says the run exploded (180 s at most; how soon is the
    # benchmarks' business: bench/classroom.py). A CI run once had 3 of 30 at step 34 without
    # the callout: a busy server had dropped the page run that drew it (ui/delivery.py).
    runs = [
        s.run(180, e, until=lambda s=s: bool(s.callout))
        for s, e in zip(students, started, strict=True)
    ]
    await asyncio.wait_for(asyncio.gather(*runs), timeout=300)
    return students


def test_thirty_students_opening_one_link_at_once_get_the_same_run():
    port = free_port()
    proc = _serve(port)
    try:
        # Its own thread: the browser tests' playwright may hold an event loop in this one.
        with ThreadPoolExecutor(1) as thread:
            students = thread.submit(asyncio.run, _class(f"ws://127.0.0.1:{port}")).result()
    finally:
        proc.kill()
        proc.wait()
    assert not [e for s in students for e in s.exceptions]
    callouts = {s.callout for s in students}
    # Which students missed it, and how far their page got.
    missed = [
        f"student {n}: last Step tile {s.steps[-1][1] if s.steps else None}, "
        f"{len(s.redraws)} redraws, timer intervals {sorted(set(s.intervals))}"
        for n, s in enumerate(students)
        if "exploded at step 34" not in s.callout
    ]
    assert len(callouts) == 1 and "exploded at step 34" in callouts.pop(), missed
    charts = {json.dumps(s.last_chart, sort_keys=True) for s in students}
    assert len(charts) == 1  # the same loss curve, point for point, for all thirty
    figure = json.loads(students[0].last_chart["figure"])
    assert any(trace.get("name") == "loss" for trace in figure["data"])
