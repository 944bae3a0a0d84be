"""A class through AppTest: a teacher and students as separate sessions on one database
(SQLite, and PostgreSQL where it can be started), from joining to the summary."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.postgres_fixture import db_url, postgres_server  # noqa: F401
from ui import share

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "app_pages/classroom.py"


@pytest.fixture(autouse=True)
def _setup(db_url, monkeypatch, one_torch_thread):  # noqa: F811
    monkeypatch.setenv("GRADCLIP_DATABASE_URL", db_url)
    # A network address for the join link (the test machine may have none).
    monkeypatch.setenv(share.PUBLIC_URL_ENV, "http://192.0.2.10:8501")


def _open(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in (*at.info, *at.success, *at.warning, *at.error)]
    return "\n".join(parts)


def _teacher() -> tuple[AppTest, str]:
    at = _open()
    at.button(key="class_start").click().run()
    code = at.query_params["class"]
    assert at.query_params["t"]
    assert len(code) == 5
    return at, code


def _student(code: str, nickname: str) -> AppTest:
    at = _open({"class": code})
    at.text_input(key="class_nickname").input(nickname)
    at.button(key="class_join").click().run()
    assert at.query_params["me"], _texts(at)
    return at


def test_a_class_from_join_to_summary(db_url):  # noqa: F811
    teacher, code = _teacher()
    assert f"http://192.0.2.10:8501/classroom?class={code}" in [c.value for c in teacher.code]
    ana, ben = _student(code, "Ana"), _student(code, "Ben")
    teacher.run()
    assert "2 joined" in _texts(teacher)
    # Push a true-or-false item; both students see it and answer.
    items = teacher.selectbox(key="class_pick_question").options
    tf = next(i for i in items if i.startswith("True or false"))
    teacher.selectbox(key="class_pick_question").select(tf).run()
    teacher.button(key="class_push").click().run()
    for student, answer in ((ana, "true"), (ben, "false")):
        student.run()
        q = [r for r in student.radio if r.key and r.key.startswith("class_pick_")][0]
        q.set_value(answer).run()
        student.button(key=q.key.replace("pick", "send")).click().run()
        assert f"Your answer: **{answer}**" in _texts(student)
    teacher.run()
    assert "2 of 2 students answered" in _texts(teacher)
    qid = teacher.session_state  # noqa: F841 - the teacher's page drives the rest
    close = [b for b in teacher.button if b.key and b.key.startswith("class_close_")][0]
    close.click().run()
    reveal = [b for b in teacher.button if b.key and b.key.startswith("class_reveal_")][0]
    reveal.click().run()
    ana.run()
    assert "The right answer" in _texts(ana)
    # After class: the summary names the question, with one right of two.
    rows = teacher.dataframe[0].value
    assert list(rows["Votes"]) == [2] and list(rows["Right"]) == ["50%"]


def test_a_student_who_reloads_rejoins_and_a_taken_nickname_is_named(db_url):  # noqa: F811
    teacher, code = _teacher()
    ana = _student(code, "Ana")
    me = ana.query_params["me"]
    again = _open({"class": code, "me": me})  # a reload: the link keeps the student's key
    assert "You are **Ana**" in _texts(again)
    other = _open({"class": code})
    other.text_input(key="class_nickname").input("ana").run()
    other.button(key="class_join").click().run()
    assert "The nickname 'ana' is already taken" in _texts(other)
    assert "me" not in other.query_params


def test_a_predict_question_runs_the_scenario_and_students_see_the_outcome(db_url):  # noqa: F811
    teacher, code = _teacher()
    student = _student(code, "Cy")
    items = teacher.selectbox(key="class_pick_question").options
    predict = next(i for i in items if i.startswith("Predict the run"))
    teacher.selectbox(key="class_pick_question").select(predict).run()
    teacher.button(key="class_push").click().run()
    student.run()
    q = [r for r in student.radio if r.key and r.key.startswith("class_pick_")][0]
    q.set_value(q.options[0]).run()
    student.button(key=q.key.replace("pick", "send")).click().run()
    link = [p for p in teacher.get("page_link") if "projector mode" in p.proto.label][0]
    assert "projector=1" in link.proto.query_string.split("&")  # the run, big on the projector
    run = [b for b in teacher.button if b.key and b.key.startswith("class_run_")][0]
    run.click().run()
    assert "What the run did:" in _texts(teacher)
    student.run()
    assert "What the run did:" in _texts(student)


def test_a_wrong_code_says_so_and_the_class_survives_a_restart(db_url):  # noqa: F811
    at = _open()
    at.text_input(key="class_code_in").input("ZZZZZ")
    at.button(key="class_join_code").click().run()
    assert "No class has the code" in _texts(at)
    teacher, code = _teacher()
    _student(code, "Di")
    from ui.db import _stores

    _stores.clear()  # a server restart: new engine, same database
    again = _open({"class": code, "t": teacher.query_params["t"]})
    assert "1 joined" in _texts(again)


def test_the_summary_csv_has_a_row_per_question(db_url):  # noqa: F811
    from ui.db import class_store

    teacher, code = _teacher()
    store = class_store()
    key = teacher.query_params["t"]
    qid = store.push_question(
        code, key, {"kind": "true-false", "item_id": "x", "prompt": "p?", "correct": "true"}
    )
    store.close_question(qid, key)
    rows = list(csv.reader(io.StringIO(store.summary_csv(code).decode("utf-8-sig"))))
    assert len(rows) == 2
