"""Small AppTest steps the Learn page's tests share."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gradclip_core.lessons import load_lessons
from gradclip_core.quiz import load_bank
from ui.learn.state import new_round
from ui.learn.text import shuffled_steps

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "app_pages" / "learn.py")
BANK = load_bank(ROOT / "lessons" / "quiz")
LESSONS = load_lessons(ROOT / "lessons" / "read")
ALL_MODES = (
    "read",
    "cheatsheet",
    "flashcards",
    "multiple_choice",
    "explain",
    "true_false",
    "fill_code",
    "order",
    "predict",
    "summary",
)


@pytest.fixture(autouse=True)
def own_database(tmp_path, monkeypatch):
    """Saved progress goes to this test's own SQLite file, not the app's."""
    monkeypatch.setenv("GRADCLIP_DATABASE_URL", f"sqlite:///{tmp_path / 'learn.db'}")


def open_mode(mode: str, ids: list[str] | None = None) -> AppTest:
    """The Learn page on one mode; ``ids`` starts that mode's round on just these items."""
    at = AppTest.from_file(PAGE, default_timeout=60)
    if ids is not None:
        at.session_state[f"learn_{mode}_round"] = new_round(ids)
    at.run()
    return pick(at, mode)


def pick(at: AppTest, mode: str) -> AppTest:
    at.segmented_control(key="learn_mode").set_value(mode).run()
    assert not at.exception, at.exception
    return at


def progress_of(at: AppTest, mode: str) -> tuple[int, int, list[str]]:
    m = at.session_state["learn_progress"].mode(mode)
    return m.answered, m.correct, list(m.to_review)


def reset(at: AppTest, mode: str) -> AppTest:
    """Reset from the Summary, then come back to ``mode``."""
    pick(at, "summary")
    click(at, "learn_reset")
    assert all(m.answered == 0 for m in at.session_state["learn_progress"].modes.values())
    return pick(at, mode)


def bar(at: AppTest) -> str:
    return at.get("progress")[0].text


def click(at: AppTest, key: str) -> AppTest:
    """Click the button ``key`` and rerun; the page must not raise."""
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def texts(elements) -> str:
    """The values of ``elements`` as one string."""
    return " ".join(e.value for e in elements)


def build_order(at: AppTest, item, steps: list[str]) -> None:
    shown = shuffled_steps(item)
    for step in steps:
        click(at, f"learn_order_add_{shown.index(step)}")
