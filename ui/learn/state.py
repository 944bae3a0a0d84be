"""The Learn page's session state: the learner's progress and one round per quiz mode.

Everything lives in ``st.session_state`` under keys that start with ``learn_``. A *round* is
one pass over a list of items of a mode (all of them, or the ones missed)::

    {"ids": [...], "pos": 0, "results": {id: correct}, "answers": {id: what was answered}}

Callbacks only *set* state, and each takes the item or position it was drawn for, so a
replayed click changes nothing (the first answer to an item in a round is the one counted).

The learner's key (:func:`learner_key`) names the progress saved in the database and seeds
the order of multiple-choice options; :mod:`ui.learn.persist` puts it in the page's link.
"""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from gradclip_core.classroom import new_key
from gradclip_core.quiz.progress import Progress

PREFIX = "learn_"
PROGRESS_KEY = "learn_progress"
RESETS_KEY = "learn_resets"  # how many resets so far: a replayed Reset click is ignored
LEARNER_KEY = "learn_learner"  # this learner's key (a URL-safe token, see persist.py)
LINKED_KEY = "learn_linked"  # the key is in the link and progress is saved under it
WRITABLE_KEY = "learn_writable"  # False: what is stored under the key could not be read
SAVED_KEY = "learn_saved"  # the progress JSON stored under the key now (None: nothing)
CLOCK_KEY = "learn_clock"  # a fixed time for the flashcard schedule (tests); unset: real time
# The page frame, the reading position, the reset count and the learner's key survive a reset.
KEEP_ON_RESET = (
    "learn_mode",
    "learn_upload",
    "learn_read_index",
    RESETS_KEY,
    LEARNER_KEY,
    LINKED_KEY,
    WRITABLE_KEY,
    SAVED_KEY,
    CLOCK_KEY,
)


def progress() -> Progress:
    """The learner's scores, created empty on first use."""
    return st.session_state.setdefault(PROGRESS_KEY, Progress())


def set_progress(loaded: Progress) -> None:
    st.session_state[PROGRESS_KEY] = loaded


def learner_key() -> str:
    """This learner's key: from the link (see persist.py), else a new one for this session."""
    ss = st.session_state
    if LEARNER_KEY not in ss:
        ss[LEARNER_KEY] = new_key()
    return ss[LEARNER_KEY]


def now() -> datetime:
    """The time for the flashcard schedule: the session's fixed clock if a test set one."""
    fixed = st.session_state.get(CLOCK_KEY)
    return fixed if isinstance(fixed, datetime) and fixed.tzinfo else datetime.now(UTC)


def resets() -> int:
    return st.session_state.get(RESETS_KEY, 0)


def clear() -> None:
    """Forget the scores, the schedule, every round and the answers typed so far."""
    ss = st.session_state
    for name in list(ss.keys()):
        if str(name).startswith(PREFIX) and name not in KEEP_ON_RESET:
            del ss[name]
    ss[PROGRESS_KEY] = Progress()


def reset_all(count: int) -> None:
    """Start over: :func:`clear`, and (at the end of this run, persist.py) the saved copy.

    Args:
        count: :func:`resets` when the button was drawn; a stale (replayed) click does nothing.
    """
    if count != resets():
        return
    st.session_state[RESETS_KEY] = count + 1
    clear()
    st.session_state["learn_notice"] = "Progress reset: every score is back to zero."


def new_round(ids: list[str], number: int = 0) -> dict:
    """A fresh round over ``ids``, in that order; ``number`` counts the mode's rounds."""
    return {"ids": list(ids), "pos": 0, "results": {}, "answers": {}, "number": number}


def round_key(mode: str) -> str:
    return f"{PREFIX}{mode}_round"


def current_round(mode: str, ids: list[str]) -> dict:
    """This mode's round, started over ``ids`` if there is none (or the bank changed)."""
    ss = st.session_state
    r = ss.get(round_key(mode))
    if r is None or not set(r["ids"]) <= set(ids):
        r = ss[round_key(mode)] = new_round(ids)
    return r


def answer(mode: str, item_id: str, correct: bool, given) -> None:
    """Record an answer: shown now, counted once per item and round.

    Args:
        mode: the quiz mode.
        item_id: the item answered.
        correct: whether the answer was right.
        given: what to show as the answer (kept until the next round).
    """
    r = st.session_state.get(round_key(mode))
    if r is None or item_id not in r["ids"]:
        return
    r["answers"][item_id] = given
    if item_id not in r["results"]:
        r["results"][item_id] = bool(correct)
        progress().record(mode, item_id, bool(correct))


def goto(mode: str, pos: int) -> None:
    """Move the round to position ``pos`` (a position, not a step: replays are harmless)."""
    r = st.session_state.get(round_key(mode))
    if r is not None:
        r["pos"] = max(0, min(int(pos), len(r["ids"])))


def restart(mode: str, ids: list[str], number: int) -> None:
    """Start round ``number + 1`` over ``ids`` (all items, or the ones missed), if round
    ``number`` is still the current one (so a replayed click does not start another)."""
    r = st.session_state.get(round_key(mode))
    if r is None or r.get("number", 0) == number:
        st.session_state[round_key(mode)] = new_round(ids, number + 1)


def answered(mode: str, item_id: str) -> bool:
    """Whether this round already has an answer for the item."""
    r = st.session_state.get(round_key(mode))
    return r is not None and item_id in r["answers"]


def missed(r: dict) -> list[str]:
    """Ids answered wrongly in this round, in round order."""
    return [i for i in r["ids"] if r["results"].get(i) is False]


def score(r: dict) -> tuple[int, int]:
    """(right, answered) in this round."""
    return sum(r["results"].values()), len(r["results"])


def open_item(mode: str, item_id: str) -> None:
    """Show one item in its quiz mode, in a round of its own (from the weak-items list)."""
    ss = st.session_state
    r = ss.get(round_key(mode))
    ss[round_key(mode)] = new_round([item_id], (r or {}).get("number", 0) + 1)
    ss["learn_mode"] = mode
