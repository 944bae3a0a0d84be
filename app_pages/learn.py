"""Learn: read the lessons, then check what stuck in nine ways, with a score per mode.

The progress lasts: it is saved under the learner's key in this page's link
(``?learner=...``, ui/learn/persist.py) after every answer, and loaded on a later visit.
"""

from __future__ import annotations

import streamlit as st

from gradclip_core.lessons import ContentError
from ui.learn import persist
from ui.learn import state as state
from ui.learn.content import load
from ui.learn.keys import render_keys
from ui.learn.modes import DEFAULT_MODE, MODES, QUIZ_RENDERERS, label
from ui.learn.read import render_cheatsheet, render_read
from ui.learn.summary import render_scoreboard, render_summary


def _content(part: str, mode: str) -> tuple[object | None, bool]:
    """A part of the content (None if none of it loads), after naming each broken file.

    A broken file that empties the mode on screen is an error; any other is a warning, since
    everything else works without it.

    Returns:
        ``(found, lost)``: the part, and whether the mode on screen lost its file.
    """
    found, errors = load(part)
    lost = False
    for err in errors:
        if found is None or _mode_of(err) == mode:
            lost = True
            st.error(f"This part of the course cannot be shown: {err}", icon=":material/error:")
        else:
            st.warning(
                f"{err}. Only this file is left out; everything else works.",
                icon=":material/warning:",
            )
    return found, lost


def _mode_of(err: ContentError) -> str | None:
    """The quiz mode of the file at fault (``lessons/quiz/NN_<mode>.toml``), if any."""
    path = getattr(err, "path", None)
    if path is None or path.suffix != ".toml" or "_" not in path.stem:
        return None
    return path.stem.split("_", 1)[1]


def render() -> None:
    st.title("Learn gradient clipping", anchor=False)
    persist.begin(MODES)  # before the mode picker: a saved place may choose the mode
    message = st.empty()  # filled once this run's answers are saved (or not)
    try:
        render_page()
    finally:
        persist.finish()  # after every run, the answers of this one included
    persist.render_message(message)
    with st.sidebar:
        persist.render_link_note()


def render_page() -> None:
    ss = st.session_state
    # Streamlit drops a widget's state while its page is away: come back to the same mode.
    if "learn_mode" not in ss and ss.get("learn_mode_saved") in MODES:
        ss["learn_mode"] = ss["learn_mode_saved"]
    mode = st.segmented_control(
        "Mode",
        list(MODES),
        required=True,
        key="learn_mode",
        format_func=label,
        label_visibility="collapsed",
        **({} if "learn_mode" in ss else {"default": DEFAULT_MODE}),
    )
    mode = mode if mode in MODES else DEFAULT_MODE
    ss["learn_mode_saved"] = mode
    st.caption(MODES[mode][2])
    if notice := st.session_state.pop("learn_notice", None):
        st.toast(notice)
    if mode == "read":
        if lessons := _content("lessons", mode)[0]:
            render_read(lessons)
    elif mode == "cheatsheet":
        if (text := _content("cheatsheet", mode)[0]) is not None:
            render_cheatsheet(text)
    else:
        bank, lost = _content("bank", mode)
        if mode == "summary":
            render_summary(bank)
        elif bank is not None and not bank.items(mode):
            if not lost:
                st.info(f"No {MODES[mode][0].lower()} items yet: add lessons/quiz/NN_{mode}.toml.")
        elif bank is not None:
            QUIZ_RENDERERS[mode](bank)
    with st.sidebar:
        render_scoreboard(state.progress())
    render_keys()


render()
