"""Class: a teacher starts a class, students join by code or QR, vote on pushed questions,
and, for a predict question, see the real run's outcome beside their prediction."""

from __future__ import annotations

import html
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from gradclip_core.classroom import ClassroomError, NicknameTaken, Question, new_key
from ui.classroom.view import (
    catalogue,
    distribution_figure,
    votes_sentence,
)
from ui.db import class_store, database_url
from ui.errors import shown_as_message
from ui.learn.content import load
from ui.learn.predict import outcome_sentence, run_scenario
from ui.safe_text import quote
from ui.share import class_address, qr_html

POLL = 1.0  # seconds between looks at the class's state (votes, the current question)


def _store():
    try:
        return class_store()
    except Exception as err:  # noqa: BLE001 - a database that cannot be reached is a message
        st.error(
            "The class database cannot be reached, so classes are unavailable on this server "
            f"({type(err).__name__}). Check the database URL ({quote(_safe_url())}) or unset "
            "GRADCLIP_DATABASE_URL to use the built-in SQLite file.",
            icon=":material/database:",
        )
        return None


def _sentence(err: Exception) -> str:
    """The store's message as a sentence: a capital first letter and a full stop."""
    text = str(err).strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _safe_url() -> str:
    url = database_url()
    if "@" in url:  # never show a password
        scheme, _, rest = url.partition("://")
        return f"{scheme}://…@{rest.split('@', 1)[1]}"
    return url


def join_link(code: str) -> tuple[str | None, str]:
    """The students' link (this server's network address and the class code, nothing else),
    or ``None`` and what to do when this computer has no address other devices can open."""
    address = class_address()
    if address.url is None:
        return None, address.problem
    return f"{address.url.rstrip('/')}/classroom?{urlencode({'class': code})}", ""


# ---- landing ------------------------------------------------------------------------------


def _landing(store) -> None:
    st.title("Class", anchor=False)
    st.markdown(
        "A teacher starts a class and puts its code (or QR code) on the projector; students "
        "join from their phones or laptops with a nickname, no account. The teacher pushes a "
        "question, everyone answers on their own screen, and the class sees the votes."
    )
    teach, join = st.columns(2, gap="large")
    with teach, st.container(border=True):
        st.subheader("Teach", anchor=False)
        st.markdown("Start a class: you get its code and a private teacher link.")
        if st.button("Start a class", type="primary", key="class_start", icon=":material/groups:"):
            key = new_key()
            code = store.create_class(key)
            st.query_params.from_dict({"class": code, "t": key})
            st.rerun()
    with join, st.container(border=True):
        st.subheader("Join", anchor=False)
        code = st.text_input(
            "Class code", max_chars=12, key="class_code_in", placeholder="e.g. K7MQ2"
        )
        if st.button("Join", key="class_join_code") and code.strip():
            info = store.class_info(code)
            if info is None:
                st.error(
                    f"No class has the code {quote(code.strip()[:12])}. A code is 5 letters and "
                    "digits, as on the teacher's screen."
                )
            else:
                st.query_params.from_dict({"class": info.code})
                st.rerun()


# ---- student ------------------------------------------------------------------------------


def _join_form(store, code: str) -> None:
    st.title(f"Join class {code}", anchor=False)
    nickname = st.text_input(
        "Your nickname",
        max_chars=24,
        key="class_nickname",
        help="1 to 24 letters, digits or signs; the class sees it in "
        "the list of who joined, never next to your answers.",
    )
    if st.button("Join the class", type="primary", key="class_join"):
        key = st.query_params.get("me") or new_key()
        try:
            store.join(code, nickname, key)
        except NicknameTaken as err:
            st.warning(_sentence(err))
            return
        except ClassroomError as err:
            st.error(_sentence(err))
            return
        st.query_params["me"] = key  # a reload rejoins as the same student
        st.rerun()


def _my_answer(store, q: Question, me: str) -> str | None:
    for v in store.votes_of(me):
        if v.question_id == q.id:
            return v.answer
    return None


def _student(store, code: str, me: str | None) -> None:
    info = store.class_info(code)
    if info is None:
        st.error(f"No class has the code {quote(code[:12])}. Check the code on the projector.")
        return
    member = store.member(code, me) if me else None
    if member is None:
        if info.ended:
            st.info("This class has ended.", icon=":material/event_busy:")
            return
        _join_form(store, code)
        return
    st.title(f"Class {info.code}", anchor=False)
    st.caption(f"You are **{member.nickname}**. Keep this page open; it updates by itself.")

    @st.fragment(run_every=POLL)
    def live() -> None:
        with shown_as_message("the class"):
            _student_question(store, code, me)

    live()


def _student_question(store, code: str, me: str) -> None:
    if (info := store.class_info(code)) is not None and info.ended:
        st.info("The class has ended. Thank you!", icon=":material/event_busy:")
        return
    q = store.current_question(code)
    if q is None:
        st.info("Waiting for the teacher's first question…", icon=":material/hourglass_top:")
        return
    st.subheader(f"Question {q.position}", anchor=False)
    st.markdown(q.prompt)
    mine = _my_answer(store, q, me)
    if not q.closed:
        choice = st.radio("Your answer", q.options, index=None, key=f"class_pick_{q.id}")
        if st.button(
            "Send my answer" if mine is None else "Change my answer",
            key=f"class_send_{q.id}",
            type="primary",
            disabled=choice is None,
        ):
            try:
                store.vote(q.id, me, choice)
                mine = choice
            except ClassroomError as err:
                st.error(_sentence(err))
        if mine is not None:
            st.success(
                f"Your answer: **{mine}**. You can change it until the teacher closes the vote.",
                icon=":material/how_to_vote:",
            )
        return
    st.caption("Voting is closed." + (f" Your answer: **{mine}**." if mine else ""))
    if q.revealed:
        counts = store.distribution(q.id)
        st.plotly_chart(
            distribution_figure(q, counts, show_right=True),
            key=f"class_dist_{q.id}",
            config={"displayModeBar": False},
        )
        if q.correct and mine is not None:
            right = mine in q.correct
            (st.success if right else st.warning)(
                f"You answered **{mine}**: {'right' if right else 'not this time'}. The right "
                f"answer: **{' / '.join(q.correct)}**."
            )
    if q.outcome:
        st.info(f"What the run did: {q.outcome.get('sentence', '')}", icon=":material/science:")


# ---- teacher ------------------------------------------------------------------------------


def _teacher(store, code: str, key: str) -> None:
    info = store.class_info(code)
    st.title("Your class", anchor=False)
    if info.ended:
        st.info("This class has ended. Its summary stays below.", icon=":material/event_busy:")
    bank, _ = load("bank")
    items = catalogue(bank) if bank is not None else {}
    join, run = st.columns([2, 3], gap="large")
    with join:
        _join_panel(code)

        @st.fragment(run_every=POLL)
        def joined() -> None:  # updates as students arrive
            with shown_as_message("the class"):
                members = store.members(code)
                st.markdown(f"**{len(members)} joined**")
                if members:
                    st.caption(", ".join(m.nickname for m in members))

        joined()
    with run:
        if not info.ended:
            _push_panel(store, code, key, items)

        @st.fragment(run_every=POLL)
        def live() -> None:
            with shown_as_message("the class"):
                _teacher_question(store, code, key, items)

        live()
    _summary(store, code, key, info.ended)
    st.caption(
        "Your teacher link is this page's address: it carries a private key, so keep it "
        "for yourself. Closing this tab does not end the class."
    )


def _join_panel(code: str) -> None:
    link, problem = join_link(code)
    # The join code, large enough to copy from the back of the room (escaped: no raw HTML).
    st.html(
        "<div style='font-size:3rem;font-weight:700;letter-spacing:0.2em'>"
        f"{html.escape(code)}</div>"
    )
    if link is None:
        st.warning(problem, icon=":material/wifi_off:")
        return
    st.caption("Students scan the code or open the link, then choose a nickname.")
    st.html(qr_html(link, "min(100%, 420px)", alt="QR code of the link to join the class"))
    st.code(link, language=None)


def _push_panel(store, code: str, key: str, items) -> None:
    if not items:
        st.warning("No questions could be loaded from lessons/quiz/.")
        return
    pick = st.selectbox(
        "Question to push",
        list(items),
        format_func=lambda k: items[k].label,
        key="class_pick_question",
    )
    if st.button("Push to the class", type="primary", key="class_push", icon=":material/send:"):
        try:
            store.push_question(code, key, items[pick].as_question())
        except ClassroomError as err:
            st.error(_sentence(err))


def _teacher_question(store, code: str, key: str, items) -> None:
    q = store.current_question(code)
    if q is None:
        st.info("Push a question: the students' screens show it at once.")
        return
    counts = store.distribution(q.id)
    st.markdown(f"**Question {q.position}** ({'closed' if q.closed else 'open'}): {q.prompt}")
    st.plotly_chart(
        distribution_figure(q, counts, show_right=q.revealed),
        key=f"class_teacher_dist_{q.id}",
        config={"displayModeBar": False},
    )
    st.caption(votes_sentence(counts, len(store.members(code))) + " No names are shown.")
    cols = st.columns(3)
    # Callbacks: they act before the rerun, so the page then shows the class as it now is.
    if not q.closed:
        cols[0].button(
            "Close the vote",
            key=f"class_close_{q.id}",
            on_click=store.close_question,
            args=(q.id, key),
        )
    if not q.revealed:
        cols[1].button(
            "Reveal to the class",
            key=f"class_reveal_{q.id}",
            type="primary",
            on_click=store.reveal,
            args=(q.id, key),
        )
    item = next((i for i in items.values() if i.item_id == q.item_id and i.kind == q.kind), None)
    if q.kind == "predict" and item is not None:
        if q.outcome is None:
            cols[2].button(
                "Run it now",
                key=f"class_run_{q.id}",
                icon=":material/play_arrow:",
                on_click=_run_now,
                args=(store, q.id, key, item),
            )
        if q.outcome:
            st.info(f"What the run did: {q.outcome.get('sentence', '')}", icon=":material/science:")
        st.page_link(
            "app_pages/playground.py",
            label="Run it live on the Playground (projector mode)",
            icon=":material/show_chart:",
            query_params={"preset": item.preset, "edge": "on", "projector": "1"},
        )


def _run_now(store, question_id: int, key: str, item) -> None:
    """Close the vote, train the scenario in the engine, and record what it did as the
    question's answer (the students' screens show it beside their prediction)."""
    store.close_question(question_id, key)
    outcome = run_scenario(item.preset, item.overrides, item.steps)
    store.record_outcome(
        question_id,
        key,
        {
            "sentence": outcome_sentence(outcome),
            "correct": item.options[outcome.index],
            "diverged_at": outcome.diverged_at,
        },
    )


def _summary(store, code: str, key: str, ended: bool) -> None:
    with st.expander("After class: summary per question", icon=":material/summarize:"):
        rows = store.summary(code)
        if not rows:
            st.caption("No questions yet.")
        else:
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "#": r.position,
                            "Question": r.prompt,
                            "Votes": r.votes,
                            "Right": "–" if r.percent_right is None else f"{r.percent_right:.0f}%",
                            "Most common wrong answer": r.top_wrong or "–",
                            "Misconceptions": ", ".join(
                                f"{k} ({v})" for k, v in r.misconceptions.items()
                            )
                            or "–",
                        }
                        for r in rows
                    ]
                ),
                hide_index=True,
                width="stretch",
            )
            st.download_button(
                "Download as CSV",
                lambda: store.summary_csv(code),
                file_name=f"class_{code}.csv",
                mime="text/csv",
                key="class_csv",
                icon=":material/download:",
            )
        if not ended:
            st.button("End the class", key="class_end", on_click=store.end_class, args=(code, key))


def render() -> None:
    store = _store()
    if store is None:
        return
    query = st.query_params
    code, teacher, me = query.get("class"), query.get("t"), query.get("me")
    if code and teacher and store.is_teacher(code, teacher):
        _teacher(store, store.class_info(code).code, teacher)
    elif code:
        _student(store, code.strip(), me)
    else:
        _landing(store)


render()
