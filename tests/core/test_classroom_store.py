"""The class store and the progress store, on a SQLite file and on PostgreSQL.

Every test runs on both backends (``db_url`` from tests/postgres_fixture.py). A "restart" is
what a server restart does to the app: the engine is disposed of and a new one opens the same
database.
"""

from __future__ import annotations

import ast
import csv
import io
import math
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from gradclip_core.classroom import (
    CODE_ALPHABET,
    LATEST,
    ClassEnded,
    ClassNotFound,
    ClassroomError,
    ClassStore,
    NicknameTaken,
    NotMember,
    NotTeacher,
    QuestionClosed,
    current_version,
    migrate,
    new_key,
)
from gradclip_core.progress_store import ProgressStore
from tests.core.classroom_helpers import MC, TEACHER
from tests.core.classroom_helpers import make_class as _class
from tests.core.classroom_helpers import tables as _tables

ROOT = Path(__file__).resolve().parents[2]


# -- schema ----------------------------------------------------------------------------------


def test_the_engine_layer_imports_neither_streamlit_nor_plotly():
    files = [*(ROOT / "gradclip_core" / "classroom").glob("*.py")]
    files.append(ROOT / "gradclip_core" / "progress_store.py")
    imported = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    assert not imported & {"streamlit", "plotly", "ui", "app_pages"}


def test_a_new_database_gets_every_migration_once(engine, store):
    assert store.version == LATEST == current_version(engine)
    ClassStore(engine)  # a second server process on the same database: nothing to do
    with engine.connect() as conn:
        versions = conn.execute(sa.text("SELECT version FROM schema_version")).scalars().all()
    assert sorted(versions) == list(range(1, LATEST + 1))
    assert {"classes", "members", "questions", "votes", "progress"} <= _tables(engine)


def test_upgrading_from_version_1_keeps_the_classes(engine):
    assert migrate(engine, upto=1) == 1
    assert "progress" not in _tables(engine)
    # A class as version 1 stored it, written without the store (as an old release would).
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO classes (code, teacher_hash, created_at) VALUES ('ABCDE', 'x', 1)")
        )
        conn.execute(
            sa.text(
                "INSERT INTO members (class_code, student_key, nickname, nickname_key, "
                "joined_at, seen_at) VALUES ('ABCDE', :k, 'Ada', 'ada', 2, 2)"
            ),
            {"k": "s" * 20},
        )
        qid = conn.execute(
            sa.text(
                "INSERT INTO questions (class_code, position, kind, item_id, prompt, options, "
                "correct, pushed_at) VALUES ('ABCDE', 1, 'true-false', 'tf-1', 'Clip?', "
                '\'["true", "false"]\', \'["true"]\', 3) RETURNING id'
            )
        ).scalar()
        conn.execute(
            sa.text("INSERT INTO votes VALUES (:q, :k, 'false', NULL, 4)"),
            {"q": qid, "k": "s" * 20},
        )
    store = ClassStore(engine)
    assert store.version == LATEST
    assert [m.nickname for m in store.members("abcde")] == ["Ada"]
    assert store.distribution(qid) == {"true": 0, "false": 1}
    assert store.summary("ABCDE")[0].top_wrong == "false"
    progress = ProgressStore(engine)
    progress.save("learner-key-0123456789", {"quiz": 3})
    assert progress.load("learner-key-0123456789") == {"quiz": 3}
    indexes = {i["name"] for i in sa.inspect(engine).get_indexes("votes")}
    assert "ix_votes_student" in indexes


def test_servers_starting_at_once_migrate_without_errors(db_url, make_engine):  # noqa: F811
    servers = 4
    barrier = threading.Barrier(servers)
    errors, versions = [], []

    def start() -> None:
        engine = make_engine(db_url)
        barrier.wait()
        try:
            versions.append(ClassStore(engine).version)
        except Exception as exc:  # collected: an exception in a thread would pass silently
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(servers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and versions == [LATEST] * servers
    with make_engine(db_url).connect() as conn:
        rows = conn.execute(sa.text("SELECT count(*) FROM schema_version")).scalar()
    assert rows == LATEST


# -- classes and members ---------------------------------------------------------------------


def test_join_codes_are_short_unique_and_typed_loosely(store):
    codes = [store.create_class(TEACHER) for _ in range(20)]
    assert len(set(codes)) == 20
    assert all(len(c) == 5 and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert not set(CODE_ALPHABET) & set("0O1IL")
    code = codes[0]
    typed = f" {code[:2].lower()}-{code[2:].lower()} "
    info = store.class_info(typed)
    assert info.code == code and not info.ended and info.members == 0
    assert store.is_teacher(typed, TEACHER) and not store.is_teacher(code, new_key())
    assert store.class_info("ZZZZZ") is None and store.class_info("O0O0O") is None
    with pytest.raises(ClassroomError, match="no 0, O, 1, I, L or U"):
        store.join("O0O0O", "Ada", new_key())
    with pytest.raises(ClassNotFound, match="check the code on the teacher's screen"):
        store.join("ZZZZZ", "Ada", new_key())


@pytest.mark.parametrize(
    ("nickname", "says"),
    [
        ("   ", "this one is empty"),
        ("x" * 25, "this one has 25"),
        ("Ada\x00", "U+0000"),
        ("A\u200bda", "U+200B ZERO WIDTH SPACE"),
        (42, "got 42"),
    ],
)
def test_a_bad_nickname_says_what_is_allowed(store, nickname, says):
    code, _ = _class(store)
    with pytest.raises(ClassroomError, match="a nickname is 1 to 24 characters") as err:
        store.join(code, nickname, new_key())
    assert says in str(err.value)


def test_a_reload_rejoins_as_the_same_member(store):
    code, _ = _class(store)
    key = new_key()
    first = store.join(code, "  Ada   Lovelace ", key)
    assert first.nickname == "Ada Lovelace" and not first.returning
    again = store.join(code, "Ada Lovelace", key)
    assert again.id == first.id and again.returning
    renamed = store.join(code, "Ada L", key)
    assert renamed.id == first.id
    assert [m.nickname for m in store.members(code)] == ["Ada L"]
    assert store.member(code, key).id == first.id and store.member(code, new_key()) is None


def test_a_taken_nickname_is_refused_with_a_free_one_suggested(store):
    code, _ = _class(store)
    store.join(code, "Sam", new_key())
    store.join(code, "sam 2", new_key())
    with pytest.raises(NicknameTaken, match="'SAM' is already taken") as err:
        store.join(code, "SAM", new_key())
    assert err.value.suggestion == "SAM 3"
    store.join(code, err.value.suggestion, new_key())
    with pytest.raises(NicknameTaken):
        store.join(code, "ＳＡＭ", new_key())  # full-width letters read the same
    assert [m.nickname for m in store.members(code)] == ["Sam", "sam 2", "SAM 3"]


def test_a_class_survives_a_restart_and_the_teacher_leaving(db_url, make_engine):  # noqa: F811
    teacher = ClassStore(make_engine(db_url))
    code, keys = _class(teacher, students=3)
    qid = teacher.push_question(code, TEACHER, MC)
    teacher.vote(qid, keys[0], "direction")
    teacher.engine.dispose()  # the server stops; the teacher's tab is gone

    restarted = ClassStore(make_engine(db_url))
    assert not restarted.class_info(code).ended
    assert len(restarted.members(code)) == 3
    assert restarted.current_question(code).id == qid
    restarted.vote(qid, keys[1], "length")
    assert restarted.distribution(qid) == {"direction": 1, "length": 1, "sign of each entry": 0}
    restarted.end_class(code, TEACHER)  # the only thing that ends a class
    assert restarted.class_info(code).ended
    with pytest.raises(ClassEnded, match="ask your teacher for the new code"):
        restarted.join(code, "Late", new_key())
    with pytest.raises(QuestionClosed):
        restarted.vote(qid, keys[2], "length")


# -- questions and votes ---------------------------------------------------------------------


def test_a_question_from_push_to_reveal(store):
    code, keys = _class(store, students=4)
    assert store.current_question(code) is None
    qid = store.push_question(code, TEACHER, MC)
    q = store.current_question(code)
    assert (q.id, q.position, q.options, q.correct) == (
        qid,
        1,
        tuple(MC["options"]),
        ("direction",),
    )
    assert not q.closed and not q.revealed
    store.vote(qid, keys[0], "length")
    store.vote(qid, keys[0], "direction")  # a re-vote replaces the first
    store.vote(qid, keys[1], "length")
    store.vote(qid, keys[2], " length ")
    assert store.distribution(qid) == {"direction": 1, "length": 2, "sign of each entry": 0}
    store.close_question(qid, TEACHER)
    with pytest.raises(QuestionClosed, match="voting on question 1 of class .* is over"):
        store.vote(qid, keys[3], "direction")
    assert sum(store.distribution(qid).values()) == 3
    store.reveal(qid, TEACHER)
    assert store.current_question(code).revealed


def test_pushing_a_question_closes_the_previous_one(store):
    code, keys = _class(store, students=1)
    first = store.push_question(code, TEACHER, MC)
    second = store.push_question(code, TEACHER, {**MC, "item_id": "mc-2"})
    assert [q.closed for q in store.questions(code)] == [True, False]
    assert store.current_question(code).id == second and store.current_question(code).position == 2
    with pytest.raises(QuestionClosed):
        store.vote(first, keys[0], "direction")


def test_a_predict_question_learns_its_answer_from_the_run(store):
    code, keys = _class(store, students=3)
    predict = {
        "kind": "predict",
        "item_id": "predict-rnn",
        "prompt": "Will it explode?",
        "options": ["explodes", "stays finite"],
    }
    qid = store.push_question(code, TEACHER, predict)
    for key, answer in zip(keys, ["explodes", "explodes", "stays finite"], strict=True):
        store.vote(qid, key, answer)
    assert store.summary(code)[0].percent_right is None  # nobody knows yet
    store.record_outcome(qid, TEACHER, {"correct": "explodes", "diverged_at_step": 34})
    q = store.question(qid)
    assert q.correct == ("explodes",) and q.outcome["diverged_at_step"] == 34
    row = store.summary(code)[0]
    assert (row.right, row.percent_right, row.top_wrong) == (2, 66.7, "stays finite")
    with pytest.raises(ClassroomError, match="not among the options"):
        store.record_outcome(qid, TEACHER, {"correct": "melts"})


def test_only_members_vote_and_only_with_an_allowed_answer(store):
    code, keys = _class(store, students=1)
    qid = store.push_question(code, TEACHER, MC)
    with pytest.raises(NotMember, match=f"join class {code} before answering"):
        store.vote(qid, new_key(), "direction")
    with pytest.raises(ClassroomError, match="choose one of 'direction', 'length'"):
        store.vote(qid, keys[0], "all of them")
    with pytest.raises(ClassroomError, match="only JSON values"):
        store.vote(qid, keys[0], "direction", {"score": math.nan})
    with pytest.raises(ClassroomError, match="a question id is a positive whole number"):
        store.vote("1; DROP TABLE votes", keys[0], "direction")
    assert store.distribution(qid) == dict.fromkeys(MC["options"], 0)


def test_teacher_actions_need_the_teacher_key(store):
    code, keys = _class(store, students=1)
    qid = store.push_question(code, TEACHER, MC)
    student = keys[0]
    for action in (
        lambda: store.push_question(code, student, MC),
        lambda: store.close_question(qid, student),
        lambda: store.reveal(qid, student),
        lambda: store.record_outcome(qid, student, {"correct": "length"}),
        lambda: store.end_class(code, student),
    ):
        with pytest.raises(NotTeacher, match="only the teacher who started class"):
            action()
    assert not store.question(qid).closed and not store.class_info(code).ended


def test_votes_of_a_student_across_classes(store):
    code_a, (key,) = _class(store, students=1)
    code_b = store.create_class(TEACHER)
    store.join(code_b, "Ada", key)
    qa = store.push_question(code_a, TEACHER, MC)
    qb = store.push_question(
        code_b,
        TEACHER,
        {
            "kind": "true-false",
            "item_id": "tf-1",
            "prompt": "Clipping changes the direction.",
            "correct": "false",
        },
    )
    store.vote(qa, key, "direction", {"seconds": 4})
    store.vote(qb, key, "true")
    mine = store.votes_of(key)
    assert [(v.class_code, v.item_id, v.answer) for v in mine] == [
        (code_a, "mc-direction", "direction"),
        (code_b, "tf-1", "true"),
    ]
    assert mine[0].detail == {"seconds": 4} and store.votes_of(new_key()) == []


def test_summary_and_its_csv(store):
    code, keys = _class(store, students=5)
    mc = store.push_question(code, TEACHER, MC)
    for key, answer in zip(
        keys, ["direction", "length", "length", "sign of each entry", "direction"], strict=True
    ):
        store.vote(mc, key, answer)
    explain = {
        "kind": "explain",
        "item_id": "explain-why",
        "prompt": "Why clip?",
        "options": ["right", "partly", "wrong"],
        "correct": "right",
    }
    ex = store.push_question(code, TEACHER, explain)
    store.vote(ex, keys[0], "right")
    store.vote(ex, keys[1], "wrong", {"misconceptions": ["clipping changes direction"]})
    store.vote(
        ex,
        keys[2],
        "partly",
        {"misconceptions": ["clipping changes direction", "=cmd|' /C calc'!A0"]},
    )
    free = store.push_question(code, TEACHER, {"kind": "predict", "item_id": "p", "prompt": "?"})
    store.vote(free, keys[0], '=HYPERLINK("http://x")')

    rows = store.summary(code)
    assert [(r.votes, r.right, r.percent_right) for r in rows] == [
        (5, 2, 40.0),
        (3, 1, 33.3),
        (1, None, None),
    ]
    assert (rows[0].top_wrong, rows[0].top_wrong_votes) == ("length", 2)
    assert rows[1].misconceptions == {"clipping changes direction": 2, "=cmd|' /C calc'!A0": 1}
    assert rows[2].top_wrong is None

    data = store.summary_csv(code)
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [t["percent_right"] for t in table] == ["40.0", "33.3", ""]
    assert table[0]["most_common_wrong"] == "length" and table[0]["prompt"] == MC["prompt"]
    # A student's text cannot become a spreadsheet formula.
    assert table[1]["misconceptions"] == "clipping changes direction (2); =cmd|' /C calc'!A0 (1)"
    assert not any(cell.startswith(("=", "+", "-", "@")) for t in table for cell in t.values())
