"""Questions and votes of a live class: the teacher pushes, closes and reveals; students vote.

:class:`Voting` is the half of :class:`~gradclip_core.classroom.store.ClassStore` that deals
with questions; it needs only ``self.engine``.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from .access import check_id, close_open, question_record, teacher_class
from .records import NotMember, Question, QuestionClosed, QuestionNotFound, Vote, when
from .schema import members, now, questions, retry, upsert, votes
from .validate import (
    check_answer,
    check_correct,
    check_key,
    check_question,
    dump_json,
    normalize_code,
)


class Voting:
    """Questions and votes (see :class:`~gradclip_core.classroom.store.ClassStore`)."""

    engine: Engine

    # -- questions ------------------------------------------------------------------------

    def push_question(self, code: str, teacher_key: str, question: dict) -> int:
        """Ask the class a question (see :func:`.validate.check_question` for its fields).
        The class's previous question, if still open, closes. Returns the new question's id."""
        q = check_question(question)
        for attempt in range(3):
            try:
                return retry(lambda: self._push(code, teacher_key, q))
            except IntegrityError:  # another tab of the teacher pushed at the same moment
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _push(self, code: str, teacher_key: str, q: dict) -> int:
        with self.engine.begin() as conn:
            cls = teacher_class(conn, code, teacher_key)
            t = now()
            close_open(conn, cls.code, t)
            last = sa.select(sa.func.max(questions.c.position)).where(
                questions.c.class_code == cls.code
            )
            position = (conn.execute(last).scalar() or 0) + 1
            row = {
                **q,
                "class_code": cls.code,
                "position": position,
                "pushed_at": t,
                "options": json.dumps(q["options"]),
                "correct": json.dumps(q["correct"]),
            }
            return conn.execute(questions.insert().values(**row)).inserted_primary_key[0]

    def question(self, question_id: int) -> Question | None:
        """The question with this id, or ``None``."""
        query = sa.select(questions).where(questions.c.id == check_id(question_id))
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else question_record(row)

    def current_question(self, code: str) -> Question | None:
        """The class's latest question (open, closed or revealed), or ``None`` before the first."""
        query = (
            sa.select(questions)
            .where(questions.c.class_code == normalize_code(code))
            .order_by(questions.c.position.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else question_record(row)

    def questions(self, code: str) -> list[Question]:
        """All the class's questions in the order they were pushed."""
        query = (
            sa.select(questions)
            .where(questions.c.class_code == normalize_code(code))
            .order_by(questions.c.position)
        )
        with self.engine.connect() as conn:
            return [question_record(row) for row in conn.execute(query).all()]

    def close_question(self, question_id: int, teacher_key: str) -> None:
        """Stop the votes on a question (a vote after this is refused)."""
        self._teacher_update(question_id, teacher_key, reveal=False)

    def reveal(self, question_id: int, teacher_key: str) -> None:
        """Show the question's distribution to the students; closes the votes first."""
        self._teacher_update(question_id, teacher_key, reveal=True)

    def record_outcome(self, question_id: int, teacher_key: str, outcome: dict) -> None:
        """Store what a predict question's run did (a JSON object of at most 8 KB).

        If ``outcome`` has a ``"correct"`` entry (an option, or a list of them), it becomes the
        question's correct answer: for a predict question, the run decides who was right.
        """
        text = dump_json(outcome, "a run's outcome")
        q = self._require_question(question_id)
        values = {"outcome": text}
        if "correct" in outcome:
            values["correct"] = json.dumps(check_correct(outcome["correct"], list(q.options)))
        self._teacher_update(question_id, teacher_key, values=values)

    def _teacher_update(self, question_id, teacher_key, reveal=None, values=None) -> None:
        q = self._require_question(question_id)

        def update() -> None:
            with self.engine.begin() as conn:
                teacher_class(conn, q.class_code, teacher_key, allow_ended=True)
                t = now()
                where = questions.c.id == q.id
                if reveal is not None:
                    conn.execute(
                        questions.update()
                        .where(where, questions.c.closed_at.is_(None))
                        .values(closed_at=t)
                    )
                if reveal:
                    conn.execute(questions.update().where(where).values(revealed_at=t))
                if values:
                    conn.execute(questions.update().where(where).values(**values))

        retry(update)

    # -- votes ----------------------------------------------------------------------------

    def vote(self, question_id: int, student_key: str, answer: str, detail: dict | None = None):
        """Record a member's answer; a later vote on the same question replaces it.

        Args:
            question_id: from :meth:`push_question` / :meth:`current_question`.
            student_key: the key the student joined with.
            answer: one of the question's options (free text of up to 200 characters when
                it has none).
            detail: an optional JSON object of at most 8 KB, e.g. an explain answer's grade:
                ``{"misconceptions": ["clipping changes direction"]}``.

        Raises:
            ClassroomError: a malformed answer, detail or key; QuestionNotFound, NotMember,
                QuestionClosed (the question closed or the class ended).
        """
        check_key(student_key, "student key")
        detail_text = None if detail is None else dump_json(detail, "a vote's detail")
        q = self._require_question(question_id)
        answer = check_answer(answer, list(q.options))
        row = {
            "question_id": q.id,
            "student_key": student_key,
            "answer": answer,
            "detail": detail_text,
            "voted_at": now(),
        }
        retry(lambda: self._vote(q, row))

    def _vote(self, q: Question, row: dict) -> None:
        with self.engine.begin() as conn:
            joined = sa.select(members.c.id).where(
                members.c.class_code == q.class_code, members.c.student_key == row["student_key"]
            )
            if conn.execute(joined).first() is None:
                raise NotMember(f"join class {q.class_code} before answering its questions")
            upsert(conn, votes, row, ["question_id", "student_key"])
            # Checked after the write, under a share lock (PostgreSQL) or the write lock
            # (SQLite): a close that commits first wins, and this transaction rolls back.
            state = sa.select(questions.c.closed_at).where(questions.c.id == q.id)
            if conn.execute(state.with_for_update(read=True)).scalar() is not None:
                raise QuestionClosed(
                    f"voting on question {q.position} of class {q.class_code} is over; "
                    "wait for the teacher's next question"
                )

    def distribution(self, question_id: int) -> dict[str, int]:
        """Votes per answer (no names): every option in order, zeros included, then any
        other answers by count."""
        q = self._require_question(question_id)
        query = (
            sa.select(votes.c.answer, sa.func.count())
            .where(votes.c.question_id == q.id)
            .group_by(votes.c.answer)
        )
        with self.engine.connect() as conn:
            counts = dict(conn.execute(query).all())
        ordered = {o: counts.pop(o, 0) for o in q.options}
        return ordered | dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def votes_of(self, student_key: str) -> list[Vote]:
        """This student's votes in every class, oldest first."""
        check_key(student_key, "student key")
        query = (
            sa.select(votes, questions.c.class_code, questions.c.item_id)
            .join(questions, questions.c.id == votes.c.question_id)
            .where(votes.c.student_key == student_key)
            .order_by(votes.c.voted_at, votes.c.question_id)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            Vote(
                r.question_id,
                r.class_code,
                r.item_id,
                r.answer,
                None if r.detail is None else json.loads(r.detail),
                when(r.voted_at),
            )
            for r in rows
        ]

    def _require_question(self, question_id: int) -> Question:
        q = self.question(question_id)
        if q is None:
            raise QuestionNotFound(f"there is no question {question_id}; reload the class page")
        return q
