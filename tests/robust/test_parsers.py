"""Junk to the parsers that crashed a page: per-mode thresholds, links, saved progress files.

Each parser either returns something every page can show or raises its own error with a
message that names what is wrong; never anything else (issue 8, section 3).
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path

import pytest
import torch
from hypothesis import event, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from gradclip_core.clipping import NormHistory, clip_gradients
from gradclip_core.config import (
    CLIP_MODES,
    RANGES,
    THRESHOLD_RULES,
    ConfigError,
    TrainConfig,
    threshold_problem,
)
from gradclip_core.quiz.progress import (
    MAX_COUNT,
    MAX_ID_CHARS,
    MODES,
    ModeProgress,
    Progress,
    ProgressError,
    progress_from_json,
    progress_to_json,
)
from gradclip_core.trainer import Trainer

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
LEARN = str(ROOT / "app_pages" / "learn.py")
SMALL = TrainConfig(model="mlp", task="regression", depth=1, width=4, batch_size=2, device="cpu")
AUTOCLIP_500 = (
    "threshold: 500 is out of range for autoclip (a percentile: allowed 0 < p <= 100, e.g. 10)"
)


# --- thresholds: each mode's own range ------------------------------------------------------
def test_autoclip_threshold_500_is_refused_naming_mode_meaning_and_range():
    with pytest.raises(ConfigError) as caught:
        TrainConfig(clip_mode="autoclip", threshold=500.0)
    assert str(caught.value) == AUTOCLIP_500
    with pytest.raises(ConfigError, match="for autoclip"):
        TrainConfig.from_dict({"clip_mode": "autoclip", "threshold": "500"})
    assert RANGES["threshold"] == (1e-6, 1e6)  # the overall range is still there


@pytest.mark.parametrize(
    ("mode", "bad", "meaning"),
    [
        ("norm", 0.0, "the largest total gradient norm"),
        ("value", -1.0, "the largest |g| of any element"),
        ("layer-norm", 0.0, "the largest gradient norm of each tensor"),
        ("agc", -0.5, "the clipping factor lambda"),
        ("autoclip", 100.5, "a percentile"),
    ],
)
def test_each_mode_has_its_own_threshold_range(mode, bad, meaning):
    with pytest.raises(ConfigError) as caught:
        TrainConfig(clip_mode=mode, threshold=bad)
    message = str(caught.value)
    assert message.startswith("threshold: ") and f"for {mode} ({meaning}: allowed 0 < " in message
    assert "e.g. " in message
    example = THRESHOLD_RULES[mode][3]
    assert TrainConfig(clip_mode=mode, threshold=example).threshold == example


def test_mode_none_ignores_the_threshold_but_keeps_the_overall_range():
    assert TrainConfig(clip_mode="none", threshold=500.0).threshold == 500.0
    with pytest.raises(ConfigError, match="allowed 1e-06 to 1000000"):
        TrainConfig(clip_mode="none", threshold=0.0)


@functools.cache
def _trainer() -> Trainer:
    return Trainer(SMALL)


def test_set_clip_refuses_a_bad_threshold_with_the_configs_message_and_keeps_the_old_one():
    trainer = Trainer(SMALL)
    trainer.set_clip("norm", 2.0)
    with pytest.raises(ValueError) as caught:
        trainer.set_clip("autoclip", 500)
    assert str(caught.value) == AUTOCLIP_500
    assert (trainer.mode, trainer.threshold) == ("norm", 2.0)
    trainer.set_clip("autoclip", 100)
    trainer.run(3)
    assert trainer.steps_done == 3 and not trainer.diverged


thresholds = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-1.0, 200.0),
    st.integers(-(10**30), 10**30),
    st.sampled_from([0, 1e-6, 1e-7, 100, 100.0000001, 101, 500, 1e6, 1e6 + 1, True, "5"]),
)


@settings(max_examples=1000, deadline=None)
@given(st.sampled_from(CLIP_MODES), thresholds)
def test_any_threshold_is_refused_or_clips_without_error(mode, threshold):
    """1,000 cases: the config, the trainer and the clipping function agree on every value."""
    try:
        config = SMALL.replace(clip_mode=mode, threshold=threshold)
    except ConfigError as err:
        assert err.problems[0][0] == "threshold"
        with pytest.raises(ValueError) as caught:
            _trainer().set_clip(mode, threshold)
        assert str(caught.value) == str(err)
        event(f"{mode}: refused")
        return
    event(f"{mode}: clipped")
    assert threshold is None or threshold_problem(mode, threshold) is None
    _trainer().set_clip(mode, threshold)
    weight = torch.nn.Parameter(torch.ones(3, 2))
    weight.grad = torch.full((3, 2), 5.0)
    history = NormHistory()
    for _ in range(2):
        record = clip_gradients([weight], mode, config.threshold, history=history)
    assert math.isfinite(float(record.norm_after))


# --- links: the one that crashed Start ------------------------------------------------------
def test_an_autoclip_link_with_threshold_500_warns_and_start_runs():
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in {"preset": "healthy", "clip_mode": "autoclip", "threshold": "500"}.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    warnings = " ".join(w.value for w in at.warning).replace("\\", "")  # Markdown escapes
    assert "threshold" in warnings and "autoclip" in warnings and "0 < p <= 100" in warnings
    at.button(key="btn_start").click().run()
    assert not at.exception, at.exception
    assert at.radio(key="w_clip_mode").value == "autoclip"
    assert at.query_params["threshold"] != "500"


# --- saved progress: junk files -------------------------------------------------------------
def _doc(mode: dict) -> str:
    return json.dumps({"version": 1, "modes": {"explain": mode}}, ensure_ascii=False)


HUGE = int("9" * 4300)  # the most digits Python turns into text by default
BAD_FILES = {
    "answered 1e20": _doc({"answered": 10**20, "correct": 0, "to_review": []}),
    "4,300 digits": _doc({"answered": HUGE, "correct": HUGE, "to_review": []}),
    "above the cap": _doc({"answered": MAX_COUNT + 1, "correct": 0, "to_review": []}),
    "lone surrogate": _doc({"answered": 2, "correct": 0, "to_review": ["\ud800"]}),
    "escaped surrogate": '{"version": 1, "modes": {"explain": '
    '{"answered": 2, "correct": 0, "to_review": ["x\\udfff"]}}}',
    "id too long": _doc({"answered": 2, "correct": 0, "to_review": ["a" * (MAX_ID_CHARS + 1)]}),
    "float count": _doc({"answered": 2.0, "correct": 0, "to_review": []}),
    "bool count": _doc({"answered": True, "correct": 0, "to_review": []}),
    "correct above answered": _doc({"answered": 1, "correct": 2, "to_review": []}),
    "huge version": json.dumps({"version": HUGE, "modes": {}}),
}


@pytest.mark.parametrize("text", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_files_the_page_could_not_show_are_refused_with_a_showable_message(text):
    with pytest.raises(ProgressError) as caught:
        progress_from_json(text)
    message = str(caught.value)
    message.encode("utf-8")  # no lone surrogate: a page can send it
    assert len(message) < 400 and "9999999999" not in message


def _is_showable(progress: Progress) -> bool:
    for name, m in progress.modes.items():
        assert name in MODES
        assert 0 <= m.correct <= m.answered <= MAX_COUNT
        assert all(0 < len(i) <= MAX_ID_CHARS for i in m.to_review)
    text = progress_to_json(progress)
    text.encode("utf-8")
    return progress_from_json(text) == progress


surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
junk_text = st.text(st.one_of(st.characters(), surrogates), max_size=12)
junk_ints = st.one_of(
    st.integers(),
    st.integers(-(10**40), 10**40),
    st.sampled_from([0, 1, MAX_COUNT, MAX_COUNT + 1, 10**20, -1, HUGE]),
)
leaves = st.one_of(
    st.none(), st.booleans(), junk_ints, st.floats(), junk_text, st.sampled_from(MODES)
)
junk = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.one_of(junk_text, st.sampled_from(MODES)), inner, max_size=4)
    ),
    max_leaves=16,
)
counts = st.one_of(st.integers(0, 50), junk)
reviews = st.one_of(st.lists(st.one_of(st.sampled_from(["mc-when", "ex-amp"]), junk_text)), junk)
mode_like = st.fixed_dictionaries(
    {"answered": counts, "correct": counts, "to_review": reviews}
) | st.dictionaries(st.sampled_from(["answered", "correct", "to_review", "x"]), junk)
# Nearly valid: right shape, counts and ids that are sometimes out of range or unshowable.
near_valid = st.fixed_dictionaries(
    {
        "answered": st.one_of(st.integers(0, 60), st.integers(0, 60), junk_ints),
        "correct": st.one_of(st.integers(0, 30), st.integers(0, 30), junk_ints),
        "to_review": st.lists(
            st.one_of(st.sampled_from(["mc-when", "ex-amp"]), st.text(max_size=12), junk_text),
            max_size=4,
        ),
    }
)


def _file(modes: st.SearchStrategy) -> st.SearchStrategy:
    files = st.dictionaries(st.sampled_from(MODES), modes, max_size=3)
    return files.map(lambda m: {"version": 1, "modes": m})


documents = st.one_of(
    junk,
    st.builds(lambda v: {"version": 1, "modes": v}, junk),
    st.builds(lambda v: {"version": v, "modes": {}}, junk),
    _file(mode_like),
    _file(near_valid),
    _file(near_valid),
)


@settings(max_examples=1000, deadline=None)
@given(documents, st.booleans())
def test_junk_progress_files_give_progress_a_page_can_show_or_a_progress_error(doc, ascii_only):
    """1,000 cases: nested junk, huge ints, lone surrogates, wrong types at every level."""
    try:
        text = json.dumps(doc, ensure_ascii=ascii_only)
    except ValueError:  # an int of more than 4,300 digits cannot be written as JSON at all
        return
    try:
        progress = progress_from_json(text)
    except ProgressError as err:
        event("refused")
        str(err).encode("utf-8")
        assert len(str(err)) < 600
        return
    event("loaded")
    assert _is_showable(progress)


# --- the Summary: always a way out ----------------------------------------------------------
def _summary(progress: Progress | None = None) -> AppTest:
    at = AppTest.from_file(LEARN, default_timeout=60)
    if progress is not None:
        at.session_state["learn_progress"] = progress
    at.session_state["learn_mode"] = "summary"
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("name", ["answered 1e20", "4,300 digits", "escaped surrogate"])
def test_uploading_a_file_the_page_cannot_show_keeps_the_progress(name):
    at = _summary()
    before = progress_to_json(at.session_state["learn_progress"])
    at.file_uploader(key="learn_upload").upload("p.json", BAD_FILES[name].encode()).run()
    assert not at.exception, at.exception
    errors = " ".join(e.value for e in at.error)
    assert "Could not load" in errors and "unchanged" in errors
    assert progress_to_json(at.session_state["learn_progress"]) == before
    for mode in ("flashcards", "summary"):  # every mode still draws
        at.segmented_control(key="learn_mode").set_value(mode).run()
        assert not at.exception, at.exception


def test_damaged_progress_in_the_session_still_offers_reset_and_load():
    at = _summary(Progress({"explain": ModeProgress(10**20, 0, [])}))
    assert "cannot be shown" in " ".join(e.value for e in at.error)
    assert at.button(key="learn_reset") and at.file_uploader(key="learn_upload")
    at.button(key="learn_reset").click().run()
    assert not at.exception, at.exception
    assert at.session_state["learn_progress"] == Progress()
    assert at.get("download_button")[0].label == "Download progress"
