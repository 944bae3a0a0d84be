"""Looking up a class, checking the teacher's key, closing questions: shared by the store."""

from __future__ import annotations

import hashlib
import hmac
import json

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .records import ClassEnded, ClassNotFound, NotTeacher, Question, when
from .schema import classes, questions
from .validate import ClassroomError, check_key, normalize_code


def hash_key(key: str) -> str:
    """What is stored of a teacher key: its SHA-256, so the database never holds the key."""
    return hashlib.sha256(key.encode()).hexdigest()


def check_id(question_id: object) -> int:
    if isinstance(question_id, int) and not isinstance(question_id, bool) and question_id > 0:
        return question_id
    raise ClassroomError(f"a question id is a positive whole number; got {question_id!r:.40}")


def class_row(conn: Connection, code: str, allow_ended: bool = False):
    """The class's row; raises ClassNotFound, or ClassEnded unless ``allow_ended``."""
    row = conn.execute(sa.select(classes).where(classes.c.code == code)).first()
    if row is None:
        raise ClassNotFound(f"there is no class {code}; check the code on the teacher's screen")
    if row.ended_at is not None and not allow_ended:
        raise ClassEnded(f"class {code} has ended; ask your teacher for the new code")
    return row


def teacher_class(conn: Connection, code: str, key: str, allow_ended: bool = False):
    """The class's row if ``key`` is its teacher's key; raises NotTeacher otherwise."""
    row = class_row(conn, normalize_code(code), allow_ended)
    if not hmac.compare_digest(row.teacher_hash, hash_key(check_key(key, "teacher key"))):
        raise NotTeacher(
            f"only the teacher who started class {row.code} can do this; this browser "
            "does not hold that class's teacher key"
        )
    return row


def close_open(conn: Connection, code: str, t: float) -> None:
    """Close the class's open question, if any."""
    conn.execute(
        questions.update()
        .where(questions.c.class_code == code, questions.c.closed_at.is_(None))
        .values(closed_at=t)
    )


def question_record(row) -> Question:
    return Question(
        id=row.id,
        class_code=row.class_code,
        position=row.position,
        kind=row.kind,
        item_id=row.item_id,
        prompt=row.prompt,
        options=tuple(json.loads(row.options)),
        correct=tuple(json.loads(row.correct)),
        pushed_at=when(row.pushed_at),
        closed=row.closed_at is not None,
        revealed=row.revealed_at is not None,
        outcome=None if row.outcome is None else json.loads(row.outcome),
    )
