"""The class store and the progress store against junk: injection strings, any nickname,
answer or question hypothesis makes, bad learner keys and oversized progress; on a SQLite file
and on PostgreSQL (``db_url`` from tests/postgres_fixture.py)."""

from __future__ import annotations

import math
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradclip_core.classroom import ClassroomError, QuestionClosed, new_key
from gradclip_core.progress_store import ProgressStore, ProgressStoreError
from tests.core.classroom_helpers import JUNK, MC, TEACHER
from tests.core.classroom_helpers import make_class as _class
from tests.core.classroom_helpers import tables as _tables

# -- junk and injection ----------------------------------------------------------------------


def test_injection_strings_are_stored_as_text(engine, store):
    code, _ = _class(store)
    key = new_key()
    with pytest.raises(ClassroomError, match="this one has 31"):
        store.join(code, "Robert'); DROP TABLE members;--", key)
    nick = "Bob'); DROP TABLE votes;--"[:24]
    store.join(code, nick, key)
    qid = store.push_question(
        code,
        TEACHER,
        {"kind": "explain", "item_id": "x' OR '1'='1", "prompt": "'; DELETE FROM classes;--"},
    )
    store.vote(qid, key, "Robert'); DROP TABLE members;--")
    assert [m.nickname for m in store.members(code)] == [nick]
    assert store.distribution(qid) == {"Robert'); DROP TABLE members;--": 1}
    assert store.question(qid).item_id == "x' OR '1'='1"
    assert {"classes", "members", "questions", "votes"} <= _tables(engine)


@JUNK
@given(nickname=st.one_of(st.text(max_size=40), st.binary(max_size=8), st.integers(), st.none()))
def test_junk_nicknames_are_refused_clearly_or_stored_as_given(store, nickname):
    code = store.create_class(TEACHER)
    try:
        member = store.join(code, nickname, new_key())
    except ClassroomError as exc:
        assert "a nickname is 1 to 24 characters" in str(exc)
        return
    assert member.nickname == " ".join(unicodedata.normalize("NFC", nickname).split())
    assert [m.nickname for m in store.members(code)] == [member.nickname]


@JUNK
@given(
    answer=st.one_of(st.text(max_size=250), st.integers(), st.lists(st.text(max_size=3))),
    detail=st.one_of(st.none(), st.dictionaries(st.text(max_size=5), st.text(max_size=5))),
)
def test_junk_answers_are_refused_clearly_or_stored_as_given(store, answer, detail):
    code, (key,) = _class(store, students=1)
    free = store.push_question(code, TEACHER, {"kind": "explain", "item_id": "e", "prompt": "?"})
    choice = store.push_question(code, TEACHER, MC)
    with pytest.raises(QuestionClosed):  # pushing the multiple-choice question closed it
        store.vote(free, key, "late")
    try:
        store.vote(choice, key, answer, detail)
    except ClassroomError as exc:
        assert "choose one of 'direction', 'length', 'sign of each entry'" in str(exc)
    code, (key,) = _class(store, students=1)
    free = store.push_question(code, TEACHER, {"kind": "explain", "item_id": "e", "prompt": "?"})
    try:
        store.vote(free, key, answer, detail)
    except ClassroomError as exc:
        assert "an answer must be text of 1 to 200 printable characters" in str(exc)
        return
    (vote,) = store.votes_of(key)
    assert vote.answer == answer.strip() and vote.detail == detail
    assert store.distribution(free) == {answer.strip(): 1}


@JUNK
@given(
    question=st.one_of(
        st.dictionaries(
            st.sampled_from(["kind", "item_id", "prompt", "options", "correct", "x"]),
            st.one_of(
                st.text(max_size=5),
                st.lists(st.text(max_size=3), max_size=3),
                st.integers(),
                st.sampled_from(["predict", "true-false"]),
            ),
        ),
        st.text(max_size=5),
    )
)
def test_junk_questions_are_refused_clearly_or_pushed(store, question):
    code = store.create_class(TEACHER)
    try:
        qid = store.push_question(code, TEACHER, question)
    except ClassroomError as exc:
        assert any(word in str(exc) for word in ("question", "option", "correct")), exc
        return
    assert store.current_question(code).id == qid


# -- saved progress --------------------------------------------------------------------------


def test_progress_is_saved_per_learner_and_outlives_a_restart(db_url, make_engine):  # noqa: F811
    store = ProgressStore(make_engine(db_url))
    ada, bob = new_key(), new_key()
    assert store.load(ada) is None and store.saved_at(ada) is None
    store.save(ada, {"version": 1, "modes": {"explain": {"answered": 3}}})
    first = store.saved_at(ada)
    store.save(ada, {"version": 1, "modes": {"explain": {"answered": 4}}, "name": "Ädä 🙂"})
    store.save(bob, {})
    store.engine.dispose()

    again = ProgressStore(make_engine(db_url))
    assert again.load(ada)["modes"]["explain"]["answered"] == 4
    assert again.load(ada)["name"] == "Ädä 🙂" and again.load(bob) == {}
    assert again.saved_at(ada) >= first
    assert again.delete(bob) and again.load(bob) is None and not again.delete(bob)


def test_progress_refuses_bad_keys_and_data_with_a_clear_message(engine):
    store = ProgressStore(engine, max_bytes=1_000)
    key = new_key()
    with pytest.raises(ProgressStoreError, match="the limit is 1,000. Save less"):
        store.save(key, {"answers": "x" * 2_000})
    with pytest.raises(ProgressStoreError, match="must be a dict"):
        store.save(key, [1, 2])
    with pytest.raises(ProgressStoreError, match="finite numbers"):
        store.save(key, {"loss": math.inf})
    for bad in ("short", "x" * 65, "has space 0123456789", "../../etc/passwd!!", None):
        with pytest.raises(ProgressStoreError, match="a learner key is 16 to 64 characters"):
            store.save(bad, {})
    assert store.load(key) is None
