"""Progress that lasts: the learner's key in the Learn page's link, the progress in the database.

No accounts. A learner's first answer puts ``?learner=<key>`` in the Learn page's link (a
random URL-safe token, :func:`gradclip_core.classroom.new_key`); after every run that changed
something, the scores, the flashcard schedule and the place in each mode are saved under that
key with :class:`gradclip_core.progress_store.ProgressStore`. The first run of a session whose
link has a key loads what was saved. The key is kept in the session too: Streamlit's query
parameters belong to the page on screen (other pages rewrite or drop them), so coming back to
Learn puts it back in the link. The key is the learner's own: the class page uses ``me=``, and
share links are built from settings only (ui/share.py), so it is never copied into them.

What goes wrong is said once, at the top of the page, and never costs anyone's progress:
a malformed key or a stored copy that cannot be read starts a fresh progress under a new key
(the stored copy stays as it was); a database that cannot be reached leaves the practice
working in this tab, unsaved, and never overwrites what was stored.
"""

from __future__ import annotations

import json

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from gradclip_core.classroom import ClassroomError, new_key
from gradclip_core.classroom.validate import check_key
from gradclip_core.quiz.progress import MODES as QUIZ_MODES
from gradclip_core.quiz.progress import ProgressError, progress_to_json, read_progress
from ui.db import progress_store
from ui.learn import state as state
from ui.learn.cards import LEVELS_KEY
from ui.learn.read import READ_KEY
from ui.safe_text import literal, quote

PARAM = "learner"  # the link's query parameter (the class page's students use "me")
MESSAGE_KEY = "learn_key_message"  # (kind, text) about the key or a save, until a save works
# What a database in trouble raises: the store's own errors, SQLAlchemy's, the file system's.
STORE_ERRORS = (ClassroomError, SQLAlchemyError, OSError)


def begin(page_modes) -> None:
    """At the top of every run: take up the link's key (loading its progress), or put the
    session's key back in the link when coming back from another page.

    Args:
        page_modes: the page's modes, to restore the one the learner was on.
    """
    ss = st.session_state
    given = st.query_params.get(PARAM)
    if given is not None and given != ss.get(state.LEARNER_KEY):
        _adopt(given, page_modes)
    elif ss.get(state.LINKED_KEY) and given is None:
        st.query_params[PARAM] = state.learner_key()


def _adopt(given: str, page_modes) -> None:
    ss = st.session_state
    try:
        key = check_key(given, "learner key")
    except ClassroomError:
        _start_fresh(
            f"This link's {PARAM}={quote(given, 40)} is not a progress key (a key is 16 to "
            "64 letters, digits, '-' and '_'), so no saved progress was opened. You start "
            "fresh; your first answer saves your progress under a new key in this page's link."
        )
        return
    ss[state.LEARNER_KEY], ss[state.LINKED_KEY] = key, True
    try:
        data = progress_store().load(key)
    except STORE_ERRORS as err:
        ss[state.WRITABLE_KEY], ss[state.SAVED_KEY] = False, None  # never overwrite it
        ss[MESSAGE_KEY] = (
            "error",
            f"Your saved progress cannot be reached right now ({type(err).__name__}). You "
            "can practise, but answers in this tab are not saved: reload the page later to "
            "pick up your saved progress.",
        )
        return
    state.clear()
    ss[state.WRITABLE_KEY], ss[state.SAVED_KEY] = True, None
    if data is None:
        ss[MESSAGE_KEY] = (
            "info",
            "No progress is saved under this link's key yet: you start fresh, and your "
            "answers will be saved under it.",
        )
        return
    try:
        progress, place = read_progress(json.dumps(data))
    except (ProgressError, ValueError, TypeError) as err:
        _start_fresh(
            f"The progress saved under this link cannot be read ({literal(err)}). It is "
            "left as it was; you start fresh under a new key in this page's link."
        )
        return
    state.set_progress(progress)
    restore_place(place, page_modes)
    ss[state.SAVED_KEY] = _snapshot()
    ss["learn_notice"] = "Welcome back: your progress is loaded."


def _start_fresh(message: str) -> None:
    """A new key, not yet in the link; nothing stored under any key is touched."""
    ss = st.session_state
    state.clear()
    ss[state.LEARNER_KEY], ss[state.LINKED_KEY] = new_key(), False
    ss[state.WRITABLE_KEY], ss[state.SAVED_KEY] = True, None
    ss[MESSAGE_KEY] = ("warning", message)
    del st.query_params[PARAM]


def finish() -> None:
    """At the end of every run: save what changed (the first answer adds the key to the
    link); once the progress is empty again (Start over), forget the stored copy."""
    ss = st.session_state
    progress = state.progress()
    if not progress.practised:
        if ss.get(state.SAVED_KEY) is not None and ss.get(state.WRITABLE_KEY, True):
            _store(lambda store: store.delete(state.learner_key()))
            ss[state.SAVED_KEY] = None
        return
    text = _snapshot()
    if text is None:
        return  # progress the page cannot show is not saved (the Summary offers a reset)
    if not ss.get(state.LINKED_KEY):
        ss[state.LINKED_KEY] = True
        ss.setdefault(state.WRITABLE_KEY, True)
        ss.pop(MESSAGE_KEY, None)
        st.query_params[PARAM] = state.learner_key()
    changed = text != ss.get(state.SAVED_KEY) and ss.get(state.WRITABLE_KEY, True)
    if changed and _store(lambda store: store.save(state.learner_key(), json.loads(text))):
        ss[state.SAVED_KEY] = text


def _store(action) -> bool:
    """Run ``action(store)``; a failure is said at the top of the page, and practice goes on."""
    ss = st.session_state
    try:
        action(progress_store())
    except STORE_ERRORS as err:
        ss[MESSAGE_KEY] = (
            "warning",
            f"Your progress could not be saved just now ({type(err).__name__}); it is kept "
            "in this tab and saved again with your next answer.",
        )
        return False
    ss.pop(MESSAGE_KEY, None)  # saved: whatever went wrong before is behind us
    return True


def _snapshot() -> str | None:
    """The progress and place as saved, or ``None`` if they would not read back."""
    try:
        text = progress_to_json(state.progress(), place())
        read_progress(text)
    except ValueError:  # ProgressError, or a number too long to write
        return None
    return text


def place() -> dict:
    """Where the learner is: the mode, the lesson, the flashcard levels, each quiz round."""
    ss = st.session_state
    out: dict = {}
    if isinstance(mode := ss.get("learn_mode_saved"), str):
        out["mode"] = mode
    if isinstance(read := ss.get(READ_KEY), int) and read > 0:
        out["read"] = read
    if isinstance(levels := ss.get(LEVELS_KEY), list):
        out["levels"] = list(levels)
    rounds = {}
    for mode in QUIZ_MODES:
        r = ss.get(state.round_key(mode))
        if r and (r["pos"] or r["results"] or r.get("number", 0)):
            rounds[mode] = {
                "ids": list(r["ids"]),
                "pos": r["pos"],
                "results": dict(r["results"]),
                "number": r.get("number", 0),
            }
    if rounds:
        out["rounds"] = rounds
    return out


def restore_place(saved: dict, page_modes) -> None:
    """Put the learner back where :func:`place` said; an answered item is passed over, since
    its answer was counted and its feedback is not saved."""
    ss = st.session_state
    if saved.get("mode") in page_modes:
        ss["learn_mode"] = ss["learn_mode_saved"] = saved["mode"]
    if "read" in saved:
        ss[READ_KEY] = saved["read"]
    if "levels" in saved:
        ss[LEVELS_KEY] = list(saved["levels"])
    for mode, r in saved.get("rounds", {}).items():
        pos = r["pos"]
        while pos < len(r["ids"]) and r["ids"][pos] in r["results"]:
            pos += 1
        ss[state.round_key(mode)] = {
            "ids": list(r["ids"]),
            "pos": pos,
            "results": dict(r["results"]),
            "answers": {},
            "number": r["number"],
        }


def render_message(slot) -> None:
    """What happened to the link's key or the last save, if anything (see the module).

    Args:
        slot: where to say it (an ``st.empty()`` at the top of the page).
    """
    message = st.session_state.get(MESSAGE_KEY)
    if message:
        kind, text = message
        getattr(slot, kind)(text, icon=f":material/{kind}:")


def render_link_note() -> None:
    """One line in the sidebar: the progress is saved under this page's link."""
    if st.session_state.get(state.LINKED_KEY) and st.session_state.get(state.WRITABLE_KEY, True):
        st.caption(
            ":material/bookmark: Saved under this page's link: bookmark it (it is yours "
            "alone, don't share it) to come back to your progress on any device."
        )
