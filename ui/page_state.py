"""Widget settings a page keeps across visits to other pages.

Streamlit deletes a widget's state after a run that does not draw it, so leaving a page resets
its sliders. A page calls :func:`restore_widgets` before drawing them and
:func:`remember_widgets` after, with its own ``saved`` key and its widgets' defaults.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st


def restore_widgets(saved: str, defaults: Mapping[str, object]) -> None:
    """Put back each widget's last value (or its default) if Streamlit dropped it."""
    ss = st.session_state
    kept = ss.get(saved, {})
    for key, default in defaults.items():
        if key not in ss:
            ss[key] = kept.get(key, default)


def remember_widgets(saved: str, defaults: Mapping[str, object]) -> None:
    """Keep the widgets' values under ``saved`` for the next visit."""
    ss = st.session_state
    ss[saved] = {key: ss[key] for key in defaults if key in ss}
