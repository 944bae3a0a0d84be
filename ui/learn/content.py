"""The Learn page's content, loaded once per server from ``lessons/`` and cached.

Each part (lessons, cheat sheet, quiz bank) loads on its own, so a broken quiz file leaves the
lessons readable, and within a part a broken file costs only its own lesson or quiz mode (the
loaders report it with the file name and the fix). The cache key is the folder plus the files'
modification times: a teacher's edit shows on the next rerun without restarting the server.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from gradclip_core.lessons import ContentError, Lesson, load_cheatsheet, load_lessons_report
from gradclip_core.quiz import Bank, load_bank_report

LESSONS_DIR = Path(__file__).resolve().parents[2] / "lessons"


def _stamp(folder: Path) -> tuple:
    """Names, sizes and modification times of the content files: changes when one is edited."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".md", ".toml"))
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)


@st.cache_resource(show_spinner=False, max_entries=4)
def _lessons(folder: str, stamp: tuple) -> tuple[list[Lesson], list[ContentError]]:
    return load_lessons_report(Path(folder) / "read")


@st.cache_resource(show_spinner=False, max_entries=4)
def _cheatsheet(folder: str, stamp: tuple) -> str:
    return load_cheatsheet(Path(folder) / "cheatsheet.md")


@st.cache_resource(show_spinner=False, max_entries=4)
def _bank(folder: str, stamp: tuple) -> tuple[Bank, list[ContentError]]:
    return load_bank_report(Path(folder) / "quiz")


_LOADERS = {"lessons": _lessons, "cheatsheet": _cheatsheet, "bank": _bank}


def load(part: str) -> tuple[object | None, list[ContentError]]:
    """One part of the content: ``"lessons"``, ``"cheatsheet"`` or ``"bank"``.

    Returns:
        ``(found, errors)``: what loaded (``None`` when nothing of the part can be shown) and
        one :class:`ContentError` per broken file, naming it and the fix. Editing a file
        changes the cache key, so a fixed file loads on the next rerun.
    """
    folder = Path(LESSONS_DIR)
    if folder.is_relative_to(Path.cwd()):  # messages name lessons/quiz/..., not a long path
        folder = folder.relative_to(Path.cwd())
    try:
        found = _LOADERS[part](str(folder), _stamp(folder))
    except ContentError as err:  # the cheat sheet is one file: it loads or it does not
        return None, [err]
    if part == "cheatsheet":
        return found, []
    loaded, errors = found
    return (loaded if loaded or part == "bank" else None), list(errors)
