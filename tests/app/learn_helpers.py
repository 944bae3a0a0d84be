"""Small AppTest steps the Learn page's tests share."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def click(at: AppTest, key: str) -> AppTest:
    """Click the button ``key`` and rerun; the page must not raise."""
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def texts(elements) -> str:
    """The values of ``elements`` as one string."""
    return " ".join(e.value for e in elements)
