"""A class of 30 answers at once: no vote is lost, none counted twice, on SQLite and PostgreSQL.

Each student is a thread with its own connection from the engine's pool (as 30 Streamlit
sessions in one server are), released together by a barrier so the writes land within the
same moment. SQLite runs on a file in WAL mode with a busy timeout (set by the store), so
writers queue for the lock instead of failing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from gradclip_core.classroom import ClassStore, QuestionClosed, new_key
from tests.postgres_fixture import db_url, make_engine, postgres_server  # noqa: F401

STUDENTS = 30
TEACHER = new_key()
QUESTION = {
    "kind": "multiple-choice",
    "item_id": "mc-when",
    "prompt": "When do you clip?",
    "options": ["after backward", "before backward", "after the optimizer step"],
    "correct": "after backward",
}


@pytest.fixture
def store(db_url, make_engine):  # noqa: F811
    # One connection per student, as many sessions of one server hold at once.
    return ClassStore(make_engine(db_url, pool_size=STUDENTS + 2, max_overflow=0))


def _at_once(work: Callable[[int], object], n: int = STUDENTS) -> tuple[list, list]:
    """Run ``work(i)`` for i in range(n) on n threads released together; results, errors."""
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # kept: an exception in a thread would pass silently
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a student's call never returned"
    return results, errors


def _answer(i: int) -> str:
    return QUESTION["options"][i % 3]


def test_thirty_students_join_and_vote_in_the_same_second(store):
    code = store.create_class(TEACHER)
    keys = [new_key() for _ in range(STUDENTS)]
    members, errors = _at_once(lambda i: store.join(code, f"Student {i}", keys[i]))
    assert not errors
    assert len({m.id for m in members}) == STUDENTS == len(store.members(code))

    qid = store.push_question(code, TEACHER, QUESTION)
    _, errors = _at_once(lambda i: store.vote(qid, keys[i], _answer(i)))
    assert not errors
    counts = store.distribution(qid)
    assert sum(counts.values()) == STUDENTS
    assert counts == dict.fromkeys(QUESTION["options"], STUDENTS // 3)
    assert store.summary(code)[0].percent_right == pytest.approx(100 / 3, abs=0.1)


def test_thirty_changes_of_mind_at_once_keep_one_vote_each(store):
    code = store.create_class(TEACHER)
    keys = [new_key() for _ in range(STUDENTS)]
    for i, key in enumerate(keys):
        store.join(code, f"Student {i}", key)
    qid = store.push_question(code, TEACHER, QUESTION)
    # Each student sends two different answers from two threads at the same moment.
    _, errors = _at_once(lambda j: store.vote(qid, keys[j // 2], _answer(j)), 2 * STUDENTS)
    assert not errors
    assert sum(store.distribution(qid).values()) == STUDENTS
    for i, key in enumerate(keys):
        (vote,) = store.votes_of(key)
        assert vote.answer in (_answer(2 * i), _answer(2 * i + 1))


def test_a_close_racing_thirty_votes_leaves_final_numbers(store):
    code = store.create_class(TEACHER)
    keys = [new_key() for _ in range(STUDENTS)]
    for i, key in enumerate(keys):
        store.join(code, f"Student {i}", key)
    qid = store.push_question(code, TEACHER, QUESTION)

    at_close = {}

    def act(i: int) -> bool:
        if i == STUDENTS:  # the teacher closes while the class votes, then reads the votes
            store.close_question(qid, TEACHER)
            at_close.update(store.distribution(qid))
            return False
        try:
            store.vote(qid, keys[i], _answer(i))
        except QuestionClosed:
            return False
        return True

    accepted, errors = _at_once(act, STUDENTS + 1)
    assert not errors
    # Every vote that was told "accepted" is counted, no refused one is, and the numbers the
    # teacher saw right after closing are final: nothing slipped in after the close.
    final = store.distribution(qid)
    assert sum(final.values()) == sum(accepted)
    assert final == at_close
