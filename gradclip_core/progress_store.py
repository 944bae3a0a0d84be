"""A learner's progress kept in the database, so it outlasts the browser session.

One JSON object per learner key (a random token the browser keeps, e.g. in the URL or a
cookie), with the time it was last saved. Same engine and schema as the class store
(:mod:`gradclip_core.classroom.schema`); no streamlit here.
"""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .classroom.records import when
from .classroom.schema import migrate, now, progress, retry, upsert
from .classroom.validate import ClassroomError, check_key, dump_json

MAX_PROGRESS_BYTES = 64_000  # a learner's scores are a few KB; refuse anything far bigger


class ProgressStoreError(ClassroomError):
    """Progress cannot be saved or read as asked; the message says why and what to do."""


class ProgressStore:
    """Saved progress on a SQLAlchemy engine (``st.connection("sql").engine`` in the app).

    Args:
        engine: the database; the schema is brought up to date on creation.
        max_bytes: the largest progress accepted, as compact JSON.

    Example::

        store = ProgressStore(engine)
        store.save(learner_key, {"version": 1, "modes": {...}})
        store.load(learner_key)       # the dict, or None if nothing was saved
    """

    def __init__(self, engine: Engine, max_bytes: int = MAX_PROGRESS_BYTES) -> None:
        self.engine = engine
        self.max_bytes = max_bytes
        migrate(engine)

    def __repr__(self) -> str:
        url = self.engine.url.render_as_string(hide_password=True)
        return f"ProgressStore({url!r}, max_bytes={self.max_bytes})"

    def save(self, learner_key: str, data: dict) -> None:
        """Replace the learner's saved progress with ``data`` (a JSON object).

        Raises:
            ProgressStoreError: a malformed key, data that is not a JSON object of finite
                values, or data larger than ``max_bytes`` as JSON.
        """
        key = _key(learner_key)
        try:
            text = dump_json(data, "saved progress", self.max_bytes)
        except ClassroomError as exc:
            raise ProgressStoreError(
                f"{exc}. Save less: keep the scores, not the answers' texts."
            ) from None
        row = {"learner_key": key, "data": text, "updated_at": now()}

        def write() -> None:
            with self.engine.begin() as conn:
                upsert(conn, progress, row, ["learner_key"])

        retry(write)

    def load(self, learner_key: str) -> dict | None:
        """The learner's saved progress, or ``None`` if nothing was saved under this key."""
        row = self._row(learner_key)
        return None if row is None else json.loads(row.data)

    def saved_at(self, learner_key: str) -> datetime | None:
        """When the learner's progress was last saved (UTC), or ``None``."""
        row = self._row(learner_key)
        return None if row is None else when(row.updated_at)

    def delete(self, learner_key: str) -> bool:
        """Forget the learner's progress; returns whether there was any."""
        key = _key(learner_key)

        def remove() -> int:
            with self.engine.begin() as conn:
                return conn.execute(progress.delete().where(progress.c.learner_key == key)).rowcount

        return retry(remove) > 0

    def _row(self, learner_key: str):
        query = sa.select(progress.c.data, progress.c.updated_at).where(
            progress.c.learner_key == _key(learner_key)
        )
        with self.engine.connect() as conn:
            return conn.execute(query).first()


def _key(learner_key: object) -> str:
    try:
        return check_key(learner_key, "learner key")
    except ClassroomError as exc:
        raise ProgressStoreError(str(exc)) from None
