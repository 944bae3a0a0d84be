"""No traceback ever reaches a learner: a bug shows the app's own message, the log the details."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.errors import PAGE_FAILED

ROOT = Path(__file__).resolve().parents[2]
SECRET = "/srv/gradclip/secret/path.py"


def _page_text(at: AppTest) -> str:
    parts = []
    for kind in ("markdown", "caption", "error", "warning", "info", "exception", "title"):
        parts += [str(getattr(e, "value", "")) for e in getattr(at, kind)]
    return "\n".join(parts)


def test_the_server_config_hides_error_details():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"


@pytest.mark.parametrize("where", ["_tiles", "playground_spec"])
def test_a_bug_in_the_page_shows_a_message_and_no_traceback_or_path(monkeypatch, where):
    import ui.playground.panel

    def broken(*args, **kwargs):
        raise RuntimeError(f"boom in {SECRET}")

    monkeypatch.delenv("GRADCLIP_RAISE", raising=False)
    monkeypatch.setattr(ui.playground.panel, where, broken)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["preset"] = "healthy"
    at.run()
    assert not at.exception
    assert any(PAGE_FAILED in e.value for e in at.error)
    assert SECRET not in _page_text(at) and "Traceback" not in _page_text(at)
    # The sidebar and its settings are still there: nothing the learner chose is lost.
    assert at.radio(key="w_clip_mode").value == "norm"


def test_a_bug_during_training_stops_the_run_with_the_message(monkeypatch):
    import ui.playground.panel

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["preset"] = "healthy"
    at.run()
    monkeypatch.delenv("GRADCLIP_RAISE", raising=False)
    real = ui.playground.panel.LiveRun.advance

    def broken(self, *args):
        real(self, *args)
        raise RuntimeError(f"boom in {SECRET}")

    monkeypatch.setattr(ui.playground.panel.LiveRun, "advance", broken)
    at.button(key="btn_start").click().run()
    assert not at.exception
    assert not at.session_state["run"].running
    assert any(e.value.startswith("Training paused. ") for e in at.error)
    assert SECRET not in _page_text(at)


def test_tests_see_exceptions_themselves():
    import os

    assert os.environ.get("GRADCLIP_RAISE") == "1"  # tests/conftest.py: AppTest sees bugs
