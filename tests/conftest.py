"""Every test sees the app's exceptions: ``GRADCLIP_RAISE=1`` makes ``ui/errors.py`` re-raise
instead of showing its message (a learner's server leaves it unset). The browser journeys'
``streamlit run`` inherits it. ``one_torch_thread`` trains as the app's server does."""

import atexit
import os
import shutil
import tempfile

import pytest
import torch

os.environ.setdefault("GRADCLIP_RAISE", "1")
# Saved progress and classes go to a database of the test run's own, never the app's file,
# removed when the run ends.
if "GRADCLIP_DATABASE_URL" not in os.environ:
    _DB_DIR = tempfile.mkdtemp(prefix="gradclip-tests-")
    atexit.register(shutil.rmtree, _DB_DIR, ignore_errors=True)
    os.environ["GRADCLIP_DATABASE_URL"] = f"sqlite:///{_DB_DIR}/tests.db"


@pytest.fixture
def one_torch_thread():
    """Train with one torch thread, as the app's server does (app.py): a run's numbers
    depend on the thread count, so tests that quote them see what a learner sees."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def pytest_sessionfinish(session, exitstatus):
    """Close the app's cached database connections while their modules still exist: left to
    the interpreter's exit, Streamlit's ``BaseConnection.__del__`` runs after its globals are
    gone and prints one "Exception ignored" traceback per connection after the summary."""
    import gc
    import sys

    if "streamlit" in sys.modules:
        import streamlit as st

        st.cache_resource.clear()
        gc.collect()
