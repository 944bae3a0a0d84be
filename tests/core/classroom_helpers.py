"""What the class-store tests share: a teacher key, a multiple-choice question, hypothesis
settings for junk, a class with students, the tables of a database (the ``engine`` and ``store``
fixtures are in conftest.py)."""

from __future__ import annotations

import sqlalchemy as sa
from hypothesis import HealthCheck, settings

from gradclip_core.classroom import ClassStore, new_key

TEACHER = "teacher-key-0123456789"
MC = {
    "kind": "multiple-choice",
    "item_id": "mc-direction",
    "prompt": "What does clipping by norm keep?",
    "options": ["direction", "length", "sign of each entry"],
    "correct": "direction",
}
JUNK = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def make_class(store: ClassStore, students: int = 0) -> tuple[str, list[str]]:
    """A class and the keys of its students, who joined as "Student 0", "Student 1", ..."""
    code = store.create_class(TEACHER)
    keys = [new_key() for _ in range(students)]
    for i, key in enumerate(keys):
        store.join(code, f"Student {i}", key)
    return code, keys


def tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())
