"""Fixtures shared by the AppTests."""

from __future__ import annotations

import pytest
from streamlit import config


@pytest.fixture
def set_static_serving():
    """Set ``server.enableStaticServing`` for one test (the live chart's two ways to draw);
    the option is put back afterwards."""
    before = config.get_option("server.enableStaticServing")
    yield lambda on: config.set_option("server.enableStaticServing", on)
    config.set_option("server.enableStaticServing", before)
