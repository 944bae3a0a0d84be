"""Saved quiz progress: JSON round trip, and junk input only ever raises ProgressError."""

import contextlib
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradclip_core.quiz.progress import (
    MAX_PROGRESS_BYTES,
    MODES,
    ModeProgress,
    Progress,
    ProgressError,
    progress_from_json,
    progress_to_json,
)


def test_record_and_round_trip():
    p = Progress()
    p.record("multiple_choice", "cs-mc-when", correct=False)
    p.record("multiple_choice", "mc-agc", correct=True)
    p.record("explain", "ex-amp", correct=False)
    p.record("multiple_choice", "cs-mc-when", correct=True)  # a right answer clears the review
    assert p.modes["multiple_choice"] == ModeProgress(3, 2, [])
    assert p.modes["explain"].to_review == ["ex-amp"]
    text = progress_to_json(p)
    assert json.loads(text)["version"] == 2
    assert progress_from_json(text) == p


def test_a_version_1_file_still_loads():
    old = '{"version": 1, "modes": {"explain": {"answered": 2, "correct": 1, "to_review": ["x"]}}}'
    p = progress_from_json(old)
    assert p.modes["explain"] == ModeProgress(2, 1, ["x"]) and len(p.schedule) == 0


def test_practised_means_something_to_keep():
    p = Progress()
    assert not p.practised
    p.record("true_false", "tf-1", correct=True)
    assert p.practised
    studied = Progress()
    studied.schedule.rate("fc", "good", datetime(2025, 1, 6, tzinfo=UTC))
    assert studied.practised


def test_empty_progress_round_trips():
    assert progress_from_json(progress_to_json(Progress())) == Progress()


def test_unknown_mode_is_refused_when_recording():
    with pytest.raises(ValueError, match="unknown quiz mode"):
        Progress().record("essays", "x", correct=True)


ids = st.text(min_size=1, max_size=40)
modes = st.builds(
    lambda answered, extra, review: ModeProgress(answered + extra, answered, review),
    st.integers(0, 10_000),
    st.integers(0, 10_000),
    st.lists(ids, max_size=5, unique=True),
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(MODES), modes))
def test_round_trip_property(by_mode):
    p = Progress(dict(by_mode))
    assert progress_from_json(progress_to_json(p)) == p


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_raises_only_progress_error(text):
    try:
        result = progress_from_json(text)
    except ProgressError:
        return
    assert isinstance(result, Progress)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(json_values, st.sampled_from(MODES))
def test_arbitrary_json_raises_only_progress_error(value, mode):
    for doc in (value, {"version": 1, "modes": value}, {"version": 1, "modes": {mode: value}}):
        with contextlib.suppress(ProgressError):
            assert isinstance(progress_from_json(json.dumps(doc)), Progress)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("not json", "not valid JSON"),
        ("[]", 'with the keys "version" and "modes"'),
        ('{"version": 3, "modes": {}}', "version 3 is not supported"),
        ('{"version": 0, "modes": {}}', "reads versions 1 to 2"),
        ('{"version": true, "modes": {}}', "not supported"),
        ('{"version": 1, "modes": []}', '"modes" must be an object'),
        ('{"version": 1, "modes": {"essays": {}}}', "unknown quiz mode 'essays'"),
        (
            '{"version": 1, "modes": {"explain": {"answered": 1, "correct": 2, "to_review": []}}}',
            "exceeds",
        ),
        (
            '{"version": 1, "modes": {"explain": {"answered": -1, "correct": 0, "to_review": []}}}',
            "whole numbers",
        ),
        (
            '{"version": 1, "modes": {"explain": {"answered": 1, "correct": 0, "to_review": [3]}}}',
            "list of item ids",
        ),
        ("[" * 100_001, "larger than 100 KB"),
        ("[" * 50_000, "nested too deeply"),
        (" " * (MAX_PROGRESS_BYTES + 1), "larger than"),
    ],
)
def test_bad_files_give_clear_messages(text, fragment):
    with pytest.raises(ProgressError, match=fragment):
        progress_from_json(text)


def test_non_text_input():
    with pytest.raises(ProgressError, match="expected the text"):
        progress_from_json(b'{"version": 1, "modes": {}}')
