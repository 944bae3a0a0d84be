"""A school: two replicas of the app behind HAProxy (deploy/haproxy.cfg), sharing PostgreSQL.

Six students are emulated at the protocol level (bench/school_pupil.py's ``Pupil``, built on
bench/classroom.py's ``Student``): each is a new browser with its own cookie jar and talks to
the proxy only (page, health route, WebSocket, uploads). The checks are about behaviour, never
speed: the sticky cookie keeps a student on one replica, students spread over both, an upload
reaches the replica that holds the session, a class's votes from both replicas are all
counted, and when a replica dies its students get a working page from the other one with
their vote and their saved progress still there.

Needs ``haproxy`` and PostgreSQL's server binaries: without them the tests skip with the
reason, and fail under ``CI=true`` (.ci/run installs both). The replicas and the proxy start
once for the module; the test that kills a replica comes last.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from gradclip_core.classroom import new_key
from gradclip_core.progress_store import ProgressStore
from tests.ci import missing
from tests.postgres_fixture import postgres_server  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from school_pupil import Pupil  # noqa: E402
from school_servers import School, find_haproxy  # noqa: E402
from school_steps import QUESTIONS, arrive, reconnect, wait_saved  # noqa: E402

STUDENTS = 6


def _require_haproxy() -> str:
    path = find_haproxy()
    if path is None:
        missing(
            "no haproxy binary on PATH or in /usr/sbin (apt-get install -y haproxy)",
            "the school tests",
        )
    return path


@pytest.fixture(scope="module")
def school(request):
    haproxy = _require_haproxy()  # before starting PostgreSQL for nothing
    server = request.getfixturevalue("postgres_server")
    url = server.create_database()
    try:
        with School(2, db_url=url, haproxy=haproxy) as cluster:
            yield cluster
    finally:
        server.drop_database(url)


def _run(coro):
    # Its own thread and event loop: the browser tests' playwright may hold one in this thread.
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, asyncio.wait_for(coro, timeout=150)).result()


async def _close(pupils: list[Pupil]) -> None:
    for p in pupils:
        await p.close()


def test_the_cookie_keeps_each_student_on_one_replica_and_students_spread(school):
    async def journey():
        pupils = await arrive(school, STUDENTS, "", "preset=healthy")
        # A few more of the page's requests, each through the proxy with the jar's cookie.
        for p in pupils:
            for _ in range(3):
                status, _ = await p.http("/_stcore/health")
                assert status == 200
        # The replica holding the session accepts its upload; the other one does not know it.
        uploads = [await p.upload_settings() for p in pupils[:2]]
        p0 = pupils[0]
        other = next(name for name in school.replicas if name != p0.replica)
        urls = (await p0.request_upload_url("other.toml")).file_urls[0]
        elsewhere = await p0.put_file(urls.upload_url, "other.toml", b"x = 1\n", other)
        sessions = {name: r.active_sessions() for name, r in school.replicas.items()}
        await _close(pupils)
        return pupils, uploads, elsewhere, sessions

    pupils, uploads, elsewhere, sessions = _run(journey())
    for p in pupils:
        assert len(p.replicas) >= 7 and len(set(p.replicas)) == 1, (p.name, p.replicas)
    by_cookie = Counter(p.replica for p in pupils)
    assert set(by_cookie) == {"app1", "app2"}, by_cookie  # spread over both
    assert max(by_cookie.values()) - min(by_cookie.values()) <= 2, by_cookie
    # The replicas' own counts agree with the cookies: each session lives where its cookie says.
    assert sessions == dict(by_cookie), (sessions, by_cookie)
    for status, toast in uploads:
        assert status < 300 and toast.startswith("Loaded the settings of"), (status, toast)
    status, body = elsewhere
    assert status == 400 and b"sticky sessions" in body, (status, body)
    assert not [e for p in pupils for e in p.exceptions]


def test_a_class_counts_every_vote_from_both_replicas(school):
    store, teacher = school.store, new_key()
    code = store.create_class(teacher)

    async def journey():
        pupils = await arrive(school, STUDENTS, "classroom", f"class={code}")
        await asyncio.gather(*(p.join_class(code, f"Student {p.name}") for p in pupils))
        qid = store.push_question(code, teacher, QUESTIONS[0])
        await asyncio.gather(*(p.wait_question(qid) for p in pupils))
        answers = {p.name: "true" if i % 3 else "false" for i, p in enumerate(pupils)}
        await asyncio.gather(*(p.vote(qid, answers[p.name]) for p in pupils))
        await _close(pupils)
        return pupils, qid, answers

    pupils, qid, answers = _run(journey())
    assert set(Counter(p.replica for p in pupils)) == {"app1", "app2"}
    assert len(store.members(code)) == STUDENTS
    assert store.distribution(qid) == dict(Counter(answers.values()))
    assert not [e for p in pupils for e in p.exceptions]


def test_a_killed_replica_sends_its_students_to_the_other_with_their_data(school):
    store, teacher = school.store, new_key()
    code = store.create_class(teacher)
    progress = ProgressStore(school.engine)

    async def journey():
        pupils = await arrive(school, STUDENTS, "classroom", f"class={code}")
        victim = Counter(p.replica for p in pupils).most_common(1)[0][0]
        hit = [p for p in pupils if p.replica == victim]
        # Progress saved by the app on the replica that will die, and a vote cast there.
        await asyncio.gather(*(p.save_progress() for p in hit))
        assert await wait_saved(progress, hit) == len(hit)
        await asyncio.gather(*(p.join_class(code, f"Student {p.name}") for p in pupils))
        q1 = store.push_question(code, teacher, QUESTIONS[0])
        await asyncio.gather(*(p.wait_question(q1) for p in pupils))
        await asyncio.gather(*(p.vote(q1, "true") for p in pupils))

        school.kill(victim)
        await asyncio.wait_for(asyncio.gather(*(p.closed.wait() for p in hit)), 30)
        await asyncio.gather(*(reconnect(p, code, 0.0) for p in hit))
        moved = {p.name: p.replica for p in hit}
        # Their page works on the other replica: the class with their earlier vote on it.
        shown = {p.name: any("Your answer: **true**" in t for t in p.texts[p.mark :]) for p in hit}
        q2 = store.push_question(code, teacher, QUESTIONS[1])
        await asyncio.gather(*(p.wait_question(q2) for p in pupils))
        await asyncio.gather(*(p.vote(q2, "false") for p in pupils))
        found = await asyncio.gather(*(p.open_progress() for p in hit))
        await _close(pupils)
        return pupils, victim, moved, shown, found, q1, q2

    pupils, victim, moved, shown, found, q1, q2 = _run(journey())
    survivor = next(name for name in school.replicas if name != victim)
    assert not school.replicas[victim].alive()
    assert moved and set(moved.values()) == {survivor}, moved
    assert all(shown.values()), shown
    assert all(found), found  # the progress saved on the dead replica, loaded on the other
    assert store.distribution(q1) == {"true": STUDENTS, "false": 0}
    assert store.distribution(q2) == {"true": 0, "false": STUDENTS}
    assert not [e for p in pupils for e in p.exceptions]
