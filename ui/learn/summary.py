"""The learner's scores: per mode, the weak items to review, start over, and progress saved as
a JSON file (the scores and the flashcard schedule)."""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitAPIException

from gradclip_core.quiz import Bank
from gradclip_core.quiz.progress import MODES, Progress, ProgressError, progress_from_json
from gradclip_core.quiz.progress import progress_to_json as to_json
from ui.learn import state as state
from ui.learn.cards import open_card
from ui.learn.text import rich, short
from ui.safe_text import literal, quote

QUIZ_LABELS = {
    "flashcards": "Flashcards",
    "multiple_choice": "Multiple choice",
    "explain": "Explain in your own words",
    "true_false": "True or false",
    "fill_code": "Fill in the code",
    "order": "Put the steps in order",
    "predict": "Predict, then run",
}
PROGRESS_FILE = "gradclip-progress.json"
UPLOAD_KEY = "learn_upload"
UPLOAD_MSG_KEY = "learn_upload_message"  # (kind, text) about the last file loaded
KEPT = "Your current progress is unchanged."
REVIEW_SHOWN = 50  # items listed to review per mode (a bank has fewer; a crafted file more)


def item_title(item) -> str:
    """A one-line title for any quiz item."""
    for name in ("front", "prompt", "question", "text"):
        if hasattr(item, name):
            return short(getattr(item, name), 90)
    return item.id


def render_scoreboard(progress: Progress) -> None:
    """Right answers per mode, one short line each (for the sidebar)."""
    st.subheader("Your progress", anchor=False)
    lines = []
    for mode in MODES:
        m = progress.modes.get(mode)
        score = f"{m.correct} of {m.answered} right" if m and m.answered else "not started"
        lines.append(f"- {QUIZ_LABELS[mode]}: **{score}**")
    st.markdown("\n".join(lines))


def _on_upload() -> None:
    """Load an uploaded progress file; a bad one leaves the current progress as it was."""
    ss = st.session_state
    upload = ss.get(UPLOAD_KEY)
    if upload is None:
        ss.pop(UPLOAD_MSG_KEY, None)
        return
    name = quote(upload.name)  # messages are Markdown: the name and the file's text shown literally
    try:
        loaded = progress_from_json(upload.getvalue().decode("utf-8"))
    except UnicodeDecodeError:
        err = "it is not text, so it is not a progress file; choose the .json you saved"
        ss[UPLOAD_MSG_KEY] = ("error", f"Could not load {name}: {err}. {KEPT}")
    except ProgressError as err:
        ss[UPLOAD_MSG_KEY] = ("error", f"Could not load {name}: {literal(err)}. {KEPT}")
    else:
        state.set_progress(loaded)
        ss[UPLOAD_MSG_KEY] = ("success", f"Loaded your progress from {name}.")


def render_summary(bank: Bank | None) -> None:
    """Scores per mode, items to review, and reset / download / load.

    Reset and Load are drawn whatever happens to the scores above them: they are the way out
    of progress that cannot be shown.
    """
    progress = state.progress()
    try:
        render_scores(progress, bank)
    except (StreamlitAPIException, ValueError, OverflowError) as err:
        st.error(
            f"Your scores cannot be shown ({type(err).__name__}): the progress is damaged. "
            "Start over, or load a progress file you saved, below.",
            icon=":material/error:",
        )
    st.subheader("Save or start over", anchor=False)
    st.caption(
        "Your progress is saved under this page's link as you go. Download it to keep a copy "
        "or to move it elsewhere; Load replaces what is here (and in the saved copy)."
    )
    render_progress_file(progress)


def render_scores(progress: Progress, bank: Bank | None) -> None:
    """The table of scores per mode, then what to review."""
    rows = [
        {
            "Mode": QUIZ_LABELS[mode],
            "Answered": m.answered,
            "Correct": m.correct,
            "To review": len(m.to_review),
        }
        for mode in MODES
        if (m := progress.modes.get(mode)) is not None
    ]
    if rows:
        st.dataframe(rows, hide_index=True, key="learn_summary_table", width="content")
    else:
        st.info("No answers yet: pick a quiz mode above and start.", icon=":material/info:")
    render_overrides(progress)
    render_review(progress, bank)


def render_overrides(progress: Progress) -> None:
    """How many answers the learner marked right over the grader ("I was right"), apart from
    the graded scores."""
    marked = {m: len(p.overridden) for m, p in progress.modes.items() if p.overridden}
    if not marked:
        return
    total = sum(marked.values())
    where = ", ".join(f"{QUIZ_LABELS[m]}: {n}" for m, n in marked.items())
    st.markdown(
        f"**{total} {'answer' if total == 1 else 'answers'} marked right by you** ({where}), "
        "not counted as correct above."
    )


def render_review(progress: Progress, bank: Bank | None) -> None:
    """Review my weak items: those last answered wrong, per mode; each opens in its mode."""
    review = [
        (mode, m.to_review)
        for mode in MODES
        if (m := progress.modes.get(mode)) is not None and m.to_review
    ]
    if not review:
        return
    st.subheader("Review my weak items", anchor=False)
    st.caption("The ones you last got wrong. Click one to try it again.")
    for mode, ids in review:
        st.markdown(f"**{QUIZ_LABELS[mode]}**")
        in_mode = {item.id: item for item in bank.items(mode)} if bank else {}
        gone = []
        for item_id in ids[:REVIEW_SHOWN]:
            item = in_mode.get(item_id)
            if item is None:  # from an uploaded file, or left the course: shown literally
                gone.append(f"- {quote(item_id)} (not in the course now)")
                continue
            st.button(
                rich(item_title(item)),
                key=f"learn_weak_{mode}_{item_id}",
                type="tertiary",
                icon=":material/arrow_forward:",
                on_click=open_card if mode == "flashcards" else state.open_item,
                args=(item_id,) if mode == "flashcards" else (mode, item_id),
            )
        if len(ids) > REVIEW_SHOWN:  # a file may list thousands
            gone.append(f"- …and {len(ids) - REVIEW_SHOWN:,} more")
        if gone:
            st.markdown("\n".join(gone))


def render_progress_file(progress: Progress) -> None:
    """Download, Reset and Load; Download is left out if the progress cannot be saved."""
    row = st.container(horizontal=True)
    try:
        data = to_json(progress).encode("utf-8")
    except ValueError:  # an int too long for text, or a lone surrogate: nothing to save
        data = None
    if data is not None:
        row.download_button(
            "Download progress",
            data=data,
            file_name=PROGRESS_FILE,
            mime="application/json",
            key="learn_download",
            icon=":material/download:",
            on_click="ignore",
        )
    row.button(
        "Start over",
        key="learn_reset",
        icon=":material/delete_sweep:",
        help="Forget every score, the flashcard schedule and your place, here and in the "
        "copy saved under this page's link.",
        on_click=state.reset_all,
        args=(state.resets(),),
    )
    st.file_uploader(
        "Load progress",
        type=["json"],
        key=UPLOAD_KEY,
        on_change=_on_upload,
        max_upload_size=1,  # MB; a progress file is a few KB
        help="A .json file saved with Download progress. It replaces the scores shown here.",
    )
    message = st.session_state.get(UPLOAD_MSG_KEY)
    if message:
        kind, text = message
        # Markdown that quotes the file name and what the file held (see ui/safe_text.py).
        (st.success if kind == "success" else st.error)(text)
