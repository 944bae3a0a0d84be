"""The school bench's steps that tests reuse: a class arriving through the proxy, a live
window, reconnecting after a replica dies, waiting for saved progress (bench/school.py)."""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections import Counter

import websockets
from school_pupil import Pupil
from school_servers import School

from gradclip_core.progress_store import ProgressStore

QUESTIONS = [
    {
        "kind": "true-false",
        "item_id": "school-1",
        "prompt": "Clipping by norm keeps the gradient's direction.",
        "correct": "true",
    },
    {
        "kind": "true-false",
        "item_id": "school-2",
        "prompt": "Clipping by value always keeps the gradient's direction.",
        "correct": "false",
    },
]


async def gather_all(coros, timeout: float) -> list:
    return await asyncio.wait_for(asyncio.gather(*coros), timeout=timeout)


ASSETS = ("/_stcore/host-config", "/app/static/plotly-cartesian.min.js")  # what a page fetches


async def arrive(school: School, n: int, page: str = "", query: str = "") -> list[Pupil]:
    """n students open a page through the proxy, each a new browser (its own cookie jar), a
    few at a time: the page's HTML, the app's config and the chart's script, then the
    WebSocket."""
    pupils = [Pupil(school.url, f"s{i + 1:02d}") for i in range(n)]
    gate = asyncio.Semaphore(6)  # a class arrives over a few seconds, not in one instant

    async def come(p: Pupil) -> None:
        async with gate:
            await p.http(f"/{page}?{query}" if query else f"/{page}")
            await p.connect()
            await p.open(page, query)
            # As a browser does: the page's first run asks for the chart's script (and puts it
            # under static/ on a fresh replica), then the browser fetches it.
            for path in ASSETS:
                status, body = await p.http(path, headers={"Accept-Encoding": "gzip"})
                if status != 200:
                    raise RuntimeError(f"{p.name}: {path} answered {status}")
                p.bytes_in += len(body)

    await gather_all([come(p) for p in pupils], timeout=300)
    return pupils


async def live_window(school: School, pupils: list[Pupil], seconds: float) -> dict:
    """Everyone presses Start on the Playground, then trains live for ``seconds``."""
    for p in pupils:
        p.live.clear()
        await p.ws.send(p._state(trigger=p.start_id))
    await gather_all([p.live.wait() for p in pupils], timeout=180)
    for p in pupils:
        p.start_timer()
    await asyncio.sleep(5)  # let the interval settle on the class and its load
    live = [r for r in school.replicas.values() if r.alive()]
    t0, cpu0, proxy0 = time.monotonic(), [r.cpu_seconds() for r in live], school.proxy_cpu()
    bytes0 = sum(p.received for p in pupils)
    await asyncio.sleep(seconds)
    t1, cpu1, proxy1 = time.monotonic(), [r.cpu_seconds() for r in live], school.proxy_cpu()
    received = sum(p.received for p in pupils) - bytes0
    for p in pupils:
        p.stop_timer()
    span = t1 - t0
    return {
        "rates": [sum(t0 <= t < t1 for t in p.redraws) / span for p in pupils],
        "steps": [_steps_rate(getattr(p, "steps", []), t0, t1) for p in pupils],
        "cpu": {r.name: (b - a) / span for r, a, b in zip(live, cpu0, cpu1, strict=True)},
        "proxy_cpu": (proxy1 - proxy0) / span,
        "load": os.getloadavg()[0],
        "bytes_per_redraw": received / max(1, sum(t0 <= t < t1 for p in pupils for t in p.redraws)),
        "interval": statistics.median(p.fragment[1] for p in pupils if p.fragment),
    }


def _steps_rate(samples: list[tuple[float, int]], t0: float, t1: float) -> float:
    """Training steps a second from ``t0`` to ``t1``, as the page's Step tile showed them."""
    inside = [(t, step) for t, step in samples if t0 <= t <= t1]
    if len(inside) < 2 or inside[-1][0] <= inside[0][0]:
        return 0.0
    return (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0])


async def reconnect(p: Pupil, code: str, since: float) -> float:
    """What the page does after its socket drops: the health route, then a new socket, both
    through the proxy with the cookie it has (naming the dead replica); then the class's
    link again. Returns the seconds from ``since`` to a working Class page."""
    p.stop_timer()
    while True:
        try:
            await p.connect()
            break
        except (OSError, RuntimeError, websockets.InvalidHandshake):
            await asyncio.sleep(0.5)
    p.mark = len(p.texts)
    await p.rejoin_class(code)
    return time.monotonic() - since


async def wait_saved(progress: ProgressStore, pupils: list[Pupil], timeout: float = 30) -> int:
    """How many students' progress is in the database (waiting for the last saves)."""
    end = time.monotonic() + timeout
    while True:
        saved = sum(progress.load(p.learner) is not None for p in pupils)
        if saved == len(pupils) or time.monotonic() > end:
            return saved
        await asyncio.sleep(0.2)


def even_gap(counts: Counter, names) -> float:
    """The largest gap between a replica's count and an even share, as a fraction of it."""
    mean = sum(counts.values()) / len(names)
    return max(abs(counts.get(name, 0) - mean) / mean for name in names)
