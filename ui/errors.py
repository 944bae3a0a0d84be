"""A bug of ours never shows a traceback: the learner gets a message, the server log the details.

``client.showErrorDetails`` is ``"none"`` in ``.streamlit/config.toml``, so Streamlit itself
shows no traceback either; this puts the app's own words in its place. Tests set
``GRADCLIP_RAISE=1`` (tests/conftest.py) so that AppTest and the browser journeys still see
every exception.
"""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager

import streamlit as st

LOG = logging.getLogger("gradclip")
PAGE_FAILED = (
    "Something went wrong here, sorry. Your settings and progress are kept: change a setting, "
    "press Reset, or reload the page to go on. The details are in the server's log."
)


@contextmanager
def shown_as_message(where: str):
    """Run a block; if it raises, log the traceback and show :data:`PAGE_FAILED` instead.

    Streamlit's own control flow (``st.rerun``, ``st.stop``) is not an ``Exception`` and
    passes through.
    """
    try:
        yield
    except Exception:
        if os.environ.get("GRADCLIP_RAISE") == "1":
            raise
        LOG.exception("%s failed", where)
        st.error(PAGE_FAILED, icon=":material/error:")
