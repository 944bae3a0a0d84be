"""Flashcards: read the front, show the answer, grade yourself; Again brings a card back later."""

from __future__ import annotations

import streamlit as st

from gradclip_core.quiz import LEVELS, Bank, Flashcard
from gradclip_core.quiz.progress import FlashcardDeck
from ui.learn import state as state
from ui.learn.text import rich

MODE = "flashcards"
DECK_KEY = "learn_fc_deck"
LEVELS_KEY = "learn_fc_levels"
BUILDS_KEY = "learn_fc_builds"  # decks built so far: a replayed restart click is ignored
SHOWN_KEY = "learn_fc_shown"  # the deck's review count when "Show answer" was pressed
GRADED_KEY = "learn_fc_graded"  # cards of this deck already counted in the progress
SEED = 0  # the same shuffle every time, so a class sees the same order
LEVEL_COLORS = {"beginner": "green", "intermediate": "orange", "advanced": "violet"}


def _build(bank: Bank) -> FlashcardDeck | None:
    levels = st.session_state.get(LEVELS_KEY, list(LEVELS))
    st.session_state[BUILDS_KEY] = st.session_state.get(BUILDS_KEY, 0) + 1
    st.session_state[GRADED_KEY] = set()
    st.session_state.pop(SHOWN_KEY, None)
    deck = FlashcardDeck(bank.items(MODE), levels=levels, seed=SEED) if levels else None
    st.session_state[DECK_KEY] = deck
    return deck


def _restart(bank: Bank, builds: int) -> None:
    if st.session_state.get(BUILDS_KEY, 0) == builds:
        _build(bank)


def _show(token: int) -> None:
    st.session_state[SHOWN_KEY] = token


def _grade(again: bool, token: int) -> None:
    """Grade the card shown at review ``token`` (a replayed click finds a newer token)."""
    deck: FlashcardDeck | None = st.session_state.get(DECK_KEY)
    if deck is None or deck.done or deck.reviews != token:
        return
    card = deck.current()
    deck.grade(again=again)
    graded = st.session_state.setdefault(GRADED_KEY, set())
    if card.id not in graded:  # the first grade counts; a repeat is practice
        graded.add(card.id)
        state.progress().record(MODE, card.id, correct=not again)


def render_flashcards(bank: Bank) -> None:
    """Level filter, progress bar, the card, then Show answer and Again / Good."""
    st.pills(
        "Levels",
        list(LEVELS),
        selection_mode="multi",
        default=list(LEVELS),
        key=LEVELS_KEY,
        format_func=str.capitalize,
        on_change=_build,
        args=(bank,),
    )
    if DECK_KEY not in st.session_state:
        _build(bank)
    deck: FlashcardDeck | None = st.session_state[DECK_KEY]
    if deck is None:
        st.info("Pick at least one level to study.", icon=":material/filter_alt:")
        return
    seen, total = deck.progress
    st.progress(seen / max(1, total), text=f"{seen} of {total} cards seen · {deck.remaining} to go")
    if deck.done:
        render_deck_done(bank, deck)
        return
    render_card(deck)


def render_card(deck: FlashcardDeck) -> None:
    card: Flashcard = deck.current()
    shown = st.session_state.get(SHOWN_KEY) == deck.reviews
    with st.container(border=True):
        st.badge(card.level.capitalize(), color=LEVEL_COLORS[card.level])
        if card.id in deck.again_ids:
            st.caption("Back again: you marked this card Again.")
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
            on_click=_show,
            args=(deck.reviews,),
        )
        return
    st.caption("Did you know it?")
    row = st.container(horizontal=True)
    row.button(
        "Again",
        key="learn_fc_again",
        icon=":material/replay:",
        width=160,
        on_click=_grade,
        args=(True, deck.reviews),
    )
    row.button(
        "Good",
        key="learn_fc_good",
        type="primary",
        icon=":material/check:",
        width=160,
        on_click=_grade,
        args=(False, deck.reviews),
    )


def render_deck_done(bank: Bank, deck: FlashcardDeck) -> None:
    again = len(deck.again_ids)
    text = f"Deck done: {deck.progress[1]} cards in {deck.reviews} reviews."
    if again:
        text += f" {again} needed another look; Summary lists them."
    st.success(text, icon=":material/celebration:")
    st.button(
        "Study the deck again",
        key="learn_fc_restart",
        type="primary",
        icon=":material/restart_alt:",
        on_click=_restart,
        args=(bank, st.session_state.get(BUILDS_KEY, 0)),
    )
