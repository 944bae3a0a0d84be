"""The comparison's URL form and summary, on real runs."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradclip_core import Trainer
from gradclip_core.compare import (
    DEFAULT_SETTINGS,
    MAX_SETTINGS,
    Setting,
    parse_settings,
    settings_query,
    summarize,
)
from gradclip_core.presets import load_presets


def test_the_url_form_round_trips():
    settings = [Setting("none"), Setting("norm", 0.5), Setting("autoclip", 25.0)]
    parsed, notes = parse_settings(settings_query(settings))
    assert parsed == settings and notes == []
    assert settings_query(list(DEFAULT_SETTINGS)) == "none,norm:1,value:0.1,agc:0.01"


def test_bad_parts_are_left_out_with_a_message_naming_them():
    parsed, notes = parse_settings(
        "norm:1, bogus, value:-3, norm:1, agc:0.01, none, layer-norm, autoclip"
    )
    assert [s.token for s in parsed] == ["norm:1", "agc:0.01", "none", "layer-norm:1"]
    assert any("'bogus' is not a clipping mode" in n for n in notes)
    assert any("'value:-3'" in n and "allowed" in n for n in notes)
    assert any("already compared" in n for n in notes)
    assert any(f"at most {MAX_SETTINGS}" in n for n in notes)


def test_a_link_with_nothing_usable_gets_the_default_four_and_says_so():
    parsed, notes = parse_settings("x,y:z")
    assert parsed == list(DEFAULT_SETTINGS)
    assert notes[-1].startswith("No setting in the link could be used")


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200))
def test_any_text_parses_to_one_to_four_valid_settings(text):
    parsed, notes = parse_settings(text)
    assert 1 <= len(parsed) <= MAX_SETTINGS
    assert len({s.token for s in parsed}) == len(parsed)
    assert all(isinstance(n, str) and len(n) < 300 for n in notes)


def test_the_summary_of_the_flagship_comparison():
    base = load_presets()["exploding-rnn"].config
    rows = {}
    for s in DEFAULT_SETTINGS:
        trainer = Trainer(base.replace(clip_mode=s.mode, threshold=s.threshold))
        trainer.run(60)
        d = trainer.divergence
        rows[s.mode] = summarize(trainer.history, trainer.task.baseline, d.step if d else None)
    assert rows["none"].diverged_at == 34 and rows["none"].steps == 34
    assert rows["none"].clipped == 0 and rows["none"].mean_cosine == pytest.approx(1.0)
    for mode in ("norm", "value", "agc"):
        assert rows[mode].diverged_at is None and rows[mode].steps == 60
        assert rows[mode].vs_baseline < 1  # learning: below the best constant guess
        assert 0 < rows[mode].clipped <= 60
    assert rows["norm"].mean_cosine == pytest.approx(1.0, abs=1e-6)  # norm keeps the direction
    assert rows["value"].mean_cosine < 0.99  # value turns it
    assert math.isfinite(rows["agc"].mean_update_ratio)
