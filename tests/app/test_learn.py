"""The Learn page with AppTest, driven by widget keys: every mode, right, wrong and reset."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from gradclip_core.quiz.progress import MODES, Progress, progress_to_json
from tests.app.learn_helpers import (  # noqa: F401  own_database: each test's own database
    ALL_MODES,
    BANK,
    LESSONS,
    PAGE,
    ROOT,
    bar,
    build_order,
    click,
    open_mode,
    own_database,
    pick,
    progress_of,
    reset,
    texts,
)
from ui.learn import content as learn_content
from ui.learn.state import new_round
from ui.learn.text import shuffled_steps


@pytest.mark.parametrize("mode", ALL_MODES)
def test_every_mode_loads(mode):
    at = open_mode(mode)
    assert not at.error, texts(at.error)
    assert "Your progress" in texts(at.sidebar.subheader)


# --- read and cheat sheet ------------------------------------------------------------------
def test_read_moves_through_the_lessons():
    at = open_mode("read")
    assert bar(at) == f"Lesson 1 of {len(LESSONS)}"
    assert at.header[0].value == LESSONS[0].title
    assert at.button(key="learn_read_prev").disabled
    click(at, "learn_read_next")
    assert bar(at) == f"Lesson 2 of {len(LESSONS)}"
    assert at.header[0].value == LESSONS[1].title
    assert "```python" in texts(at.markdown) or at.get("code")  # code blocks come through
    click(at, "learn_read_prev")
    assert at.header[0].value == LESSONS[0].title


def test_see_it_live_opens_the_playground_on_the_lessons_preset():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("app_pages/learn.py").run()
    click(at, "learn_read_next")  # lesson 2 uses another preset than the default page
    click(at, "learn_read_live")
    assert at.session_state["w_preset"] == LESSONS[1].preset
    assert "load_preset" not in at.session_state  # the playground consumed it


def test_cheat_sheet_renders_with_a_download():
    at = open_mode("cheatsheet")
    assert "one page" in texts(at.markdown)
    assert at.get("download_button")[0].label.startswith("Download the cheat sheet")


def test_broken_content_shows_the_error_not_a_traceback(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "lessons", tmp_path / "lessons")
    broken = tmp_path / "lessons" / "quiz" / "01_flashcards.toml"
    broken.write_text(broken.read_text().replace('level = "beginner"', 'level = "expert"', 1))
    monkeypatch.setattr(learn_content, "LESSONS_DIR", tmp_path / "lessons")
    at = open_mode("flashcards")
    assert "01_flashcards.toml" in texts(at.error) and "allowed" in texts(at.error)
    pick(at, "read")  # the lessons do not depend on the quiz bank
    assert not at.error and at.header[0].value == LESSONS[0].title


# --- flashcards ---------------------------------------------------------------------------
def current_card(at: AppTest) -> str:
    return at.session_state["learn_fc_current"][1]


def test_flashcards_show_rate_and_the_next_due_time_in_words():
    at = open_mode("flashcards")
    first = current_card(at)
    assert "A new card." in texts(at.caption)
    click(at, "learn_fc_show")
    assert [b.label for b in at.button if b.key.startswith("learn_fc_")] == [
        "Again",
        "Hard",
        "Good",
        "Easy",
    ]
    assert "Again in 1 minute · Hard in 6 minutes · Good in 10 minutes" in texts(at.caption)
    click(at, "learn_fc_again")
    assert "**Again**: you will see that card again in 1 minute." in texts(at.caption)
    assert progress_of(at, "flashcards") == (1, 0, [first])
    assert current_card(at) != first  # not due for a minute: a new card comes first
    assert bar(at).startswith(f"1 of {len(BANK.flashcards)} cards seen")
    click(at, "learn_fc_show")
    click(at, "learn_fc_good")
    assert "you will see that card again in 10 minutes" in texts(at.caption)
    reset(at, "flashcards")
    assert progress_of(at, "flashcards") == (0, 0, [])
    assert len(at.session_state["learn_progress"].schedule) == 0
    assert bar(at).startswith("0 of ")


def test_a_card_rated_again_comes_back_first_once_it_is_due():
    start = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["learn_clock"] = start  # the schedule's clock, passed in: no patching
    at.run()
    pick(at, "flashcards")
    first = current_card(at)
    click(at, "learn_fc_show")
    click(at, "learn_fc_again")
    assert current_card(at) != first
    at.session_state["learn_clock"] = start + timedelta(minutes=2)
    click(at, "learn_fc_show")
    click(at, "learn_fc_good")  # rating the card on screen lets the due one come first
    assert current_card(at) == first
    assert "Back again: you marked this card Again." in texts(at.caption)


def test_flashcard_levels_then_all_caught_up_and_study_early():
    advanced = [c for c in BANK.flashcards if c.level == "advanced"]
    at = open_mode("flashcards")
    at.pills(key="learn_fc_levels").set_value(["advanced"]).run()
    assert bar(at).startswith(f"0 of {len(advanced)} cards")
    for _ in advanced:
        assert BANK.by_id(current_card(at)).level == "advanced"
        click(at, "learn_fc_show")
        click(at, "learn_fc_easy")
    assert "you will see that card again in 8 days" in texts(at.caption)
    assert "All caught up" in texts(at.success) and "due in 8 days" in texts(at.success)
    click(at, "learn_fc_early")
    assert BANK.by_id(current_card(at)).level == "advanced"
    assert at.button(key="learn_fc_show")
    at.pills(key="learn_fc_levels").set_value([]).run()
    assert "Pick at least one level" in texts(at.info)


# --- multiple choice and true or false --------------------------------------------------------
def test_multiple_choice_right_wrong_retry_and_reset():
    q1, q2 = BANK.multiple_choice[:2]
    at = open_mode("multiple_choice", [q1.id, q2.id])
    wrong = next(j for j, o in enumerate(q1.options) if not o.correct)
    click(at, f"learn_mc_option_{wrong}")
    assert "Not quite" in texts(at.error)
    assert q1.options[q1.answer_index].text in texts(at.info).replace("\\", "")
    click(at, "learn_mc_next")
    click(at, f"learn_mc_option_{q2.answer_index}")
    assert "Right" in texts(at.success)
    assert bar(at).endswith("1 of 2 right so far")
    click(at, "learn_mc_next")
    assert "1 of 2 right" in texts(at.info)
    assert progress_of(at, "multiple_choice") == (2, 1, [q1.id])
    click(at, "learn_mc_retry")
    assert bar(at) == "Question 1 of 1"
    click(at, f"learn_mc_option_{q1.answer_index}")
    assert progress_of(at, "multiple_choice") == (3, 2, [])
    reset(at, "multiple_choice")
    assert progress_of(at, "multiple_choice") == (0, 0, [])
    assert bar(at) == f"Question 1 of {len(BANK.multiple_choice)}"


def test_true_false_right_wrong_and_reset():
    s1, s2 = BANK.true_false[:2]
    at = open_mode("true_false", [s1.id, s2.id])
    click(at, f"learn_tf_{str(s1.answer).lower()}")
    assert "Right" in texts(at.success)
    click(at, "learn_tf_next")
    click(at, f"learn_tf_{str(not s2.answer).lower()}")
    assert f"the statement is {str(s2.answer).lower()}" in texts(at.error)
    assert progress_of(at, "true_false") == (2, 1, [s2.id])
    reset(at, "true_false")
    assert bar(at) == f"Statement 1 of {len(BANK.true_false)}"


# --- explain and fill in the code -------------------------------------------------------------
def test_explain_grades_concepts_and_shows_the_model_answer():
    item = BANK.explain[0]
    at = open_mode("explain", [item.id])
    click(at, "learn_explain_check")  # nothing typed: a friendly nudge, not a grade
    assert "Write a few sentences" in texts(at.info)
    assert progress_of(at, "explain") == (0, 0, [])
    at.text_area(key=f"learn_explain_text_{item.id}").input("I am not sure, maybe speed").run()
    click(at, "learn_explain_check")
    total = len(item.concepts)
    assert f"You got 0/{total} concepts" in texts(at.error)
    assert item.concepts[0].name in texts(at.markdown).replace("\\", "")  # hints at the gaps
    assert at.expander[0].label == "Model answer"
    assert progress_of(at, "explain") == (1, 0, [item.id])
    at.text_area(key=f"learn_explain_text_{item.id}").input(item.model_answer).run()
    click(at, "learn_explain_check")
    assert f"You got {total}/{total} concepts" in texts(at.success)
    assert progress_of(at, "explain") == (1, 0, [item.id])  # the first try is the one counted
    reset(at, "explain")
    at.text_area(key=f"learn_explain_text_{item.id}").input(item.model_answer).run()
    click(at, "learn_explain_check")
    assert progress_of(at, "explain") == (1, 1, [])


def test_fill_code_right_wrong_reveal_and_reset():
    a, b, c = BANK.fill_code[:3]
    at = open_mode("fill_code", [a.id, b.id, c.id])
    click(at, "learn_fill_check")
    assert "Type what goes in the blank" in texts(at.info)
    at.text_input(key=f"learn_fill_text_{a.id}").input(a.answers[0]).run()
    click(at, "learn_fill_check")
    assert "Right" in texts(at.success)
    click(at, "learn_fill_next")
    at.text_input(key=f"learn_fill_text_{b.id}").input("clip_everything()").run()
    click(at, "learn_fill_check")
    assert "Not quite" in texts(at.error) and b.answers[0] in texts(at.error)
    click(at, "learn_fill_next")
    click(at, "learn_fill_reveal")
    assert c.answers[0] in texts(at.info)
    assert progress_of(at, "fill_code") == (3, 1, [b.id, c.id])
    reset(at, "fill_code")
    assert progress_of(at, "fill_code") == (0, 0, [])


# --- order ------------------------------------------------------------------------------------
def test_order_right_wrong_undo_and_reset():
    a, b = BANK.order[:2]
    at = open_mode("order", [a.id, b.id])
    assert shuffled_steps(a) != list(a.steps)
    assert at.button(key="learn_order_check").disabled
    build_order(at, a, list(a.steps[:2]))
    click(at, "learn_order_undo")
    click(at, "learn_order_clear")
    assert "Click the step that comes first" in texts(at.caption)
    build_order(at, a, list(a.steps))
    click(at, "learn_order_check")
    assert "Right" in texts(at.success)
    click(at, "learn_order_next")
    swapped = list(b.steps)
    swapped[2], swapped[3] = swapped[3], swapped[2]
    build_order(at, b, swapped)
    click(at, "learn_order_check")
    assert f"Step 3: `{b.steps[3]}` must come after `{b.steps[2]}`" in texts(at.error)
    assert progress_of(at, "order") == (2, 1, [b.id])
    reset(at, "order")
    assert bar(at) == f"Puzzle 1 of {len(BANK.order)}"


# --- predict ----------------------------------------------------------------------------------
def test_predict_runs_the_engine_and_compares():
    fast = next(s for s in BANK.predict if s.id == "pr-mlp-noclip")  # diverges in 3 steps
    at = open_mode("predict", [fast.id])
    assert at.button(key="learn_predict_lock")
    at.radio(key=f"learn_predict_choice_{fast.id}").set_value(0).run()
    click(at, "learn_predict_lock")
    assert "correct!" in texts(at.success)
    assert at.metric[0].label == "What happened: diverged at step"
    assert at.get("plotly_chart")
    assert "diverged at step" in texts(at.caption)
    assert progress_of(at, "predict") == (1, 1, [])
    reset(at, "predict")
    at.session_state["learn_predict_round"] = new_round([fast.id])
    at.run()
    at.radio(key=f"learn_predict_choice_{fast.id}").set_value(1).run()
    click(at, "learn_predict_lock")
    assert f"the answer is “{fast.choices[0]}”" in texts(at.error)
    assert progress_of(at, "predict") == (1, 0, [fast.id])


# --- summary and the progress file ------------------------------------------------------------
def test_progress_download_and_upload_round_trip():
    q = BANK.multiple_choice[0]
    at = open_mode("multiple_choice", [q.id])
    click(at, f"learn_mc_option_{(q.answer_index + 1) % len(q.options)}")
    pick(at, "summary")
    assert at.get("download_button")[0].label == "Download progress"
    assert at.dataframe[0].value["Answered"].tolist() == [1]
    assert "Review my weak items" in [h.value for h in at.subheader]
    assert at.button(key=f"learn_weak_multiple_choice_{q.id}")  # listed to review
    saved = progress_to_json(at.session_state["learn_progress"])
    click(at, "learn_reset")
    assert at.session_state["learn_progress"] == Progress()
    at.file_uploader(key="learn_upload").upload("progress.json", saved.encode()).run()
    assert not at.exception
    assert "Loaded your progress" in texts(at.success)
    assert progress_to_json(at.session_state["learn_progress"]) == saved


def test_junk_upload_shows_an_error_and_keeps_progress():
    q = BANK.multiple_choice[0]
    at = open_mode("multiple_choice", [q.id])
    click(at, f"learn_mc_option_{q.answer_index}")
    pick(at, "summary")
    before = progress_to_json(at.session_state["learn_progress"])
    at.file_uploader(key="learn_upload").upload("junk.json", b"\x00not json{").run()
    assert not at.exception
    assert "not valid JSON" in texts(at.error) and "unchanged" in texts(at.error)
    assert progress_to_json(at.session_state["learn_progress"]) == before
    assert set(at.session_state["learn_progress"].modes) <= set(MODES)


def test_a_trip_to_the_playground_comes_back_to_the_same_mode():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("app_pages/learn.py").run()
    pick(at, "true_false")
    at.switch_page("app_pages/playground.py").run()
    at.switch_page("app_pages/learn.py").run()
    assert not at.exception
    assert at.segmented_control(key="learn_mode").value == "true_false"
    assert not at.warning  # no "default value and Session State" warning
