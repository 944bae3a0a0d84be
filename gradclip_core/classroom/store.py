"""A live class in the database: join by code, questions pushed by the teacher, one vote each.

Everything lives in the database, nothing in a server process or a browser tab: a class
survives a server restart and a closed teacher tab, and replicas behind a proxy share it. Only
:meth:`ClassStore.end_class` ends a class.
"""

from __future__ import annotations

import hmac

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from . import report
from .access import class_row, close_open, hash_key, teacher_class
from .records import ClassInfo, Member, NicknameTaken, SummaryRow, when
from .schema import classes, members, migrate, now, questions, retry, votes
from .validate import (
    MAX_NICKNAME,
    ClassroomError,
    check_key,
    clean_nickname,
    new_code,
    nickname_key,
    normalize_code,
)
from .voting import Voting


class ClassStore(Voting):
    """Live classes on a SQLAlchemy engine (``st.connection("sql").engine`` in the app).

    Creating the store brings the schema up to date (:func:`.schema.migrate`); make one per
    server process (``st.cache_resource``). Keys (teacher, student) are URL-safe tokens of 16
    to 64 characters (:func:`.validate.new_key`); the teacher's is stored only as a hash.

    Example::

        store = ClassStore(sa.create_engine("sqlite:///class.db"))
        code = store.create_class(teacher_key)                   # "K7QX2"
        store.join(code, "Ada", student_key)
        qid = store.push_question(code, teacher_key, {"kind": "true-false", "item_id": "tf-1",
                                  "prompt": "Clipping by norm keeps the direction.",
                                  "correct": "true"})
        store.vote(qid, student_key, "true")
        store.distribution(qid)                                  # {"true": 1, "false": 0}
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.version = migrate(engine)

    def __repr__(self) -> str:
        return f"ClassStore({self.engine.url.render_as_string(hide_password=True)!r})"

    # -- classes --------------------------------------------------------------------------

    def create_class(self, teacher_key: str) -> str:
        """Start a class; returns its join code (5 characters, no look-alikes, unique)."""
        digest = hash_key(check_key(teacher_key, "teacher key"))
        for _ in range(20):  # a clash is one in millions: try another code
            code = new_code()
            row = {"code": code, "teacher_hash": digest, "created_at": now()}
            try:
                retry(lambda row=row: self._write(classes.insert().values(**row)))
                return code
            except IntegrityError:
                continue
        raise RuntimeError("could not find a free class code in 20 tries")

    def end_class(self, code: str, teacher_key: str) -> None:
        """End the class: its open question closes; nobody joins, pushes or votes any more.
        Its members, questions and votes stay for :meth:`summary`."""

        def end() -> None:
            with self.engine.begin() as conn:
                cls = teacher_class(conn, code, teacher_key, allow_ended=True)
                t = now()
                conn.execute(
                    classes.update()
                    .where(classes.c.code == cls.code, classes.c.ended_at.is_(None))
                    .values(ended_at=t)
                )
                close_open(conn, cls.code, t)

        retry(end)

    def class_info(self, code: str) -> ClassInfo | None:
        """The class with this code, or ``None`` (also for a malformed code)."""
        try:
            code = normalize_code(code)
        except ClassroomError:
            return None
        n_members = sa.select(sa.func.count()).where(members.c.class_code == code)
        n_questions = sa.select(sa.func.count()).where(questions.c.class_code == code)
        query = sa.select(
            classes.c.created_at,
            classes.c.ended_at,
            n_members.scalar_subquery(),
            n_questions.scalar_subquery(),
        ).where(classes.c.code == code)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        return ClassInfo(code, when(row[0]), when(row[1]), row[2], row[3])

    def is_teacher(self, code: str, key: str) -> bool:
        """Whether ``key`` is the teacher key of class ``code`` (ended or not)."""
        try:
            code, digest = normalize_code(code), hash_key(check_key(key, "teacher key"))
        except ClassroomError:
            return False
        with self.engine.connect() as conn:
            stored = conn.execute(
                sa.select(classes.c.teacher_hash).where(classes.c.code == code)
            ).scalar()
        return stored is not None and hmac.compare_digest(stored, digest)

    # -- members --------------------------------------------------------------------------

    def join(self, code: str, nickname: str, student_key: str) -> Member:
        """Join class ``code`` as ``nickname``; the same ``student_key`` again is the same
        member (a reload), renamed if it brings another free nickname.

        Nicknames are unique per class, ignoring case and width: a nickname another student
        has raises :class:`NicknameTaken`, whose message and ``suggestion`` offer a free one
        ("Sam 2"). Nothing is renamed behind the student's back.

        Raises:
            ClassroomError: a malformed code, nickname or key (the message says what is
                allowed); ClassNotFound, ClassEnded, NicknameTaken (all ClassroomError).
        """
        code, nick = normalize_code(code), clean_nickname(nickname)
        check_key(student_key, "student key")
        for attempt in range(3):
            try:
                return retry(lambda: self._join(code, nick, student_key))
            except IntegrityError:
                # Another join of this key or nickname committed first: look again.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _join(self, code: str, nick: str, student_key: str) -> Member:
        with self.engine.begin() as conn:
            class_row(conn, code)
            taken = dict(
                conn.execute(
                    sa.select(members.c.nickname_key, members.c.student_key).where(
                        members.c.class_code == code
                    )
                ).all()
            )
            fold = nickname_key(nick)
            if taken.get(fold, student_key) != student_key:
                free = _free_nickname(nick, taken)
                raise NicknameTaken(
                    f"the nickname {nick!r} is already taken in class {code}; choose another, "
                    f"for example {free!r}",
                    free,
                )
            mine = conn.execute(
                sa.select(members).where(
                    members.c.class_code == code, members.c.student_key == student_key
                )
            ).first()
            t = now()
            if mine is not None:
                conn.execute(
                    members.update()
                    .where(members.c.id == mine.id)
                    .values(nickname=nick, nickname_key=fold, seen_at=t)
                )
                return Member(mine.id, code, nick, when(mine.joined_at), returning=True)
            row = {
                "class_code": code,
                "student_key": student_key,
                "nickname": nick,
                "nickname_key": fold,
                "joined_at": t,
                "seen_at": t,
            }
            new_id = conn.execute(members.insert().values(**row)).inserted_primary_key[0]
            return Member(new_id, code, nick, when(t))

    def members(self, code: str) -> list[Member]:
        """The class's members in the order they joined (no keys)."""
        code = normalize_code(code)
        query = (
            sa.select(members.c.id, members.c.nickname, members.c.joined_at)
            .where(members.c.class_code == code)
            .order_by(members.c.joined_at, members.c.id)
        )
        with self.engine.connect() as conn:
            return [Member(i, code, n, when(t)) for i, n, t in conn.execute(query).all()]

    def member(self, code: str, student_key: str) -> Member | None:
        """This student's membership of class ``code``, or ``None`` if they have not joined."""
        code = normalize_code(code)
        query = sa.select(members.c.id, members.c.nickname, members.c.joined_at).where(
            members.c.class_code == code, members.c.student_key == student_key
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else Member(row[0], code, row[1], when(row[2]), True)

    # -- reports --------------------------------------------------------------------------

    def summary(self, code: str) -> list[SummaryRow]:
        """One row per question: votes, % right, most common wrong answer, misconceptions."""
        return report.summarize(self.questions(code), self._class_votes(normalize_code(code)))

    def summary_csv(self, code: str) -> bytes:
        """:meth:`summary` as CSV (UTF-8 with a BOM, so spreadsheets read accents)."""
        return report.to_csv(self.summary(code))

    def _class_votes(self, code: str) -> list[tuple[int, str, str | None]]:
        query = (
            sa.select(votes.c.question_id, votes.c.answer, votes.c.detail)
            .join(questions, questions.c.id == votes.c.question_id)
            .where(questions.c.class_code == code)
        )
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(query).all()]

    def _write(self, statement) -> None:
        with self.engine.begin() as conn:
            conn.execute(statement)


def _free_nickname(nick: str, taken: dict[str, str]) -> str:
    """``nick`` with the smallest number ``2, 3, ...`` that makes it free in the class."""
    n = 2
    while True:
        suffix = f" {n}"
        candidate = nick[: MAX_NICKNAME - len(suffix)].rstrip() + suffix
        if nickname_key(candidate) not in taken:
            return candidate
        n += 1
