"""Links a teacher sends: every setting survives the URL, and junk in a link never crashes."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from gradclip_core import TrainConfig
from gradclip_core.presets import load_presets
from ui.state import PROP, from_query, to_query


def test_every_preset_round_trips_through_its_link():
    for name, preset in load_presets().items():
        query = to_query(preset.config, name)
        config, warnings = from_query(query, TrainConfig())
        assert warnings == [], (name, warnings)
        for key in PROP:
            assert getattr(config, key) == getattr(preset.config, key), (name, key)


junk_text = st.text(alphabet=string.printable + "→∞é😀\x00", max_size=30)
keys = st.sampled_from([*PROP, "preset", "page", "nonsense", ""])


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(keys, junk_text, max_size=8))
def test_junk_links_give_a_valid_config_and_name_what_was_ignored(query):
    config, warnings = from_query(query, TrainConfig())
    # Whatever came in, the result is a config the engine accepts.
    assert TrainConfig.from_dict(config.to_dict()) == config
    for warning in warnings:
        assert warning.startswith("Link setting") and "ignored" in warning
    ignored = {k for k in query if k not in PROP and k not in ("preset", "page")}
    assert len(warnings) >= len(ignored)
