"""Read the lessons one by one, and the one-page cheat sheet."""

from __future__ import annotations

import streamlit as st

from gradclip_core.lessons import Lesson
from ui.learn.text import split_maths

READ_KEY = "learn_read_index"
PLAYGROUND = "app_pages/playground.py"
CHEATSHEET_FILE = "gradclip-cheat-sheet.md"


def _go(i: int) -> None:
    st.session_state[READ_KEY] = i


def render_read(lessons: list[Lesson]) -> None:
    """One lesson: position, title, body (maths in an expander), Previous/Next, See it live."""
    n = len(lessons)
    i = min(max(0, int(st.session_state.get(READ_KEY, 0))), n - 1)
    lesson = lessons[i]
    st.progress((i + 1) / n, text=f"Lesson {i + 1} of {n}")
    st.header(lesson.title, anchor=False)
    st.markdown(f"*{lesson.summary}*")
    before, maths, after = split_maths(lesson.body)
    st.markdown(before)
    if maths:
        with st.expander("The maths", icon=":material/function:"):
            st.markdown(maths)
    if after:
        st.markdown(after)
    render_lesson_nav(lesson, i, n)


def render_lesson_nav(lesson: Lesson, i: int, n: int) -> None:
    row = st.container(horizontal=True)
    row.button(
        "Previous",
        key="learn_read_prev",
        icon=":material/arrow_back:",
        disabled=i == 0,
        on_click=_go,
        args=(i - 1,),
    )
    row.button(
        "Next lesson",
        key="learn_read_next",
        icon=":material/arrow_forward:",
        disabled=i == n - 1,
        on_click=_go,
        args=(i + 1,),
    )
    if row.button(
        "See it live",
        key="learn_read_live",
        type="primary",
        icon=":material/play_arrow:",
        help="Opens the playground on this lesson's scenario.",
    ):
        st.session_state["load_preset"] = lesson.preset
        st.switch_page(PLAYGROUND)


def render_cheatsheet(text: str) -> None:
    """The cheat sheet as one page, and its Markdown to download."""
    st.download_button(
        "Download the cheat sheet (Markdown)",
        data=text,
        file_name=CHEATSHEET_FILE,
        mime="text/markdown",
        key="learn_cheatsheet_download",
        icon=":material/download:",
        on_click="ignore",
    )
    with st.container(border=True):
        st.markdown(text)
