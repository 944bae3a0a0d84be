"""What the class store returns: small frozen records, and the errors it raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from .validate import ClassroomError


class ClassNotFound(ClassroomError, LookupError):
    """No class has this code."""


class ClassEnded(ClassroomError):
    """The teacher ended the class: nobody joins, pushes or votes any more."""


class NotTeacher(ClassroomError, PermissionError):
    """The teacher key does not match the class's."""


class NicknameTaken(ClassroomError):
    """Another student of the class has this nickname; ``suggestion`` is a free one."""

    def __init__(self, message: str, suggestion: str) -> None:
        super().__init__(message)
        self.suggestion = suggestion


class NotMember(ClassroomError, PermissionError):
    """The student has not joined the question's class."""


class QuestionNotFound(ClassroomError, LookupError):
    """No question has this id."""


class QuestionClosed(ClassroomError):
    """Voting on the question is over."""


def when(seconds: float | None) -> datetime | None:
    """UNIX seconds as stored, as an aware UTC datetime."""
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


@dataclass(frozen=True)
class ClassInfo:
    code: str
    created_at: datetime
    ended_at: datetime | None  # None while the class runs
    members: int
    questions: int

    @property
    def ended(self) -> bool:
        return self.ended_at is not None


@dataclass(frozen=True)
class Member:
    id: int
    class_code: str
    nickname: str
    joined_at: datetime
    returning: bool = False  # this student key had joined before (a reload, another tab)


@dataclass(frozen=True)
class Question:
    id: int
    class_code: str
    position: int  # 1, 2, ... in the order the teacher pushed them
    kind: str  # predict | multiple-choice | true-false | explain
    item_id: str
    prompt: str
    options: tuple[str, ...]  # empty: free answers
    correct: tuple[str, ...]  # empty: not known (yet)
    pushed_at: datetime
    closed: bool  # voting is over
    revealed: bool  # students may see the distribution
    outcome: dict | None = field(default=None, compare=False)  # what a predict run did

    def __repr__(self) -> str:
        state = "revealed" if self.revealed else "closed" if self.closed else "open"
        return (
            f"Question(#{self.position} {self.kind} {self.item_id!r} in {self.class_code}, {state})"
        )


@dataclass(frozen=True)
class Vote:
    question_id: int
    class_code: str
    item_id: str
    answer: str
    detail: dict | None
    voted_at: datetime


@dataclass(frozen=True)
class SummaryRow:
    position: int
    item_id: str
    kind: str
    prompt: str
    votes: int
    right: int | None  # None when the question has no known correct answer
    percent_right: float | None
    top_wrong: str | None  # the most common wrong answer
    top_wrong_votes: int
    misconceptions: dict[str, int]  # name -> votes whose detail names it (explain items)
