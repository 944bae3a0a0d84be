"""Live class sessions in a SQL database (SQLite file by default, PostgreSQL when configured).

The teacher starts a class and gets a 5-character join code; students join with a nickname;
the teacher pushes questions (predict, multiple-choice, true-false, explain), students vote,
the teacher closes and reveals the distribution, and a summary (also as CSV) says how the class
did. Every call takes a SQLAlchemy ``Engine`` (``st.connection("sql").engine`` in the app) and
uses bound parameters only. No streamlit here: the pages come on top.

- :mod:`.schema`: tables and versioned migrations (``schema_version``), shared with
  :class:`gradclip_core.progress_store.ProgressStore`.
- :mod:`.validate`: codes, keys, nicknames, questions and answers, with messages that say
  what is allowed.
- :mod:`.store`: :class:`ClassStore`, the API (classes, members, reports), with its
  questions and votes in :mod:`.voting` and shared look-ups in :mod:`.access`.
- :mod:`.records`: the records it returns and the errors it raises.
- :mod:`.report`: the summary and its CSV.
"""

from .records import (
    ClassEnded,
    ClassInfo,
    ClassNotFound,
    Member,
    NicknameTaken,
    NotMember,
    NotTeacher,
    Question,
    QuestionClosed,
    QuestionNotFound,
    SummaryRow,
    Vote,
)
from .schema import LATEST, MIGRATIONS, current_version, migrate
from .store import ClassStore
from .validate import CODE_ALPHABET, KINDS, ClassroomError, new_key

__all__ = [
    "CODE_ALPHABET",
    "KINDS",
    "LATEST",
    "MIGRATIONS",
    "ClassEnded",
    "ClassInfo",
    "ClassNotFound",
    "ClassStore",
    "ClassroomError",
    "Member",
    "NicknameTaken",
    "NotMember",
    "NotTeacher",
    "Question",
    "QuestionClosed",
    "QuestionNotFound",
    "SummaryRow",
    "Vote",
    "current_version",
    "migrate",
    "new_key",
]
