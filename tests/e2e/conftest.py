"""Real journeys: headless Debian Chromium (driven by playwright) against ``streamlit run``.

Without chromium these tests skip with a reason; under CI (``CI=true``) they fail instead,
because CI must prove the journeys. Screenshots go to ``test-output/e2e/<test name>/``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from e2e_helpers import streamlit_server

from tests.ci import missing

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output" / "e2e"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _require_chromium() -> str:
    path = _chromium()
    if path is None:
        missing(
            "Debian's chromium is not installed (apt-get install -y chromium)",
            "the browser tests",
        )
    return path


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """A real ``streamlit run app.py`` on 127.0.0.1 and a free port, for the whole session."""
    _require_chromium()
    # Classes and saved progress go to a database of this session's own, not the app's file.
    env = {
        **os.environ,
        "GRADCLIP_DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('db')}/e2e.db",
    }
    with streamlit_server(OUTPUT / "streamlit.log", env=env) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    path = _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def shots(request) -> Path:
    """The test's own screenshot folder."""
    folder = OUTPUT / request.node.name.replace("/", "_")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(browser, app_url):
    """A fresh page (1400×1800, so the whole playground fits in one screenshot)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1800})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()
