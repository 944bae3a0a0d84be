"""Flashcards with spaced repetition: show the answer, rate it Again / Hard / Good / Easy.

The FSRS schedule (gradclip_core/quiz/schedule.py) lives in the learner's progress, so it is
saved with the scores: cards due now come first, then new ones, and each rating says in words
when that card comes back. The card on screen is pinned until it is rated, so a card falling
due meanwhile does not swap it under the learner's eyes.
"""

from __future__ import annotations

import random

import streamlit as st

from gradclip_core.quiz import LEVELS, Bank, Flashcard
from gradclip_core.quiz.schedule import Schedule, in_words
from ui.learn import state as state
from ui.learn.text import rich

MODE = "flashcards"
LEVELS_KEY = "learn_fc_levels"
TURN_KEY = "learn_fc_turn"  # ratings in this session: a replayed rating click is ignored
CURRENT_KEY = "learn_fc_current"  # (turn, card id): the card on screen
SHOWN_KEY = "learn_fc_shown"  # the turn whose answer is shown
LAST_KEY = "learn_fc_last"  # (rating label, when in words) of the last rating
SEED = 0  # new cards in the same shuffled order every time, so a class sees the same order
LEVEL_COLORS = {"beginner": "green", "intermediate": "orange", "advanced": "violet"}
# (rating, button label, icon); keys 1-4 on the page press them in this order (keys.py).
RATING_BUTTONS = (
    ("again", "Again", "replay"),
    ("hard", "Hard", "sentiment_dissatisfied"),
    ("good", "Good", "check"),
    ("easy", "Easy", "bolt"),
)


def deck(bank: Bank, levels) -> list[Flashcard]:
    """The cards of ``levels``, in the deck's fixed shuffled order (the order of new cards)."""
    cards = [c for c in bank.items(MODE) if c.level in set(levels)]
    random.Random(SEED).shuffle(cards)
    return cards


def _turn() -> int:
    return st.session_state.get(TURN_KEY, 0)


def _show(turn: int) -> None:
    st.session_state[SHOWN_KEY] = turn


def _rate(rating: str, turn: int) -> None:
    """Rate the card shown at ``turn`` (a replayed click finds a newer turn and does nothing)."""
    ss = st.session_state
    current = ss.get(CURRENT_KEY)
    if _turn() != turn or current is None or current[0] != turn:
        return
    item_id, now = current[1], state.now()
    card = state.progress().schedule.rate(item_id, rating, now)
    state.progress().record(MODE, item_id, correct=rating != "again")
    ss[TURN_KEY] = turn + 1
    ss.pop(CURRENT_KEY, None)
    ss.pop(SHOWN_KEY, None)
    label = dict((r, lab) for r, lab, _ in RATING_BUTTONS)[rating]
    ss[LAST_KEY] = (label, in_words(card.due - now))


def open_card(item_id: str) -> None:
    """Put one card on screen now, due or not (from the weak-items list)."""
    ss = st.session_state
    ss[CURRENT_KEY] = (_turn(), item_id)
    ss.pop(SHOWN_KEY, None)
    ss["learn_mode"] = MODE


def _levels_changed() -> None:
    st.session_state.pop(CURRENT_KEY, None)  # the next card comes from the new levels


def _study_early(item_id: str) -> None:
    st.session_state[CURRENT_KEY] = (_turn(), item_id)


def _pick(bank: Bank, cards: list[Flashcard], schedule: Schedule, now) -> Flashcard | None:
    """The card on screen: the pinned one, else the first of the schedule's queue."""
    ss = st.session_state
    everything = {c.id: c for c in bank.items(MODE)}
    current = ss.get(CURRENT_KEY)
    if current and current[0] == _turn() and current[1] in everything:
        return everything[current[1]]
    queue = schedule.queue([c.id for c in cards], now)
    if not queue:
        ss.pop(CURRENT_KEY, None)
        return None
    ss[CURRENT_KEY] = (_turn(), queue[0])
    return everything[queue[0]]


def render_flashcards(bank: Bank) -> None:
    """Level filter, how many are due and new, the card, then Show answer and the ratings."""
    ss = st.session_state
    st.pills(
        "Levels",
        list(LEVELS),
        selection_mode="multi",
        key=LEVELS_KEY,
        format_func=str.capitalize,
        on_change=_levels_changed,
        **({} if LEVELS_KEY in ss else {"default": list(LEVELS)}),
    )
    levels = ss.get(LEVELS_KEY) or []
    if not levels:
        st.info("Pick at least one level to study.", icon=":material/filter_alt:")
        return
    now, schedule = state.now(), state.progress().schedule
    cards = deck(bank, levels)
    due, new, _ = schedule.counts([c.id for c in cards], now)
    seen, total = len(cards) - new, len(cards)
    st.progress(
        seen / max(1, total), text=f"{seen} of {total} cards seen · {due} due now · {new} new"
    )
    if last := ss.get(LAST_KEY):
        st.caption(f"**{last[0]}**: you will see that card again {last[1]}.")
    card = _pick(bank, cards, schedule, now)
    if card is None:
        render_caught_up(cards, schedule, now)
        return
    render_card(card, schedule, now)


def render_card(card: Flashcard, schedule: Schedule, now) -> None:
    turn = _turn()
    shown = st.session_state.get(SHOWN_KEY) == turn
    with st.container(border=True):
        st.badge(card.level.capitalize(), color=LEVEL_COLORS[card.level])
        if card.id in state.progress().mode(MODE).to_review:
            st.caption("Back again: you marked this card Again.")
        elif schedule.due(card.id) is None:
            st.caption("A new card.")
        st.markdown(f"#### {rich(card.front)}")
        if shown:
            st.divider()
            st.markdown(f"##### {rich(card.back)}")
    if not shown:
        st.button(
            "Show answer",
            key="learn_fc_show",
            type="primary",
            icon=":material/visibility:",
            help="Key: Space",
            on_click=_show,
            args=(turn,),
        )
        return
    render_ratings(card, schedule, now, turn)


def render_ratings(card: Flashcard, schedule: Schedule, now, turn: int) -> None:
    """Again / Hard / Good / Easy, each saying when the card would come back."""
    st.caption("How well did you know it? (keys 1 to 4)")
    when = {name: in_words(wait) for name, wait in schedule.preview(card.id, now).items()}
    row = st.container(horizontal=True)
    for number, (rating, label, icon) in enumerate(RATING_BUTTONS, start=1):
        row.button(
            label,
            key=f"learn_fc_{rating}",
            type="primary" if rating == "good" else "secondary",
            icon=f":material/{icon}:",
            width=140,
            help=f"Key {number}: you will see this card again {when[rating]}.",
            on_click=_rate,
            args=(rating, turn),
        )
    st.caption(" · ".join(f"{label} {when[rating]}" for rating, label, _ in RATING_BUTTONS))


def render_caught_up(cards: list[Flashcard], schedule: Schedule, now) -> None:
    """Nothing due and nothing new: when the next card is due, and a way to study one early."""
    ids = [c.id for c in cards]
    upcoming = schedule.next_due(ids)
    text = "All caught up: no card of these levels is due."
    if upcoming is not None:
        text += f" The next one is due {in_words(upcoming - now)}."
    st.success(text, icon=":material/celebration:")
    if upcoming is None:
        return
    first = min(ids, key=lambda i: (schedule.due(i), ids.index(i)))
    st.button(
        "Study the next card early",
        key="learn_fc_early",
        icon=":material/fast_forward:",
        help="Reviewing early is allowed: FSRS counts the shorter wait.",
        on_click=_study_early,
        args=(first,),
    )
