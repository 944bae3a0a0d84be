"""The Compare page through AppTest: a link's settings, live runs, add/remove one setting."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "app_pages/compare.py"


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # the app's thread count


def _page(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _steps(at: AppTest) -> dict[str, int]:
    return {t: r.trainer.steps_done for t, r in at.session_state["cmp_runs"].items()}


def test_the_default_comparison_is_four_settings_of_the_flagship_run():
    at = _page()
    assert list(at.session_state["cmp_runs"]) == ["none", "norm:1", "value:0.1", "agc:0.01"]
    assert at.query_params["runs"] == "none,norm:1,value:0.1,agc:0.01"
    assert at.query_params["seed"] == "0" and at.query_params["preset"] == "exploding-rnn"
    table = at.dataframe[0].value
    assert list(table["Setting"]) == [
        "no clipping",
        "clip by norm 1",
        "clip by value 0.1",
        "adaptive (AGC) 0.01",
    ]


def test_a_link_reproduces_its_settings_and_names_what_it_left_out():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["runs"] = "norm:0.5,bogus,autoclip:25"
    at.query_params["seed"] = "7"
    at.query_params["preset"] = "healthy"
    at.switch_page(PAGE).run()  # the link opens the Compare page itself
    assert list(at.session_state["cmp_runs"]) == ["norm:0.5", "autoclip:25"]
    assert at.session_state["cmp_base"].seed == 7
    assert any("'bogus' is not a clipping mode" in w.value for w in at.warning)


def test_start_trains_every_setting_and_the_table_follows():
    at = _page()
    at.button(key="cmp_start").click().run()
    steps = _steps(at)
    assert all(n >= 1 for n in steps.values()), steps
    table = at.dataframe[0].value
    assert all(s != "0" for s in table["Steps run"])
    at.button(key="cmp_pause").click().run()
    assert not any(r.running for r in at.session_state["cmp_runs"].values())


def test_changing_one_setting_keeps_the_others_runs():
    at = _page()
    at.button(key="cmp_start").click().run()
    at.button(key="cmp_pause").click().run()
    runs = dict(at.session_state["cmp_runs"])
    at.select_slider(key="cmp_thr_1_norm").set_value(0.1).run()
    after = at.session_state["cmp_runs"]
    assert list(after) == ["none", "norm:0.1", "value:0.1", "agc:0.01"]
    for token in ("none", "value:0.1", "agc:0.01"):
        assert after[token] is runs[token]  # same run, same steps
    assert after["norm:0.1"].trainer.steps_done == 0
    assert at.query_params["runs"] == "none,norm:0.1,value:0.1,agc:0.01"


def test_remove_and_add_a_setting():
    at = _page()
    at.button(key="cmp_remove_0").click().run()
    assert list(at.session_state["cmp_runs"]) == ["norm:1", "value:0.1", "agc:0.01"]
    assert at.selectbox(key="cmp_mode_0").value == "norm"
    at.button(key="cmp_add").click().run()
    assert len(at.session_state["cmp_runs"]) == 4
    assert "cmp_add" not in [b.key for b in at.button]  # four is the most
