"""The learning side of the engine: quiz items, banks, grading, checks and saved progress.

Modules, each importing only what it needs from the others (no cycle):

- :mod:`.items`: the item dataclasses and the modes' names;
- :mod:`.bank`: loading and validating the TOML banks of ``lessons/quiz/`` (and
  :mod:`.order`, :mod:`.claims` for order items and explain prompts);
- :mod:`.grading`: the explanation grader (:mod:`.text`, :mod:`.match` with :mod:`.wordmatch`,
  :mod:`.call_order`);
- :mod:`.checks`: fill-in-the-code and order checks;
- :mod:`.progress`: a flashcard session and the learner's saved scores.

Everything public is re-exported here: ``from gradclip_core.quiz import load_bank, Grade``.
Lessons (``lessons/read/``) load through :mod:`gradclip_core.lessons`, re-exported too.
"""

from gradclip_core.lessons import (
    ContentError,
    Lesson,
    load_cheatsheet,
    load_lessons,
    load_lessons_report,
)
from gradclip_core.quiz.bank import load_bank, load_bank_report
from gradclip_core.quiz.checks import (
    OrderMistake,
    check_fill,
    check_order,
    mistake_text,
    order_mistake,
    right_orders,
    rule_text,
)
from gradclip_core.quiz.deck import FlashcardDeck
from gradclip_core.quiz.grading import Grade, dead_claims, grade_explanation
from gradclip_core.quiz.items import (
    BLANK,
    CLIP_MODES,
    LEVELS,
    MAX_ORDER_STEPS,
    MAX_PREDICT_STEPS,
    MODE_FILES,
    OVERRIDE_TYPES,
    SOURCES,
    Bank,
    CallOrder,
    Concept,
    ExplainPrompt,
    FillCode,
    Flashcard,
    Misconception,
    MultipleChoice,
    Option,
    OrderItem,
    OrderRule,
    PredictScenario,
    TrueFalse,
)
from gradclip_core.quiz.progress import (
    MODES,
    ModeProgress,
    Progress,
    ProgressError,
    progress_from_json,
    progress_to_json,
)
from gradclip_core.quiz.text import MAX_ANSWER_CHARS

__all__ = [
    "BLANK",
    "CLIP_MODES",
    "LEVELS",
    "MAX_ANSWER_CHARS",
    "MAX_ORDER_STEPS",
    "MAX_PREDICT_STEPS",
    "MODES",
    "MODE_FILES",
    "OVERRIDE_TYPES",
    "SOURCES",
    "Bank",
    "CallOrder",
    "Concept",
    "ContentError",
    "ExplainPrompt",
    "FillCode",
    "Flashcard",
    "FlashcardDeck",
    "Grade",
    "Lesson",
    "Misconception",
    "ModeProgress",
    "MultipleChoice",
    "Option",
    "OrderItem",
    "OrderMistake",
    "OrderRule",
    "PredictScenario",
    "Progress",
    "ProgressError",
    "TrueFalse",
    "check_fill",
    "check_order",
    "dead_claims",
    "grade_explanation",
    "load_bank",
    "load_bank_report",
    "load_cheatsheet",
    "load_lessons",
    "load_lessons_report",
    "mistake_text",
    "order_mistake",
    "progress_from_json",
    "progress_to_json",
    "right_orders",
    "rule_text",
]
