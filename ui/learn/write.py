"""Explain in your own words, and fill in the code: the learner types, the grader checks."""

from __future__ import annotations

import logging

import streamlit as st

from gradclip_core.quiz import BLANK, Bank, ExplainPrompt, FillCode
from gradclip_core.quiz.checks import check_fill
from gradclip_core.quiz.grading import Grade, grade_explanation
from ui.learn import round as rnd
from ui.learn import state as state
from ui.learn.text import escape, rich

EXPLAIN = "explain"
FILL = "fill_code"
EMPTY_KEY = "learn_empty_answer"  # the item whose Check was pressed with nothing typed
FAILED_KEY = "learn_grading_failed"  # the item whose answer the grader could not read
OVERRIDES_KEY = "overridden"  # in a round: ids whose grade the learner marked right
CUT_KEY = "learn_answer_cut"  # (item id, length) of the last answer cut to its limit
_LOG = logging.getLogger(__name__)
EXPLAIN_MAX_CHARS = 2000  # characters of an explanation that are kept and graded
FILL_MAX_CHARS = 300  # characters of a fill-in answer


def explain_key(item: ExplainPrompt) -> str:
    return f"learn_explain_text_{item.id}"


def fill_key(item: FillCode) -> str:
    return f"learn_fill_text_{item.id}"


def _typed(key: str, item_id: str, limit: int) -> str:
    """What was typed in widget ``key``, cut (in the box too) to its first ``limit`` characters.

    The widgets have no ``max_chars``: the browser drops a paste that would pass it, whole and
    silently, and Check then found nothing typed. A long answer is cut and the learner told.
    """
    ss = st.session_state
    text = ss.get(key) or ""
    ss.pop(CUT_KEY, None)
    if len(text) > limit:
        ss[CUT_KEY] = (item_id, len(text))
        ss[key] = text = text[:limit]
    return text


def render_cut(item_id: str, limit: int) -> None:
    """Say so when the answer to this item was cut to ``limit`` characters."""
    cut = st.session_state.get(CUT_KEY)
    if cut and cut[0] == item_id:
        st.info(
            f"Your answer was cut to the first {limit:,} characters (it had {cut[1]:,}); "
            "only those were checked.",
            icon=":material/content_cut:",
        )


def _check_explain(item: ExplainPrompt) -> None:
    text = _typed(explain_key(item), item.id, EXPLAIN_MAX_CHARS)
    if not text.strip():
        st.session_state[EMPTY_KEY] = item.id
        return
    st.session_state.pop(EMPTY_KEY, None)
    try:
        grade = grade_explanation(item, text)
    except Exception:  # a reader rule that fails on some text must not cost the learner the page
        _LOG.exception("grading an answer to %s failed", item.id)
        st.session_state[FAILED_KEY] = item.id  # nothing recorded: the answer stays in its box
        return
    st.session_state.pop(FAILED_KEY, None)
    state.answer(EXPLAIN, item.id, grade.full, grade)


def render_explain(bank: Bank) -> None:
    """Prompt and hint, a text area, Check: the concepts covered, any misconception, what is
    missing, the model answer, and "I was right" when the grade was not full."""
    items = bank.items(EXPLAIN)
    r, item = rnd.start(EXPLAIN, items)
    rnd.render_position(EXPLAIN, r)
    if item is None:
        rnd.render_round_end(EXPLAIN, r, [i.id for i in items])
        return
    st.markdown(f"#### {rich(item.question)}")
    st.caption(f"Hint: {rich(item.hint)}")
    st.text_area(
        "Your answer",
        key=explain_key(item),
        height=140,
        placeholder="Two or three sentences in plain words.",
    )
    grade: Grade | None = r["answers"].get(item.id)
    st.button(
        "Check again" if grade else "Check",
        key="learn_explain_check",
        type="secondary" if grade else "primary",
        icon=":material/fact_check:",
        on_click=_check_explain,
        args=(item,),
    )
    if st.session_state.get(EMPTY_KEY) == item.id:
        st.info(grade_explanation(item, "").notice, icon=":material/edit:")
    render_cut(item.id, EXPLAIN_MAX_CHARS)
    if st.session_state.get(FAILED_KEY) == item.id:
        st.warning(
            "The checker could not read this answer: a fault on our side, not in your answer, "
            "and it has been logged. Your answer is still in the box and nothing was counted. "
            "Compare it with the model answer below, or reword a sentence and check again.",
            icon=":material/error:",
        )
        with st.expander("Model answer", expanded=True, icon=":material/menu_book:"):
            st.markdown(rich(item.model_answer))
    if grade is None:
        return
    render_grade(item, grade)
    render_override(item, grade, r)
    rnd.render_next(EXPLAIN, r)


def render_grade(item: ExplainPrompt, grade: Grade) -> None:
    """What the answer earned, what it got wrong, what it misses, then the model answer."""
    box = st.success if grade.full else (st.warning if grade.score else st.error)
    found = "".join(f"\n- :material/check: {escape(name)}" for name in grade.found)
    box(f"**{grade.message}.**{found}", icon=":material/grading:")
    if grade.notice:
        st.info(grade.notice)
    if grade.mistakes:
        lines = "".join(f"\n- {rich(text)}" for text in grade.mistakes)
        st.error(f"**Careful:**{lines}", icon=":material/report:")
    if grade.missing:
        lines = "".join(f"\n- **{escape(name)}**: {rich(hint)}" for name, hint in grade.missing)
        st.markdown(f"**Still missing:**{lines}")
    with st.expander("Model answer", expanded=True, icon=":material/menu_book:"):
        st.markdown(rich(item.model_answer))


def _override(item_id: str) -> None:
    """Count this round's answer to ``item_id`` as right on the learner's word (once)."""
    r = st.session_state.get(state.round_key(EXPLAIN))
    if r is None or r["results"].get(item_id) is not False:
        return
    r["results"][item_id] = True
    r.setdefault(OVERRIDES_KEY, []).append(item_id)
    state.progress().override(EXPLAIN, item_id)


def render_override(item: ExplainPrompt, grade: Grade, r: dict) -> None:
    """ "I was right" after a grade that was not full: the learner may overrule the grader,
    as Quizlet allows; the summary counts such answers apart."""
    if item.id in r.get(OVERRIDES_KEY, ()):
        st.info(
            "You marked this answer right. It no longer counts as missed, and your summary "
            "lists it apart, as marked right by you.",
            icon=":material/thumb_up:",
        )
    elif r["results"].get(item.id) is False and not grade.full:
        st.button(
            "I was right",
            key="learn_explain_override",
            icon=":material/thumb_up:",
            help="The grader reads for key ideas and can miss a good answer in other words. "
            "If yours says the same as the model answer, count it as right.",
            on_click=_override,
            args=(item.id,),
        )


def _check_fill(item: FillCode) -> None:
    if state.answered(FILL, item.id):  # one answer per snippet and round
        return
    text = _typed(fill_key(item), item.id, FILL_MAX_CHARS)
    if not text.strip():
        st.session_state[EMPTY_KEY] = item.id
        return
    st.session_state.pop(EMPTY_KEY, None)
    ok = check_fill(item, text)
    state.answer(FILL, item.id, ok, {"text": text, "ok": ok, "revealed": False})


def _reveal_fill(item: FillCode) -> None:
    if state.answered(FILL, item.id):
        return
    st.session_state.pop(EMPTY_KEY, None)
    state.answer(FILL, item.id, False, {"text": "", "ok": False, "revealed": True})


def render_fill_code(bank: Bank) -> None:
    """The code with its ____ blank, a text input, Check or Reveal, then the explanation."""
    items = bank.items(FILL)
    r, item = rnd.start(FILL, items)
    rnd.render_position(FILL, r)
    if item is None:
        rnd.render_round_end(FILL, r, [i.id for i in items])
        return
    st.markdown(f"#### {rich(item.prompt)}")
    st.code(item.code.strip("\n"), language="python")
    given = r["answers"].get(item.id)
    st.text_input(
        f"What goes in the {BLANK} blank?",
        key=fill_key(item),
        disabled=given is not None,
        placeholder="Type the missing code",
    )
    if given is None:
        row = st.container(horizontal=True)
        row.button(
            "Check",
            key="learn_fill_check",
            type="primary",
            icon=":material/fact_check:",
            on_click=_check_fill,
            args=(item,),
        )
        row.button(
            "Reveal answer",
            key="learn_fill_reveal",
            icon=":material/visibility:",
            on_click=_reveal_fill,
            args=(item,),
        )
        if st.session_state.get(EMPTY_KEY) == item.id:
            st.info("Type what goes in the blank first, then press Check.", icon=":material/edit:")
        return
    render_cut(item.id, FILL_MAX_CHARS)
    render_fill_feedback(item, given)
    rnd.render_next(FILL, r)


def render_fill_feedback(item: FillCode, given: dict) -> None:
    solution = item.answers[0]
    if given["ok"]:
        st.success("**Right!** That line works.", icon=":material/check:")
    elif given["revealed"]:
        st.info(f"**The answer:** `{solution}`", icon=":material/visibility:")
    else:
        st.error(f"**Not quite.** The blank takes `{solution}`", icon=":material/close:")
    st.code(item.code.strip("\n").replace(BLANK, solution, 1), language="python")
    st.markdown(rich(item.explanation))
