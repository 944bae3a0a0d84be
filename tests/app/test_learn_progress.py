"""Progress that lasts (AppTest): the learner's key in the link, the progress in the database.

Each test has its own SQLite file (``GRADCLIP_DATABASE_URL``); two ``AppTest`` sessions with
the same key are two visits, and clearing ``ui.db._stores`` is a server restart. Also: the
multiple-choice shuffle per learner, and the weak-items list that opens each item.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine
from streamlit.testing.v1 import AppTest

from gradclip_core.classroom import new_key
from gradclip_core.progress_store import ProgressStore
from gradclip_core.quiz import load_bank
from gradclip_core.quiz.progress import progress_to_json
from tests.app.learn_helpers import click, texts
from ui import share
from ui.learn.choice import option_order
from ui.learn.state import new_round

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "app_pages" / "learn.py")
APP = str(ROOT / "app.py")
BANK = load_bank(ROOT / "lessons" / "quiz")
Q1, Q2 = BANK.multiple_choice[:2]


@pytest.fixture
def store(tmp_path, monkeypatch) -> ProgressStore:
    """The app's database for this test, and a store on it to look inside."""
    url = f"sqlite:///{tmp_path / 'progress.db'}"
    monkeypatch.setenv("GRADCLIP_DATABASE_URL", url)
    return ProgressStore(create_engine(url))


def visit(key: str | None = None, mode: str | None = None, ids=None) -> AppTest:
    """A new browser session on the Learn page, with ``?learner=key`` if given."""
    at = AppTest.from_file(PAGE, default_timeout=60)
    if key is not None:
        at.query_params["learner"] = key
    if ids is not None:
        at.session_state[f"learn_{mode}_round"] = new_round(ids)
    at.run()
    assert not at.exception, at.exception
    if mode is not None:
        at.segmented_control(key="learn_mode").set_value(mode).run()
        assert not at.exception, at.exception
    return at


def saved_json(at: AppTest) -> str:
    return progress_to_json(at.session_state["learn_progress"])


def wrong(q) -> int:
    return next(j for j, o in enumerate(q.options) if not o.correct)


def practise(at: AppTest) -> None:
    """One wrong multiple-choice answer, then Next; one flashcard rated Again."""
    click(at, f"learn_mc_option_{wrong(Q1)}")
    click(at, "learn_mc_next")
    at.segmented_control(key="learn_mode").set_value("flashcards").run()
    click(at, "learn_fc_show")
    click(at, "learn_fc_again")


# --- saved and loaded ---------------------------------------------------------------------
def test_a_new_learner_gets_a_key_in_the_link_on_the_first_answer(store):
    at = visit(mode="multiple_choice", ids=[Q1.id, Q2.id])
    assert "learner" not in at.query_params  # reading and looking around save nothing
    click(at, f"learn_mc_option_{Q1.answer_index}")
    key = at.query_params["learner"]
    assert len(key) >= 16 and key == at.session_state["learn_learner"]
    assert store.load(key)["modes"]["multiple_choice"]["correct"] == 1
    assert "Saved under this page's link" in texts(at.sidebar.caption)


def test_a_second_visit_with_the_key_sees_the_first_ones_progress(store):
    first = visit(mode="multiple_choice", ids=[Q1.id, Q2.id])
    practise(first)
    key = first.query_params["learner"]
    second = visit(key)
    assert saved_json(second) == saved_json(first)  # scores and the flashcard schedule
    assert len(second.session_state["learn_progress"].schedule) == 1
    assert "Welcome back" in texts(second.toast)
    assert second.segmented_control(key="learn_mode").value == "flashcards"  # the place
    assert second.query_params["learner"] == key
    second.segmented_control(key="learn_mode").set_value("multiple_choice").run()
    assert second.get("progress")[0].text.startswith("Question 2 of 2")


def test_progress_survives_a_server_restart(store):
    from ui.db import _stores

    first = visit(mode="multiple_choice", ids=[Q1.id])
    click(first, f"learn_mc_option_{wrong(Q1)}")
    key = first.query_params["learner"]
    _stores.clear()  # a server restart: new stores, same database
    again = visit(key)
    assert saved_json(again) == saved_json(first)
    assert again.session_state["learn_progress"].mode("multiple_choice").to_review == [Q1.id]


def test_each_answer_is_saved_before_the_next(store):
    at = visit(mode="true_false", ids=[s.id for s in BANK.true_false[:2]])
    s1, s2 = BANK.true_false[:2]
    click(at, f"learn_tf_{str(s1.answer).lower()}")
    key = at.query_params["learner"]
    assert store.load(key)["modes"]["true_false"]["answered"] == 1
    click(at, "learn_tf_next")
    click(at, f"learn_tf_{str(not s2.answer).lower()}")
    saved = store.load(key)
    assert saved["modes"]["true_false"] == {"answered": 2, "correct": 1, "to_review": [s2.id]}
    assert saved["place"]["rounds"]["true_false"]["pos"] == 1


def test_start_over_clears_the_stored_copy_and_keeps_the_key(store):
    at = visit(mode="multiple_choice", ids=[Q1.id])
    click(at, f"learn_mc_option_{wrong(Q1)}")
    key = at.query_params["learner"]
    assert store.load(key) is not None
    at.segmented_control(key="learn_mode").set_value("summary").run()
    assert at.button(key="learn_reset").label == "Start over"
    click(at, "learn_reset")
    assert store.load(key) is None
    assert at.query_params["learner"] == key
    fresh = visit(key)
    assert not fresh.session_state["learn_progress"].practised


def test_loading_a_progress_file_replaces_the_stored_copy(store):
    at = visit(mode="multiple_choice", ids=[Q1.id])
    click(at, f"learn_mc_option_{Q1.answer_index}")
    key = at.query_params["learner"]
    file = saved_json(at)
    click(at, "learn_mc_next")
    at.segmented_control(key="learn_mode").set_value("summary").run()
    click(at, "learn_reset")
    at.file_uploader(key="learn_upload").upload("progress.json", file.encode()).run()
    assert "Loaded your progress" in texts(at.success)
    assert store.load(key)["modes"] == {
        "multiple_choice": {"answered": 1, "correct": 1, "to_review": []}
    }


# --- bad, unknown and unreadable keys -----------------------------------------------------
@pytest.mark.parametrize("bad", ["short", "x" * 65, "has space in it 123456", "a/b" * 8])
def test_a_malformed_key_gives_a_message_and_fresh_progress(store, bad):
    other = new_key()
    store.save(other, {"version": 1, "modes": {"explain": {"answered": 1}}})
    at = visit(bad, mode="multiple_choice", ids=[Q1.id])
    assert "is not a progress key" in texts(at.warning)
    assert "learner" not in at.query_params
    assert not at.session_state["learn_progress"].practised
    click(at, f"learn_mc_option_{Q1.answer_index}")
    key = at.query_params["learner"]
    assert key != bad and store.load(key) is not None
    assert not at.warning  # the message goes once the new key holds the progress
    assert store.load(other) == {"version": 1, "modes": {"explain": {"answered": 1}}}


def test_an_unknown_key_starts_fresh_and_is_used_from_then_on(store):
    key = new_key()
    at = visit(key, mode="multiple_choice", ids=[Q1.id])
    assert "No progress is saved under this link's key yet" in texts(at.info)
    click(at, f"learn_mc_option_{Q1.answer_index}")
    assert at.query_params["learner"] == key
    assert store.load(key)["modes"]["multiple_choice"]["answered"] == 1


def test_an_unreadable_stored_copy_is_left_alone(store):
    key = new_key()
    damaged = {"version": 9, "modes": {}}
    store.save(key, damaged)
    at = visit(key, mode="multiple_choice", ids=[Q1.id])
    assert "cannot be read" in texts(at.warning) and "version 9" in texts(at.warning)
    click(at, f"learn_mc_option_{Q1.answer_index}")
    assert at.query_params["learner"] != key
    assert store.load(key) == damaged  # kept for whoever can mend it


def test_a_database_that_cannot_be_reached_never_stops_practice(tmp_path, monkeypatch):
    from ui.db import _stores

    _stores.clear()
    monkeypatch.setenv("GRADCLIP_DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    at = visit(new_key(), mode="multiple_choice", ids=[Q1.id])
    assert "cannot be reached right now" in texts(at.error)
    click(at, f"learn_mc_option_{Q1.answer_index}")
    assert at.session_state["learn_progress"].mode("multiple_choice").correct == 1


# --- the key across pages, never in a shared link -----------------------------------------
def test_the_key_comes_back_to_the_link_after_the_playground_and_stays_out_of_its_link(
    store, monkeypatch
):
    monkeypatch.setattr("streamlit.net_util.get_internal_ip", lambda: "192.168.1.23")
    monkeypatch.delenv(share.PUBLIC_URL_ENV, raising=False)
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.switch_page("app_pages/learn.py").run()
    at.segmented_control(key="learn_mode").set_value("true_false").run()
    s = at.session_state["learn_true_false_round"]["ids"][0]
    click(at, f"learn_tf_{str(BANK.by_id(s).answer).lower()}")
    key = at.query_params["learner"]
    at.switch_page("app_pages/playground.py").run()
    assert not at.exception, at.exception
    assert "learner" not in at.query_params  # the playground's link is its settings only
    links = [c.value for c in at.code if c.value.startswith("http")]
    assert links and all(key not in link and "learner" not in link for link in links)
    at.switch_page("app_pages/learn.py").run()
    assert at.query_params["learner"] == key
    assert at.session_state["learn_progress"].mode("true_false").answered == 1


# --- multiple choice: options shuffled per learner ----------------------------------------
def shown_options(at: AppTest) -> list[str]:
    return [b.key for b in at.button if b.key and b.key.startswith("learn_mc_option_")]


def test_the_option_order_is_stable_per_learner_and_differs_across_learners(store):
    key = new_key()
    first = visit(key, mode="multiple_choice", ids=[Q1.id])
    order = shown_options(first)
    assert order == [f"learn_mc_option_{j}" for j in option_order(Q1, key)]
    assert shown_options(visit(key, mode="multiple_choice", ids=[Q1.id])) == order  # reload
    orders = {tuple(option_order(q, key)) for q in BANK.multiple_choice}
    assert len(orders) > 1  # not one permutation for every question
    keys = ["A" * 20, "B" * 20, "C" * 20, "D" * 20]
    per_learner = {tuple(tuple(option_order(q, k)) for q in BANK.multiple_choice) for k in keys}
    assert len(per_learner) == len(keys)
    assert sorted(option_order(Q1, key)) == list(range(len(Q1.options)))


def test_the_right_answer_is_checked_by_the_option_not_its_place(store):
    for key in ("A" * 20, "B" * 20):
        at = visit(key, mode="multiple_choice", ids=[Q1.id])
        place = shown_options(at).index(f"learn_mc_option_{Q1.answer_index}")
        assert place == option_order(Q1, key).index(Q1.answer_index)
        click(at, f"learn_mc_option_{Q1.answer_index}")
        assert "Right" in texts(at.success)
        assert Q1.options[Q1.answer_index].text in texts(at.success).replace("\\", "")


# --- review my weak items -----------------------------------------------------------------
def test_each_weak_item_opens_in_its_mode(store):
    at = visit(mode="multiple_choice", ids=[Q1.id, Q2.id])
    practise(at)
    card = at.session_state["learn_progress"].mode("flashcards").to_review[0]
    at.segmented_control(key="learn_mode").set_value("summary").run()
    assert "Review my weak items" in texts(at.subheader)
    weak = [b.key for b in at.button if b.key and b.key.startswith("learn_weak_")]
    assert weak == [f"learn_weak_flashcards_{card}", f"learn_weak_multiple_choice_{Q1.id}"]
    click(at, f"learn_weak_multiple_choice_{Q1.id}")
    assert at.segmented_control(key="learn_mode").value == "multiple_choice"
    assert at.get("progress")[0].text == "Question 1 of 1"
    assert Q1.prompt[:30] in texts(at.markdown).replace("\\", "")
    click(at, f"learn_mc_option_{Q1.answer_index}")
    at.segmented_control(key="learn_mode").set_value("summary").run()
    click(at, f"learn_weak_flashcards_{card}")
    assert at.segmented_control(key="learn_mode").value == "flashcards"
    assert at.session_state["learn_fc_current"][1] == card  # not due yet, opened all the same
    assert BANK.by_id(card).front[:20] in texts(at.markdown).replace("\\", "")


def test_an_id_not_in_the_course_is_listed_but_not_a_link(store):
    text = (
        '{"version": 1, "modes": {"multiple_choice": '
        '{"answered": 1, "correct": 0, "to_review": ["gone-question"]}}}'
    )
    at = visit(mode="summary")
    at.file_uploader(key="learn_upload").upload("p.json", text.encode()).run()
    assert "gone-question" in texts(at.markdown) and "not in the course now" in texts(at.markdown)
    assert not [b for b in at.button if b.key and b.key.startswith("learn_weak_")]
