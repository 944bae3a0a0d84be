"""What every one-at-a-time quiz mode shares: where you are, Next, and the end of a round."""

from __future__ import annotations

import streamlit as st

from ui.learn import state as state

NOUNS = {
    "multiple_choice": "Question",
    "explain": "Prompt",
    "true_false": "Statement",
    "fill_code": "Snippet",
    "order": "Puzzle",
    "predict": "Scenario",
}
SHORT = {
    "multiple_choice": "mc",
    "explain": "explain",
    "true_false": "tf",
    "fill_code": "fill",
    "order": "order",
    "predict": "predict",
}


def widget_key(mode: str, name: str) -> str:
    """A stable widget key such as ``learn_mc_next``."""
    return f"{state.PREFIX}{SHORT[mode]}_{name}"


def start(mode: str, items) -> tuple[dict, object | None]:
    """This mode's round and the item to show now (``None`` once the round is over)."""
    r = state.current_round(mode, [item.id for item in items])
    if r["pos"] >= len(r["ids"]):
        return r, None
    by_id = {item.id: item for item in items}
    return r, by_id[r["ids"][r["pos"]]]


def render_position(mode: str, r: dict) -> None:
    """'Question 3 of 12 · 2 of 2 right so far', over a progress bar."""
    right, answered = state.score(r)
    total = len(r["ids"])
    shown = min(r["pos"] + 1, total)
    text = f"{NOUNS[mode]} {shown} of {total}"
    if answered:
        text += f" · {right} of {answered} right so far"
    st.progress(min(r["pos"], total) / max(1, total), text=text)


def render_next(mode: str, r: dict) -> None:
    """The button that moves on (or ends the round after the last item)."""
    last = r["pos"] + 1 >= len(r["ids"])
    st.button(
        "See my score" if last else "Next",
        key=widget_key(mode, "next"),
        type="primary",
        icon=":material/flag:" if last else ":material/arrow_forward:",
        on_click=state.goto,
        args=(mode, r["pos"] + 1),
    )


def render_round_end(mode: str, r: dict, all_ids: list[str]) -> None:
    """The round's score, with 'Retry the ones I missed' and 'Start again'."""
    right, answered = state.score(r)
    missed = state.missed(r)
    if answered and right == answered:
        st.success(f"Round done: all {answered} right!", icon=":material/celebration:")
    else:
        st.info(f"Round done: {right} of {len(r['ids'])} right.", icon=":material/flag:")
    cols = st.columns(2, width=560)
    if missed:
        cols[0].button(
            f"Retry the ones I missed ({len(missed)})",
            key=widget_key(mode, "retry"),
            type="primary",
            icon=":material/replay:",
            on_click=state.restart,
            args=(mode, missed, r.get("number", 0)),
        )
    cols[1 if missed else 0].button(
        "Start again",
        key=widget_key(mode, "restart"),
        icon=":material/restart_alt:",
        on_click=state.restart,
        args=(mode, all_ids, r.get("number", 0)),
    )
