"""The Learn page's content, loaded once per server from ``lessons/`` and cached.

Each part (lessons, cheat sheet, quiz bank) loads on its own, so a broken quiz file leaves the
lessons readable. The cache key is the folder plus the files' modification times: a teacher's
edit shows on the next rerun without restarting the server.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from gradclip_core.lessons import ContentError, Lesson, load_cheatsheet, load_lessons
from gradclip_core.quiz import Bank, load_bank

LESSONS_DIR = Path(__file__).resolve().parent.parent / "lessons"


def _stamp(folder: Path) -> tuple:
    """Names, sizes and modification times of the content files: changes when one is edited."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".md", ".toml"))
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)


@st.cache_resource(show_spinner=False, max_entries=4)
def _lessons(folder: str, stamp: tuple) -> list[Lesson]:
    return load_lessons(Path(folder) / "read")


@st.cache_resource(show_spinner=False, max_entries=4)
def _cheatsheet(folder: str, stamp: tuple) -> str:
    return load_cheatsheet(Path(folder) / "cheatsheet.md")


@st.cache_resource(show_spinner=False, max_entries=4)
def _bank(folder: str, stamp: tuple) -> Bank:
    return load_bank(Path(folder) / "quiz")


_LOADERS = {"lessons": _lessons, "cheatsheet": _cheatsheet, "bank": _bank}


def load(part: str):
    """One part of the content: ``"lessons"``, ``"cheatsheet"`` or ``"bank"``.

    Returns:
        The loaded part, or the :class:`ContentError` that says which file is broken and how
        to fix it (errors are not cached, so a fixed file loads on the next rerun).
    """
    folder = Path(LESSONS_DIR)
    if folder.is_relative_to(Path.cwd()):  # messages name lessons/quiz/..., not a long path
        folder = folder.relative_to(Path.cwd())
    try:
        return _LOADERS[part](str(folder), _stamp(folder))
    except ContentError as err:
        return err
