"""The flashcard schedule: FSRS moves due dates as the ``fsrs`` package says, due cards come
first, and the schedule survives the progress JSON. The clock is a parameter, never patched."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from fsrs import Card, Rating, Scheduler, State

from gradclip_core.quiz.progress import (
    Progress,
    ProgressError,
    progress_from_json,
    progress_to_json,
    read_progress,
)
from gradclip_core.quiz.schedule import (
    LEARN_AHEAD,
    RATINGS,
    Schedule,
    ScheduleError,
    in_words,
    rating_of,
)

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
ANSWER_KEY = Scheduler(enable_fuzzing=False)  # the package itself, as the answer key


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


@pytest.mark.parametrize("rating", RATINGS)
def test_a_new_card_moves_as_fsrs_says(rating):
    schedule = Schedule()
    card = schedule.rate("fc", rating, T0)
    expected, _ = ANSWER_KEY.review_card(Card(card_id=0, due=T0), rating_of(rating), T0)
    assert card == expected and schedule.due("fc") == expected.due


def test_the_four_ratings_of_a_new_card_and_their_words():
    waits = Schedule().preview("fc", T0)
    assert waits["again"] == minutes(1) and waits["good"] == minutes(10)  # the learning steps
    assert minutes(1) < waits["hard"] < waits["good"] < timedelta(days=1) < waits["easy"]
    assert in_words(waits["again"]) == "in 1 minute"
    assert in_words(waits["good"]) == "in 10 minutes"
    assert in_words(waits["easy"]).endswith(" days")


def test_a_card_graduates_then_again_sends_it_back_to_relearning():
    schedule = Schedule()
    schedule.rate("fc", "good", T0)
    card = schedule.rate("fc", "good", T0 + minutes(10))
    assert card.state == State.Review and card.due - (T0 + minutes(10)) >= timedelta(days=1)
    later = card.due
    easy = Schedule({"fc": card}).rate("fc", "easy", later)
    good = Schedule({"fc": card}).rate("fc", "good", later)
    assert easy.due > good.due > later  # Easy waits longer than Good
    lapse = schedule.rate("fc", Rating.Again, later)
    assert lapse.state == State.Relearning and lapse.due == later + minutes(10)


def test_times_must_be_timezone_aware_and_are_kept_in_utc():
    with pytest.raises(ValueError, match="timezone-aware"):
        Schedule().rate("fc", "good", datetime(2025, 1, 6, 9, 0))
    paris = timezone(timedelta(hours=1))
    card = Schedule().rate("fc", "good", T0.astimezone(paris))
    assert card.due == T0 + minutes(10) and card.due.tzinfo == UTC


def test_an_unknown_rating_is_refused():
    with pytest.raises(ValueError, match="again, hard, good, easy"):
        Schedule().rate("fc", "perfect", T0)


def test_due_cards_come_first_earliest_first_then_new_ones():
    schedule = Schedule()
    schedule.rate("b", "again", T0)  # due T0 + 1 min
    schedule.rate("a", "good", T0)  # due T0 + 10 min
    schedule.rate("c", "easy", T0)  # due in days
    deck = ["new1", "a", "b", "c", "new2"]
    assert schedule.queue(deck, T0 + minutes(11)) == ["b", "a", "new1", "new2"]
    assert schedule.queue(deck, T0 + minutes(5)) == ["b", "new1", "new2"]
    assert schedule.counts(deck, T0 + minutes(5)) == (1, 2, 2)
    assert schedule.next_due(deck) == T0 + minutes(1)


def test_with_nothing_due_or_new_only_the_cards_due_soon_are_shown():
    schedule = Schedule()
    schedule.rate("soon", "good", T0)  # 10 minutes
    schedule.rate("later", "easy", T0)  # days
    assert schedule.queue(["later", "soon"], T0) == ["soon"]  # within the learn-ahead limit
    assert schedule.queue(["later", "soon"], T0, ahead=minutes(5)) == []
    assert minutes(20) == LEARN_AHEAD


def test_the_schedule_round_trips_through_the_progress_json():
    schedule = Schedule()
    schedule.rate("fc-a", "again", T0)
    schedule.rate("fc-b", "good", T0)
    schedule.rate("fc-b", "good", T0 + minutes(10))
    schedule.rate("fc-c", "hard", T0)
    progress = Progress(schedule=schedule)
    progress.record("flashcards", "fc-a", correct=False)
    place = {"mode": "flashcards", "levels": ["advanced"]}
    text = progress_to_json(progress, place)
    data = json.loads(text)
    assert data["version"] == 2
    assert data["schedule"]["fc-b"]["state"] == 2 and data["schedule"]["fc-b"]["step"] is None
    loaded, loaded_place = read_progress(text)
    assert loaded == progress and loaded_place == place
    assert loaded.schedule.queue(["fc-a", "fc-b", "fc-c"], T0 + minutes(7)) == ["fc-a", "fc-c"]
    # a stored document (a dict in the database) reads back the same way
    assert progress_from_json(json.dumps(json.loads(text))) == progress


def card_json(**change) -> dict:
    card = Schedule().rate("fc", "good", T0)
    raw = Schedule({"fc": card}).to_dict()["fc"]
    return raw | change


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"state": 7}, '"state" must be'),
        ({"state": True}, '"state" must be'),
        ({"step": -1}, '"step" must be'),
        ({"state": 2}, "null"),
        ({"stability": float("nan")}, '"stability"'),
        ({"difficulty": 11}, '"difficulty"'),
        ({"stability": None}, "both numbers"),
        ({"due": "tomorrow"}, "ISO 8601"),
        ({"due": "2025-01-06T09:10:00"}, "ISO 8601"),  # no offset
        ({"last_review": 5}, "ISO 8601"),
        ({"extra": 1}, "must be an object"),
    ],
)
def test_a_bad_card_in_a_saved_schedule_is_named(change, fragment):
    with pytest.raises(ScheduleError, match=fragment) as caught:
        Schedule.from_dict({"fc": card_json(**change)})
    assert "'fc'" in str(caught.value)
    doc = {"version": 2, "modes": {}, "schedule": {"fc": card_json(**change)}}
    with pytest.raises(ProgressError, match="flashcard 'fc'"):
        progress_from_json(json.dumps(doc))


@pytest.mark.parametrize(
    ("doc", "fragment"),
    [
        ({"version": 1, "modes": {}, "schedule": {}}, "version 1 progress file has exactly"),
        ({"version": 2, "modes": {}, "schedule": []}, '"schedule" must be an object'),
        ({"version": 2, "modes": {}, "schedule": {"": card_json()}}, "keyed by item ids"),
        ({"version": 2, "modes": {}, "place": []}, '"place" must be an object'),
        ({"version": 2, "modes": {}, "place": {"mode": "Read!"}}, "name of a mode"),
        ({"version": 2, "modes": {}, "place": {"levels": ["expert"]}}, "levels"),
        ({"version": 2, "modes": {}, "place": {"levels": [[]]}}, "levels"),
        ({"version": 2, "modes": {}, "place": {"rounds": {"essays": {}}}}, "unknown quiz mode"),
        (
            {
                "version": 2,
                "modes": {},
                "place": {
                    "rounds": {
                        "order": {"ids": ["a"], "pos": 2, "results": {}, "number": 0},
                    }
                },
            },
            '"pos" and "number"',
        ),
        (
            {
                "version": 2,
                "modes": {},
                "place": {
                    "rounds": {
                        "order": {"ids": ["a"], "pos": 0, "results": {"b": True}, "number": 0},
                    }
                },
            },
            '"results" must map ids of the round',
        ),
    ],
)
def test_bad_schedules_and_places_are_refused_with_a_message(doc, fragment):
    with pytest.raises(ProgressError, match=fragment):
        read_progress(json.dumps(doc))


@pytest.mark.parametrize(
    ("wait", "words"),
    [
        (timedelta(0), "now"),
        (timedelta(seconds=-5), "now"),
        (timedelta(seconds=30), "in under a minute"),
        (minutes(1), "in 1 minute"),
        (minutes(10), "in 10 minutes"),
        (minutes(59.4), "in 59 minutes"),
        (minutes(59.6), "in 1 hour"),
        (timedelta(hours=5), "in 5 hours"),
        (timedelta(hours=23, minutes=40), "in 1 day"),
        (timedelta(days=3), "in 3 days"),
        (timedelta(days=62), "in 2 months"),
        (timedelta(days=800), "in 2 years"),
    ],
)
def test_waits_in_words(wait, words):
    assert in_words(wait) == words
