"""Multiple choice and true or false: click an answer, see at once why it is right or wrong.

A question's options are shuffled per learner: seeded by the learner's key and the question's
id, so a reload (the key is in the link) keeps the order and two learners see different ones.
Each button carries the option's identity (its index in the bank), never its place on screen.
"""

from __future__ import annotations

import random

import streamlit as st

from gradclip_core.quiz import Bank, MultipleChoice, TrueFalse
from ui.learn import round as rnd
from ui.learn import state as state
from ui.learn.text import rich

MC = "multiple_choice"
TF = "true_false"


def option_order(q: MultipleChoice, learner: str) -> list[int]:
    """The bank indices of ``q``'s options in the order this learner sees them."""
    order = list(range(len(q.options)))
    random.Random(f"{learner}/{q.id}").shuffle(order)  # a str seed: the same in every process
    return order


def render_multiple_choice(bank: Bank) -> None:
    """One question at a time; the options are buttons; feedback quotes the option's why."""
    items = bank.items(MC)
    r, q = rnd.start(MC, items)
    rnd.render_position(MC, r)
    if q is None:
        rnd.render_round_end(MC, r, [i.id for i in items])
        return
    st.markdown(f"#### {rich(q.prompt)}")
    chosen = r["answers"].get(q.id)
    if chosen is None:
        for j in option_order(q, state.learner_key()):
            option = q.options[j]
            st.button(
                rich(option.text),
                key=f"learn_mc_option_{j}",
                width="stretch",
                on_click=state.answer,
                args=(MC, q.id, option.correct, j),
            )
        st.caption(f"Keys 1 to {len(q.options)} pick an option, top to bottom.")
        return
    render_mc_feedback(q, chosen)
    rnd.render_next(MC, r)


def render_mc_feedback(q: MultipleChoice, chosen: int) -> None:
    picked = q.options[chosen]
    right = q.options[q.answer_index]
    if picked.correct:
        st.success(f"**Right: {rich(picked.text)}.** {rich(picked.why)}", icon=":material/check:")
        return
    st.error(f"**Not quite: {rich(picked.text)}.** {rich(picked.why)}", icon=":material/close:")
    st.info(
        f"**The right answer: {rich(right.text)}.** {rich(right.why)}",
        icon=":material/lightbulb:",
    )


def render_true_false(bank: Bank) -> None:
    """Quick-fire statements: True or False, then why."""
    items = bank.items(TF)
    r, s = rnd.start(TF, items)
    rnd.render_position(TF, r)
    if s is None:
        rnd.render_round_end(TF, r, [i.id for i in items])
        return
    with st.container(border=True):
        st.markdown(f"#### {rich(s.text)}")
    given = r["answers"].get(s.id)
    if given is None:
        row = st.container(horizontal=True)
        for value, label, icon in ((True, "True", "check"), (False, "False", "close")):
            row.button(
                label,
                key=f"learn_tf_{label.lower()}",
                icon=f":material/{icon}:",
                width=180,
                on_click=state.answer,
                args=(TF, s.id, value == s.answer, value),
            )
        st.caption("Keys: 1 for True, 2 for False.")
        return
    render_tf_feedback(s, given)
    rnd.render_next(TF, r)


def render_tf_feedback(s: TrueFalse, given: bool) -> None:
    truth = "true" if s.answer else "false"
    if given == s.answer:
        st.success(f"**Right: it is {truth}.** {rich(s.why)}", icon=":material/check:")
    else:
        st.error(f"**Not quite: the statement is {truth}.** {rich(s.why)}", icon=":material/close:")
