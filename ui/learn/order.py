"""Put the steps in order: add the shuffled steps one by one, then check the whole order.

Every order that keeps the item's rules is right (``optimizer.zero_grad()`` may come anywhere
before ``backward()`` or after ``step()``); a wrong one is told the first rule it breaks.
"""

from __future__ import annotations

import streamlit as st

from gradclip_core.quiz import Bank, OrderItem
from gradclip_core.quiz.checks import OrderMistake, mistake_text, order_mistake, right_orders
from ui.learn import round as rnd
from ui.learn import state as state
from ui.learn.text import escape, rich, shuffled_steps
from ui.safe_text import quote

ORDER = "order"
CODE = dict(language="python", line_numbers=True, wrap_lines=True)
MAX_OTHERS = 5  # other right orders shown under the answer
STEP_CHARS = 200  # a step quoted in a sentence is cut after this many characters


def _built(r: dict, item: OrderItem) -> list[int]:
    """Indices into the shuffled steps, in the order the learner placed them."""
    return r.setdefault("built", {}).setdefault(item.id, [])


def _add(item_id: str, j: int) -> None:
    r = st.session_state.get(state.round_key(ORDER))
    if r is not None and item_id not in r["results"]:
        built = r.setdefault("built", {}).setdefault(item_id, [])
        if j not in built:
            built.append(j)


def _undo(item_id: str, n: int) -> None:
    """Remove the last step, if the order still has the ``n`` steps it had when drawn."""
    r = st.session_state.get(state.round_key(ORDER))
    if r is not None and item_id not in r["results"]:
        built = r.setdefault("built", {}).setdefault(item_id, [])
        if len(built) == n:
            del built[n - 1 :]


def _clear(item_id: str) -> None:
    r = st.session_state.get(state.round_key(ORDER))
    if r is not None and item_id not in r["results"]:
        r.setdefault("built", {})[item_id] = []


def _check(item: OrderItem) -> None:
    r = st.session_state.get(state.round_key(ORDER))
    if r is None or item.id in r["answers"]:
        return
    steps = shuffled_steps(item)
    submitted = [steps[j] for j in _built(r, item)]
    mistake = order_mistake(item, submitted)
    wrong = None if mistake is None else mistake.position
    state.answer(ORDER, item.id, mistake is None, {"submitted": submitted, "wrong": wrong})


def render_order(bank: Bank) -> None:
    """The shuffled steps as buttons; below, the order so far as code; Check, Undo, Clear."""
    items = bank.items(ORDER)
    r, item = rnd.start(ORDER, items)
    rnd.render_position(ORDER, r)
    if item is None:
        rnd.render_round_end(ORDER, r, [i.id for i in items])
        return
    st.markdown(f"#### {rich(item.prompt)}")
    given = r["answers"].get(item.id)
    if given is not None:
        render_order_feedback(item, given)
        rnd.render_next(ORDER, r)
        return
    steps = shuffled_steps(item)
    built = _built(r, item)
    render_steps_left(item, steps, built)
    render_built(item, steps, built)


def render_steps_left(item: OrderItem, steps: list[str], built: list[int]) -> None:
    remaining = [j for j in range(len(steps)) if j not in built]
    st.markdown(f"**Add step {len(built) + 1}**" if remaining else "**All steps placed**")
    pool = st.container(horizontal=True)
    for j in remaining:
        pool.button(
            escape(steps[j]),
            key=f"learn_order_add_{j}",
            icon=":material/add:",
            on_click=_add,
            args=(item.id, j),
        )


def render_built(item: OrderItem, steps: list[str], built: list[int]) -> None:
    st.markdown(f"**Your order** ({len(built)} of {len(steps)})")
    if built:
        code = "\n".join(steps[j] for j in built)
        st.code(code, **CODE)
    else:
        st.caption("Click the step that comes first.")
    row = st.container(horizontal=True)
    row.button(
        "Check",
        key="learn_order_check",
        type="primary",
        icon=":material/fact_check:",
        disabled=len(built) < len(steps),
        on_click=_check,
        args=(item,),
    )
    row.button(
        "Undo",
        key="learn_order_undo",
        icon=":material/undo:",
        disabled=not built,
        on_click=_undo,
        args=(item.id, len(built)),
    )
    row.button(
        "Clear",
        key="learn_order_clear",
        icon=":material/clear_all:",
        disabled=not built,
        on_click=_clear,
        args=(item.id,),
    )


def render_order_feedback(item: OrderItem, given: dict) -> None:
    """Right: the learner's order (and the usual one, if different). Wrong: the first rule
    broken and why, the learner's order, the usual right order and the other right ones."""
    submitted = list(given["submitted"])
    if given["wrong"] is None:
        st.success("**Right!** Your order keeps every rule that matters.", icon=":material/check:")
        st.code("\n".join(submitted), **CODE)
        if submitted != list(item.steps):
            st.markdown("**The usual order**")
            st.code("\n".join(item.steps), **CODE)
    else:
        # Found again from the order, so the rule named is one of the item as loaded now.
        mistake = order_mistake(item, submitted) or OrderMistake(given["wrong"])
        sentence = mistake_text(item, submitted, mistake, code=_step, prose=rich)
        st.error(f"**Not quite.** {sentence}", icon=":material/close:")
        st.markdown("**Your order**")
        st.code("\n".join(submitted), **CODE)
        st.markdown("**The right order**")
        st.code("\n".join(item.steps), **CODE)
    render_other_orders(item, [list(item.steps), submitted])
    st.markdown(rich(item.explanation))


def render_other_orders(item: OrderItem, shown: list[list[str]]) -> None:
    """The right orders not in ``shown``, in a closed expander: "Other orders are also right"."""
    orders = right_orders(item, limit=MAX_OTHERS + len(shown) + 1)
    others = [order for order in orders if list(order) not in shown]
    if not others:
        return
    if len(others) > MAX_OTHERS:
        label = f"More than {MAX_OTHERS} other orders are also right"
    elif len(others) == 1:
        label = "1 other order is also right"
    else:
        label = f"{len(others)} other orders are also right"
    with st.expander(label, icon=":material/alt_route:"):
        for order in others[:MAX_OTHERS]:
            st.code("\n".join(order), **CODE)
        if len(others) > MAX_OTHERS:
            st.caption(f"The first {MAX_OTHERS} are shown.")


def _step(text: str) -> str:
    """A step inside a sentence, as code that Markdown shows literally."""
    return quote(text, STEP_CHARS)
