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
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


from school_pupil import Pupil  # noqa: E402
from school_servers import School  # noqa: E402
from school_steps import (  # noqa: E402
    QUESTIONS,
    arrive,
    even_gap,
    gather_all,
    live_window,
    reconnect,
    wait_saved,
)

from gradclip_core.classroom import new_key  # noqa: E402
from gradclip_core.progress_store import ProgressStore  # noqa: E402

USABLE = 0.7  # a replica kept under 70 % busy, for spikes and reconnects (section 7)


async def run_bench(args) -> int:
    n = args.students
    print(
        f"gradclip school: {args.replicas} replicas of streamlit run app.py behind HAProxy "
        f"(deploy/haproxy.cfg), one PostgreSQL, {n} students emulated at the protocol level; "
        f"{os.cpu_count()} cores shared by all of it and the students\n"
    )
    with School(args.replicas, pin=args.pin) as school:
        ports = ", ".join(f"{r.name} :{r.port}" for r in school.replicas.values())
        print(f"proxy {school.url} -> {ports}; students talk to the proxy only\n")
        pupils = await arrival(school, n, args.preset)
        window = await live(school, pupils, args.preset, args.seconds)
        await uploads(school, pupils)
        await saved_progress(school, pupils)
        cls = await one_class(school, pupils)
        await replica_dies(school, pupils, cls)
        for p in pupils:
            await p.close()
    return capacity(n, window, cls.tx_rate)


async def arrival(school: School, n: int, preset: str) -> list[Pupil]:
    """1. Every student opens the Playground through the proxy, a new browser each."""
    names = list(school.replicas)
    pupils = await arrive(school, n, "", f"preset={preset}")
    by_cookie = Counter(p.replica for p in pupils)
    by_server = {name: r.active_sessions() for name, r in school.replicas.items()}
    gap = even_gap(by_cookie, names)
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
    return pupils


async def live(school: School, pupils: list[Pupil], preset: str, seconds: float) -> dict:
    """2. All train live on the Playground: redraws and steps a second, CPU used."""
    window = await live_window(school, pupils, seconds)
    rates, cores = window["rates"], sum(window["cpu"].values())
    print(f"2. Live Playground (preset {preset}), all {len(pupils)} training, {seconds:g} s window")
    print(
        f"   redraws/s per student: median {statistics.median(rates):.2f}, min {min(rates):.2f}, "
        f"max {max(rates):.2f} (the replicas set a {window['interval']:.2f} s interval); "
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
    return window


async def uploads(school: School, pupils: list[Pupil]) -> None:
    """3. Sticky sessions: uploads reach the session's replica; another's cookie is refused."""
    n = len(pupils)
    results = await gather_all([p.upload_settings() for p in pupils], timeout=180)
    loaded = sum(status < 300 and "Loaded" in text for status, text in results)
    p0 = pupils[0]
    other = next(name for name in school.replicas if name != p0.replica)
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


async def saved_progress(school: School, pupils: list[Pupil]) -> None:
    """4. Each student grades a flashcard; the page saves the progress from its replica."""
    progress = ProgressStore(school.engine)
    await gather_all([p.save_progress() for p in pupils], timeout=240)
    saved = await wait_saved(progress, pupils)
    print("4. Saved progress (Learn: flashcards, one card graded; the page saves it)")
    print(
        f"   {saved}/{len(pupils)} students' progress reached PostgreSQL, saved by the replica "
        "each student is on\n"
    )


class ClassRun(NamedTuple):
    """What section 5 leaves for section 6 and the capacity sheet."""

    code: str
    teacher: str
    q1: int  # the first question's id
    voters: Counter  # students per replica
    tx_rate: float  # database transactions a second per student, the class waiting


async def one_class(school: School, pupils: list[Pupil]) -> ClassRun:
    """5. One class across the replicas: every student joins and votes on its own replica."""
    n, store, teacher = len(pupils), school.store, new_key()
    code = store.create_class(teacher)
    await gather_all([p.join_class(code, f"Student {p.name}") for p in pupils], timeout=240)
    q1 = store.push_question(code, teacher, QUESTIONS[0])
    await gather_all([p.wait_question(q1) for p in pupils], timeout=120)
    answers = {p.name: "false" if i % 3 == 0 else "true" for i, p in enumerate(pupils)}
    await gather_all([p.vote(q1, answers[p.name]) for p in pupils], timeout=240)
    # The class sits on its question, every page polling: the database's steady load.
    await asyncio.sleep(1)
    tx0, t0 = school.db_transactions(), time.monotonic()
    await asyncio.sleep(5)
    tx_rate = (school.db_transactions() - tx0) / (time.monotonic() - t0) / n
    connections = school.db_connections()
    dist = store.distribution(q1)
    voters = Counter(p.replica for p in pupils)
    print(f"5. One class ({code}) across the replicas")
    print("   teacher's side (start the class, push questions): ClassStore on the database")
    print("   students: joined and voted on the Class page, through the proxy, each on its replica")
    print(
        f"   question 1: {sum(dist.values())}/{n} votes counted {dict(dist)} (cast: "
        f"{dict(Counter(answers.values()))}), voters per replica {dict(sorted(voters.items()))}"
    )
    print(
        f"   PostgreSQL, the class waiting on its question: {tx_rate:.1f} transactions/s "
        f"per student (every page polls each second), {connections} connections open\n"
    )
    return ClassRun(code, teacher, q1, voters, tx_rate)


async def replica_dies(school: School, pupils: list[Pupil], cls: ClassRun) -> None:
    """6. The busiest replica is killed mid-question; its students reconnect and vote on."""
    n, store, code = len(pupils), school.store, cls.code
    q2 = store.push_question(code, cls.teacher, QUESTIONS[1])
    await gather_all([p.wait_question(q2) for p in pupils], timeout=120)
    victim = max(school.replicas, key=lambda name: cls.voters[name])
    hit = [p for p in pupils if p.replica == victim]
    early = set(pupils[::2])  # half the class has voted when the replica dies
    answers = {p.name: "true" if i % 4 == 0 else "false" for i, p in enumerate(pupils)}
    await gather_all([p.vote(q2, answers[p.name]) for p in early], timeout=240)
    killed_at = time.monotonic()
    school.kill(victim)
    await gather_all([p.closed.wait() for p in hit], timeout=30)
    delays = await gather_all([reconnect(p, code, killed_at) for p in hit], timeout=240)
    kept = [
        any(f"Your answer: **{answers[p.name]}**" in t for t in p.texts[p.mark :])
        for p in hit
        if p in early
    ]
    await gather_all([p.vote(q2, answers[p.name]) for p in pupils if p not in early], timeout=240)
    dist1, dist2 = store.distribution(cls.q1), store.distribution(q2)
    found = await gather_all([p.open_progress() for p in hit], timeout=120)
    print(f"6. {victim} killed (SIGKILL) mid-class, {len(hit)} students on it, half had voted")
    print(
        "   its students reconnected through the proxy: now on "
        f"{dict(Counter(p.replica for p in hit))}, working Class page "
        f"{statistics.median(delays):.1f} s after the kill (median; max {max(delays):.1f} s)"
    )
    print(f"   {sum(kept)}/{len(kept)} of them who had voted saw their vote on the new page")
    print(
        f"   question 1: {sum(dist1.values())}/{n} votes still counted; question 2: "
        f"{sum(dist2.values())}/{n} counted {dict(dist2)} "
        f"(cast: {dict(Counter(answers.values()))})"
    )
    print(
        f"   {sum(found)}/{len(hit)} of its students then opened Learn on their new replica "
        "and got their saved progress back\n"
    )


def capacity(n: int, window: dict, tx_rate: float) -> int:
    """7. Students per core measured here, and the replicas for 300 and 3,000 students."""
    rate, cores = statistics.median(window["rates"]), sum(window["cpu"].values())
    if rate <= 0 or cores <= 0:
        print("7. Capacity: no redraws were measured, so no capacity figure")
        return 1
    redraw_ms = cores / (n * rate) * 1000
    per_core = 1000 / redraw_ms  # students per core at 1 redraw a second
    per_replica = max(1, math.floor(per_core * USABLE))
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
        f"{USABLE:.0%} busy for spikes and reconnects ({per_replica} students a replica); "
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
