"""A school: several app servers behind HAProxy with sticky sessions, sharing one PostgreSQL.

Starts a throwaway PostgreSQL (tests/postgres_fixture.py), N replicas of ``streamlit run
app.py`` on 127.0.0.1 (each with ``GRADCLIP_DATABASE_URL`` pointing at it) and HAProxy with the
configuration of deploy/haproxy.cfg (its ``bind`` and ``server`` lines rewritten for the ports
used here, everything else as shipped). Students are emulated at the protocol level
(bench/classroom.py's ``Student``: what a browser sends, without a browser's CPU cost), each
with its own cookie jar, and talk only to the proxy: the page, ``/_stcore/health``, the
WebSocket at ``/_stcore/stream`` and file uploads all go through it. It prints:

1. where the balancer put the students: by the replica cookie each got, and by each replica's
   own count of open sessions (``/_stcore/metrics``, read from the replica directly);
2. chart redraws per second per student while all train live on the Playground, and the CPU
   the replicas and HAProxy used;
3. sticky sessions: every HTTP answer a student got named one replica; uploads through the
   proxy (the Playground's settings-file uploader) reach the replica holding the session, and
   the same upload sent with another replica's cookie is refused;
4. saved progress: each student grades a flashcard on Learn, and the page saves the progress
   in PostgreSQL from that student's replica;
5. one class spanning the replicas: the teacher's side (start the class, push questions) goes
   straight to the database through ``ClassStore``, as the teacher's page would; every student
   joins and votes on the Class page through the proxy, on its own replica;
6. one replica killed (SIGKILL) mid-class: its students reconnect through the proxy (as the
   page does: health route, then a new WebSocket, with the cookie naming the dead replica),
   land on another replica, get a working Class page with their earlier vote on it and vote
   on; every vote is counted, and their saved progress opens on the new replica;
7. capacity: students per core measured here, and replicas for 300 and 3,000 students.

The machine's other work shows in the figures (its load average is printed).

Usage::

    .venv/bin/python bench/school.py                      # 3 replicas, 24 students
    .venv/bin/python bench/school.py --replicas 2 --students 12 --seconds 8
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import shutil
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import websockets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


from school_pupil import Pupil  # noqa: E402
from school_servers import School  # noqa: E402

from gradclip_core.classroom import new_key  # noqa: E402
from gradclip_core.progress_store import ProgressStore  # noqa: E402

# ---- the bench ------------------------------------------------------------------------------


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


def _even(counts: Counter, names) -> float:
    """The largest gap between a replica's count and an even share, as a fraction of it."""
    mean = sum(counts.values()) / len(names)
    return max(abs(counts.get(name, 0) - mean) / mean for name in names)


async def run_bench(args) -> int:
    n = args.students
    print(
        f"gradclip school: {args.replicas} replicas of streamlit run app.py behind HAProxy "
        f"(deploy/haproxy.cfg), one PostgreSQL, {n} students emulated at the protocol level; "
        f"{os.cpu_count()} cores shared by all of it and the students\n"
    )
    with School(args.replicas, pin=args.pin) as school:
        names = list(school.replicas)
        ports = ", ".join(f"{r.name} :{r.port}" for r in school.replicas.values())
        print(f"proxy {school.url} -> {ports}; students talk to the proxy only\n")

        # 1. Arrival.
        pupils = await arrive(school, n, "", f"preset={args.preset}")
        by_cookie = Counter(p.replica for p in pupils)
        by_server = {name: r.active_sessions() for name, r in school.replicas.items()}
        gap = _even(by_cookie, names)
        print("1. Sessions per replica (each student a new browser through the proxy)")
        for name in names:
            print(
                f"   {name}: {by_cookie.get(name, 0):>3} by the proxy's cookie, "
                f"{by_server[name]:>3} by the replica's own count of open sessions"
            )
        print(
            f"   largest gap from an even share: {gap:.0%} "
            f"({'within' if gap <= 0.2 else 'NOT within'} 20 %)"
        )
        weight = statistics.median(p.bytes_in for p in pupils) / 1e6
        print(
            f"   first visit through the proxy: {weight:.1f} MB a student (the app's config and "
            "the chart's script, gzip)\n"
        )

        # 2. Live training.
        window = await live_window(school, pupils, args.seconds)
        rates, cores = window["rates"], sum(window["cpu"].values())
        rate = statistics.median(rates)
        print(
            f"2. Live Playground (preset {args.preset}), all {n} training, "
            f"{args.seconds:g} s window"
        )
        print(
            f"   redraws/s per student: median {rate:.2f}, min {min(rates):.2f}, max "
            f"{max(rates):.2f} (the replicas set a {window['interval']:.2f} s interval); "
            f"training steps/s per student: median {statistics.median(window['steps']):.0f}, "
            f"min {min(window['steps']):.0f}"
        )
        cpu = ", ".join(f"{k} {v:.2f}" for k, v in window["cpu"].items())
        print(f"   CPU (cores): {cpu}; replicas {cores:.2f}; HAProxy {window['proxy_cpu']:.3f}")
        print(
            f"   through the proxy: {window['bytes_per_redraw'] / 1e3:.0f} KB of WebSocket "
            "messages a redraw (a short run's history: long runs send more, DESIGN.md)"
        )
        print(
            f"   machine load average {window['load']:.1f} on {os.cpu_count()} cores: other work "
            "competes for them; the rates above depend on it far more than the CPU a redraw "
            "costs (section 7)\n"
        )

        # 3. Uploads.
        results = await gather_all([p.upload_settings() for p in pupils], timeout=180)
        loaded = sum(status < 300 and "Loaded" in text for status, text in results)
        p0 = pupils[0]
        other = next(name for name in names if name != p0.replica)
        urls = (await p0.request_upload_url("other.toml")).file_urls[0]
        status, body = await p0.put_file(urls.upload_url, "other.toml", b"x = 1\n", other)
        requests = statistics.median(len(p.replicas) for p in pupils)
        sticky = sum(len(set(p.replicas)) == 1 for p in pupils)
        print("3. Sticky sessions and uploads (the Playground's settings-file uploader)")
        print(
            f"   {loaded}/{n} uploads through the proxy reached the session's replica and "
            "loaded the settings"
        )
        print(
            f"   {sticky}/{n} students kept one replica cookie over all their "
            f"{requests:.0f} HTTP answers"
        )
        print(
            f"   control: the same upload with {other}'s cookie instead of {p0.replica}'s: "
            f'{status} "{body.decode(errors="replace")[:60]}..."\n'
        )

        # 4. Saved progress.
        progress = ProgressStore(school.engine)
        await gather_all([p.save_progress() for p in pupils], timeout=240)
        saved = await wait_saved(progress, pupils)
        print("4. Saved progress (Learn: flashcards, one card graded; the page saves it)")
        print(
            f"   {saved}/{n} students' progress reached PostgreSQL, saved by the replica each "
            "student is on\n"
        )

        # 5. A class across the replicas.
        store, teacher = school.store, new_key()
        code = store.create_class(teacher)
        await gather_all([p.join_class(code, f"Student {p.name}") for p in pupils], timeout=240)
        q1 = store.push_question(code, teacher, QUESTIONS[0])
        await gather_all([p.wait_question(q1) for p in pupils], timeout=120)
        answers1 = {p.name: "false" if i % 3 == 0 else "true" for i, p in enumerate(pupils)}
        await gather_all([p.vote(q1, answers1[p.name]) for p in pupils], timeout=240)
        # The class sits on its question, every page polling: the database's steady load.
        await asyncio.sleep(1)
        tx0, t0 = school.db_transactions(), time.monotonic()
        await asyncio.sleep(5)
        tx_rate = (school.db_transactions() - tx0) / (time.monotonic() - t0) / n
        connections = school.db_connections()
        dist1 = store.distribution(q1)
        voters = Counter(p.replica for p in pupils)
        print(f"5. One class ({code}) across the replicas")
        print("   teacher's side (start the class, push questions): ClassStore on the database")
        print(
            "   students: joined and voted on the Class page, through the proxy, each on its "
            "replica"
        )
        print(
            f"   question 1: {sum(dist1.values())}/{n} votes counted {dict(dist1)} (cast: "
            f"{dict(Counter(answers1.values()))}), voters per replica "
            f"{dict(sorted(voters.items()))}"
        )
        print(
            f"   PostgreSQL, the class waiting on its question: {tx_rate:.1f} transactions/s "
            f"per student (every page polls each second), {connections} connections open\n"
        )

        # 6. A replica dies mid-class.
        q2 = store.push_question(code, teacher, QUESTIONS[1])
        await gather_all([p.wait_question(q2) for p in pupils], timeout=120)
        victim = max(names, key=lambda name: voters[name])
        hit = [p for p in pupils if p.replica == victim]
        early = set(pupils[::2])  # half the class has voted when the replica dies
        answers2 = {p.name: "true" if i % 4 == 0 else "false" for i, p in enumerate(pupils)}
        await gather_all([p.vote(q2, answers2[p.name]) for p in early], timeout=240)
        killed_at = time.monotonic()
        school.kill(victim)
        await gather_all([p.closed.wait() for p in hit], timeout=30)
        delays = await gather_all([reconnect(p, code, killed_at) for p in hit], timeout=240)
        kept = [
            any(f"Your answer: **{answers2[p.name]}**" in t for t in p.texts[p.mark :])
            for p in hit
            if p in early
        ]
        await gather_all(
            [p.vote(q2, answers2[p.name]) for p in pupils if p not in early], timeout=240
        )
        dist1, dist2 = store.distribution(q1), store.distribution(q2)
        found = await gather_all([p.open_progress() for p in hit], timeout=120)
        print(
            f"6. {victim} killed (SIGKILL) mid-class, {len(hit)} students on it, half the "
            "class had voted"
        )
        print(
            "   its students reconnected through the proxy: now on "
            f"{dict(Counter(p.replica for p in hit))}, working Class page "
            f"{statistics.median(delays):.1f} s after the kill (median; max {max(delays):.1f} s)"
        )
        print(
            f"   {sum(kept)}/{len(kept)} of them who had voted saw their vote on the new "
            "replica's page"
        )
        print(
            f"   question 1: {sum(dist1.values())}/{n} votes still counted; question 2: "
            f"{sum(dist2.values())}/{n} counted {dict(dist2)} "
            f"(cast: {dict(Counter(answers2.values()))})"
        )
        print(
            f"   {sum(found)}/{len(hit)} of its students then opened Learn on their new replica "
            "and got their saved progress back\n"
        )
        for p in pupils:
            await p.close()

    # 7. Capacity.
    if rate <= 0 or cores <= 0:
        print("7. Capacity: no redraws were measured, so no capacity figure")
        return 1
    redraw_ms = cores / (n * rate) * 1000
    per_core = 1000 / redraw_ms  # students per core at 1 redraw a second
    usable = 0.7
    per_replica = max(1, math.floor(per_core * usable))
    proxy_ms = window["proxy_cpu"] / (n * rate) * 1000
    print("7. Capacity")
    print(
        f"   measured: {n} students drew {n * rate:.0f} charts a second on {cores:.2f} cores of "
        f"replicas: {redraw_ms:.0f} ms of CPU a redraw (drawing and its training slice), so "
        f"{per_core:.0f} students per core at 1 redraw a second, the classroom rate"
    )
    print(
        "   assumptions: the replicas are CPU-bound (a redraw costs what it cost here); one "
        "replica per core (a Streamlit process draws on one core: the GIL), kept under "
        f"{usable:.0%} busy for spikes and reconnects ({per_replica} students a replica); "
        "students on the Class page poll the database as measured in section 5; "
        "HAProxy and PostgreSQL on cores of their own"
    )
    for size in (300, 3000):
        replicas = math.ceil(size / per_replica)
        print(
            f"   {size:>5} students: {replicas} replicas; HAProxy "
            f"{proxy_ms * size / 1000:.2f} cores; PostgreSQL {tx_rate * size:,.0f} "
            f"transactions/s in class and up to {replicas * 15:,} connections (pools of 5 "
            "plus 10 overflow a replica)"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--students", type=int, default=24)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--preset", default="healthy")
    parser.add_argument(
        "--pin",
        action="store_true",
        help="pin each replica to a core of its own (taskset -c), round robin: each then "
        "sizes its refresh policy for one core, not the whole machine",
    )
    args = parser.parse_args(argv)
    if args.pin and shutil.which("taskset") is None:
        parser.error("--pin: taskset is not on PATH (util-linux)")
    if args.replicas < 2:
        parser.error("--replicas: at least 2 (one is killed mid-class)")
    return asyncio.run(run_bench(args))


if __name__ == "__main__":
    sys.exit(main())
