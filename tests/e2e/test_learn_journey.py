"""One learner's journey through the Learn page in real headless Chromium: all nine modes;
then the keyboard (Space shows a card, 1-4 answer) and progress that survives a reload.

Uses the ``page``, ``app_url`` and ``shots`` fixtures of ``tests/e2e/conftest.py``; the three
small page helpers are repeated here because that conftest is not an importable module.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from gradclip_core.quiz import load_bank

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e

IDLE = "[data-test-script-state='notRunning']"
EXCEPTION = "[data-testid='stException']"


def assert_no_exception(pg) -> None:
    errors = pg.locator(EXCEPTION)
    if errors.count():
        raise AssertionError("Streamlit exception on the page: " + errors.first.inner_text())


def wait_idle(pg, timeout: float = 60_000) -> None:
    """Let the rerun a click started begin, wait until it has finished, then check for errors."""
    pg.wait_for_timeout(250)
    pg.wait_for_selector(IDLE, timeout=timeout)
    assert_no_exception(pg)


def click(pg, selector: str, expect: str | None = None) -> None:
    """Click, wait for the rerun, and (if given) for text that proves it happened."""
    pg.locator(selector).first.click()
    wait_idle(pg)
    if expect:
        pg.get_by_text(expect).first.wait_for(timeout=30_000)


def mode(pg, label: str) -> None:
    """Pick a mode on the Learn page's segmented control."""
    pg.locator(".st-key-learn_mode button", has_text=label).first.click()
    wait_idle(pg)


def shot(pg, shots, name: str) -> None:
    assert_no_exception(pg)
    pg.screenshot(path=shots / f"{name}.png", full_page=True)


def read_and_review(page, shots) -> None:
    """Read, Cheat sheet and Flashcards."""
    click(page, ".st-key-learn_read_next button", expect="Lesson 2 of 7")
    shot(page, shots, "01-read")

    mode(page, "Cheat sheet")
    page.get_by_text("Download the cheat sheet").first.wait_for()
    shot(page, shots, "02-cheatsheet")

    mode(page, "Flashcards")
    click(page, ".st-key-learn_fc_show button", expect="Did you know it?")
    shot(page, shots, "03-flashcards")
    cards = len(load_bank(ROOT / "lessons" / "quiz").flashcards)
    click(page, ".st-key-learn_fc_good button", expect=f"1 of {cards} cards seen")
    page.get_by_text("you will see that card again in 10 minutes").first.wait_for()


def answer_quizzes(page, shots) -> None:
    """Multiple choice, Explain, True or false, Fill the code and Order the steps."""
    mode(page, "Multiple choice")
    click(page, ".st-key-learn_mc_option_1 button", expect="The right answer")
    shot(page, shots, "04-multiple-choice")

    mode(page, "Explain")
    box = page.locator("[class*='st-key-learn_explain_text_'] textarea").first
    box.fill("Clipping caps the gradient norm at a threshold so training stays stable.")
    box.press("Control+Enter")
    wait_idle(page)
    click(page, ".st-key-learn_explain_check button", expect="concepts")
    shot(page, shots, "05-explain")

    mode(page, "True or false")
    click(page, ".st-key-learn_tf_false button", expect="it is false")
    shot(page, shots, "06-true-false")

    mode(page, "Fill the code")
    field = page.locator("[class*='st-key-learn_fill_text_'] input").first
    field.fill("torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)")
    field.press("Enter")
    wait_idle(page)
    click(page, ".st-key-learn_fill_check button", expect="Right!")
    shot(page, shots, "07-fill-code")

    mode(page, "Order the steps")
    add = page.locator("[class*='st-key-learn_order_add_'] button")
    for placed in range(12):
        if not add.count():
            break
        add.first.click()
        wait_idle(page)
        if placed == 2:
            shot(page, shots, "08-order-building")
    click(page, ".st-key-learn_order_check button", expect="The right order")
    shot(page, shots, "08-order-checked")


def test_learn_journey(page, app_url, shots):
    page.goto(app_url)
    wait_idle(page)
    page.locator("[data-testid='stSidebarNav'] a", has_text="Learn").first.click()
    page.get_by_text("Learn gradient clipping").first.wait_for()
    wait_idle(page)
    read_and_review(page, shots)
    answer_quizzes(page, shots)

    mode(page, "Predict, then run")
    page.locator(
        "[class*='st-key-learn_predict_choice_'] [data-testid='stRadioOption']"
    ).first.click()
    wait_idle(page)
    click(page, ".st-key-learn_predict_lock button", expect="What happened")
    page.locator("[data-testid='stPlotlyChart']").first.wait_for()
    shot(page, shots, "09-predict")

    mode(page, "Summary")
    page.get_by_text("Download progress").first.wait_for()
    shot(page, shots, "10-summary")
    assert page.locator(EXCEPTION).count() == 0


def learner(pg) -> str | None:
    """The ``learner`` key in the page's link, if any."""
    return parse_qs(urlsplit(pg.url).query).get("learner", [None])[0]


def press(pg, key: str, expect: str | re.Pattern) -> None:
    """Press a key on the page (nothing focused), wait for the rerun and for ``expect``."""
    pg.keyboard.press(key)
    wait_idle(pg)
    pg.get_by_text(expect).first.wait_for(timeout=30_000)


def open_learn(pg, app_url: str) -> None:
    pg.goto(app_url)
    wait_idle(pg)
    pg.locator("[data-testid='stSidebarNav'] a", has_text="Learn").first.click()
    pg.get_by_text("Learn gradient clipping").first.wait_for()
    wait_idle(pg)


def test_keys_answer_and_a_reload_keeps_the_progress(page, app_url, shots):
    open_learn(page, app_url)
    assert learner(page) is None  # no answer yet: no key in the link
    mode(page, "Flashcards")
    press(page, "Space", "How well did you know it?")  # Space shows the answer
    shot(page, shots, "01-card-shown-with-space")
    press(page, "1", "you will see that card again in 1 minute")  # 1 is Again
    key = learner(page)
    assert key and len(key) >= 16
    cards = len(load_bank(ROOT / "lessons" / "quiz").flashcards)
    page.get_by_text(f"1 of {cards} cards seen").first.wait_for()
    press(page, " ", "How well did you know it?")
    press(page, "4", "you will see that card again in 8 days")  # 4 is Easy
    shot(page, shots, "02-rated-with-keys")

    mode(page, "Explain")  # keys typed into a text box are text, not answers
    box = page.locator("[class*='st-key-learn_explain_text_'] textarea").first
    box.click()
    box.press_sequentially("1 2 3")
    assert box.input_value() == "1 2 3"
    assert page.locator(".st-key-learn_explain_check button").count() == 1
    page.locator("h1").first.click()  # focus leaves the box

    mode(page, "Multiple choice")
    second = page.locator("[class*='st-key-learn_mc_option_'] button").nth(1).inner_text()
    press(page, "2", re.compile(r"^(Right|Not quite): "))  # 2 is the second option on screen
    feedback = page.locator("[data-testid='stAlert']").first.inner_text()
    assert second.strip()[:25] in feedback, (second, feedback)
    shot(page, shots, "03-option-picked-with-a-key")

    page.reload()  # a new session: the key in the link brings the progress back
    page.get_by_text("Learn gradient clipping").first.wait_for()
    wait_idle(page)
    page.get_by_text("Welcome back").first.wait_for()
    sidebar = page.locator("[data-testid='stSidebar']")
    assert "Flashcards: 1 of 2 right" in sidebar.inner_text()
    assert "Multiple choice: " in sidebar.inner_text()
    assert "not started" not in sidebar.inner_text().split("Multiple choice:")[1].split("\n")[0]
    assert learner(page) == key
    shot(page, shots, "04-after-reload")

    page.locator("[data-testid='stSidebarNav'] a", has_text="Playground").first.click()
    wait_idle(page)
    assert learner(page) is None  # the playground's link carries its settings only
    page.locator("[data-testid='stSidebarNav'] a", has_text="Learn").first.click()
    page.get_by_text("Learn gradient clipping").first.wait_for()
    wait_idle(page)
    page.wait_for_function("() => location.search.includes('learner=')")
    assert learner(page) == key
