"""The app's database: tables, versioned migrations, and the few SQL idioms both backends need.

One schema serves live classes and saved progress, on SQLite (a file, the default) or
PostgreSQL (when a database URL is configured). ``schema_version`` records every migration
applied; :func:`migrate` applies the missing ones in order, each under a lock, so two server
processes starting at once on one database both end up at the latest version without errors.

Tables (times are UNIX seconds, JSON is stored as text)::

    schema_version(version PK, name, applied_at)
    classes(code PK, teacher_hash, created_at, ended_at)
    members(id PK, class_code, student_key, nickname, nickname_key, joined_at, seen_at)
        unique (class_code, student_key), unique (class_code, nickname_key)
    questions(id PK, class_code, position, kind, item_id, prompt, options, correct,
              pushed_at, closed_at, revealed_at, outcome)      unique (class_code, position)
    votes(question_id, student_key, answer, detail, voted_at)  PK (question_id, student_key)
    progress(learner_key PK, data, updated_at)                  (since version 2)
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

T = TypeVar("T")
_LOCK_ID = 7_311_990_401  # pg_advisory_xact_lock key for migrations (any constant of our own)
SQLITE_BUSY_MS = 30_000  # a SQLite writer waits this long for the lock instead of failing


# The schema as of the latest version: what the stores query.
metadata = sa.MetaData()
schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("applied_at", sa.Double, nullable=False),
)


def _v1_tables(md: sa.MetaData) -> list[sa.Table]:
    return [
        sa.Table(
            "classes",
            md,
            sa.Column("code", sa.String(8), primary_key=True),
            sa.Column("teacher_hash", sa.String(64), nullable=False),  # sha256 hex of the key
            sa.Column("created_at", sa.Double, nullable=False),
            sa.Column("ended_at", sa.Double),
        ),
        sa.Table(
            "members",
            md,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("class_code", sa.String(8), sa.ForeignKey("classes.code"), nullable=False),
            sa.Column("student_key", sa.String(64), nullable=False),
            sa.Column("nickname", sa.String(24), nullable=False),
            sa.Column("nickname_key", sa.String(100), nullable=False),  # casefolded, NFKC
            sa.Column("joined_at", sa.Double, nullable=False),
            sa.Column("seen_at", sa.Double, nullable=False),
            sa.UniqueConstraint("class_code", "student_key", name="uq_members_student"),
            sa.UniqueConstraint("class_code", "nickname_key", name="uq_members_nickname"),
        ),
        sa.Table(
            "questions",
            md,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("class_code", sa.String(8), sa.ForeignKey("classes.code"), nullable=False),
            sa.Column("position", sa.Integer, nullable=False),  # 1, 2, ... within the class
            sa.Column("kind", sa.String(20), nullable=False),
            sa.Column("item_id", sa.String(200), nullable=False),
            sa.Column("prompt", sa.Text, nullable=False),
            sa.Column("options", sa.Text, nullable=False),  # JSON list of texts
            sa.Column("correct", sa.Text, nullable=False),  # JSON list of texts
            sa.Column("pushed_at", sa.Double, nullable=False),
            sa.Column("closed_at", sa.Double),
            sa.Column("revealed_at", sa.Double),
            sa.Column("outcome", sa.Text),  # JSON object: what a predict run did
            sa.UniqueConstraint("class_code", "position", name="uq_questions_position"),
        ),
        sa.Table(
            "votes",
            md,
            sa.Column("question_id", sa.Integer, sa.ForeignKey("questions.id"), primary_key=True),
            sa.Column("student_key", sa.String(64), primary_key=True),
            sa.Column("answer", sa.Text, nullable=False),
            sa.Column("detail", sa.Text),  # JSON object, e.g. {"misconceptions": [...]}
            sa.Column("voted_at", sa.Double, nullable=False),
        ),
    ]


def _v2_tables(md: sa.MetaData) -> list[sa.Table]:
    return [
        sa.Table(
            "progress",
            md,
            sa.Column("learner_key", sa.String(64), primary_key=True),
            sa.Column("data", sa.Text, nullable=False),  # JSON object
            sa.Column("updated_at", sa.Double, nullable=False),
        )
    ]


classes, members, questions, votes = _v1_tables(metadata)
(progress,) = _v2_tables(metadata)
votes_by_student = sa.Index("ix_votes_student", votes.c.student_key)


def _create(conn: Connection, tables: Iterable[sa.Table]) -> None:
    for table in tables:
        conn.execute(sa.schema.CreateTable(table, if_not_exists=True))


def _migration_1(conn: Connection) -> None:
    # Frozen: a migration builds its own tables, so later edits of the ones above cannot
    # change what version 1 was.
    _create(conn, _v1_tables(sa.MetaData()))


def _migration_2(conn: Connection) -> None:
    md = sa.MetaData()
    (votes_v1,) = [t for t in _v1_tables(md) if t.name == "votes"]
    _create(conn, _v2_tables(md))
    index = sa.Index("ix_votes_student", votes_v1.c.student_key)
    conn.execute(sa.schema.CreateIndex(index, if_not_exists=True))


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Connection], None]


# In order; append new ones, never edit an applied one.
MIGRATIONS = (
    Migration(1, "classes, members, questions, votes", _migration_1),
    Migration(2, "saved progress; votes indexed by student", _migration_2),
)
LATEST = MIGRATIONS[-1].version


def current_version(engine: Engine) -> int:
    """The schema version of the database (0 when it has no schema yet)."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("schema_version"):
            return 0
        return conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0


def migrate(engine: Engine, upto: int | None = None) -> int:
    """Bring the database's schema up to version ``upto`` (default: the latest).

    Each missing migration runs in its own transaction with its ``schema_version`` row, under
    a lock (PostgreSQL: an advisory lock; SQLite: ``BEGIN IMMEDIATE``), and re-reads the
    version once it holds the lock, so concurrent callers apply each migration exactly once.

    Returns:
        The version the database is at afterwards.
    """
    target = LATEST if upto is None else upto
    prepare(engine)
    version = current_version(engine)
    if version >= target:  # the common case: no lock taken
        return version
    for migration in MIGRATIONS:
        if migration.version <= target:
            retry(lambda m=migration: _apply(engine, m))
    return current_version(engine)


def _apply(engine: Engine, migration: Migration) -> None:
    with engine.connect() as conn:
        _lock(conn)
        conn.execute(sa.schema.CreateTable(schema_version, if_not_exists=True))
        done = conn.execute(
            sa.select(schema_version.c.version).where(schema_version.c.version == migration.version)
        ).first()
        if done is None:
            migration.apply(conn)
            row = {"version": migration.version, "name": migration.name, "applied_at": now()}
            conn.execute(schema_version.insert().values(**row))
        conn.commit()


def _lock(conn: Connection) -> None:
    """Start the migration's transaction holding the database's migration lock."""
    name = conn.dialect.name
    if name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_ID})
    elif name == "sqlite":
        # pysqlite begins transactions lazily; take the write lock now, DDL included.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def prepare(engine: Engine) -> None:
    """SQLite only: WAL (readers never block the writer) and a busy timeout on every
    connection, so concurrent writers wait for the lock instead of failing."""
    if engine.dialect.name != "sqlite":
        return
    if not event.contains(engine, "connect", _sqlite_on_connect):
        event.listen(engine, "connect", _sqlite_on_connect)
    with engine.connect() as conn:
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")
        if conn.exec_driver_sql("PRAGMA journal_mode").scalar() != "wal":
            retry(lambda: conn.exec_driver_sql("PRAGMA journal_mode = WAL"))


def _sqlite_on_connect(dbapi_conn, _record) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")
    cursor.close()


def retry(action: Callable[[], T], attempts: int = 8) -> T:
    """Run ``action``; if SQLite reports the database busy or locked, wait and run it again.

    PostgreSQL writers queue on row locks by themselves; SQLite writers wait up to the busy
    timeout, but a transaction that read before writing can still be refused at once.
    """
    for attempt in range(attempts):
        try:
            return action()
        except OperationalError as exc:
            text = str(exc.orig).lower()
            if attempt == attempts - 1 or ("locked" not in text and "busy" not in text):
                raise
            time.sleep(random.uniform(0.01, 0.05) * 2**attempt)
    raise AssertionError("unreachable")


def upsert(conn: Connection, table: sa.Table, values: dict, keys: list[str]) -> None:
    """Insert a row, or update the other columns of the row with the same ``keys``.

    One statement (``INSERT ... ON CONFLICT DO UPDATE``) on SQLite and PostgreSQL, so two
    writers of the same key never lose a write or fail on the unique constraint.
    """
    name = conn.dialect.name
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:  # other backends: update, else insert (a racing insert surfaces as IntegrityError)
        where = sa.and_(*(table.c[k] == values[k] for k in keys))
        if conn.execute(table.update().where(where).values(**values)).rowcount == 0:
            conn.execute(table.insert().values(**values))
        return
    stmt = insert(table).values(**values)
    changes = {c: stmt.excluded[c] for c in values if c not in keys}
    conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=changes))


def now() -> float:
    return time.time()
