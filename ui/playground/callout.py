"""The playground's explosion callout: where and why the run diverged, and a button that runs it
again with clipping (the diverged run kept to draw beside the new one)."""

from __future__ import annotations

import streamlit as st

from gradclip_core.advice import suggest_threshold
from gradclip_core.clipping import MODE_LABELS
from ui.captions import fmt
from ui.live import LiveRun
from ui.playground.controls import CUSTOM, key, set_clip
from ui.state import effective_threshold

GHOST = "compare_with"  # the run before "Run again", drawn beside the new one


def _clip_and_rerun(threshold: float) -> None:
    """The callout's button: same settings and seed, clipping by norm at ``threshold``."""
    ss = st.session_state
    set_clip("norm", threshold)
    ss[key("preset")] = CUSTOM
    old = ss.pop("run", None)
    if old is not None:
        ss[GHOST] = old  # keep the diverged run to draw beside the new one
    ss["start_next"] = True


def _rerun_as_set() -> None:
    """After a divergence: the same settings as the sidebar now has, from step 0."""
    ss = st.session_state
    old = ss.pop("run", None)
    if old is not None:
        ss[GHOST] = old  # keep the diverged run to draw beside the new one
    ss["start_next"] = True


def render_callout(run: LiveRun, trainer) -> None:
    """After a divergence: one line saying where and why, a button that runs the same
    settings again clipped, and the details a click away."""
    d = trainer.divergence
    s = suggest_threshold(trainer.history, diverged=True)
    x = s.threshold if s else 1.0
    where = d.layer or "the model"
    with st.container(border=True):
        # One line and a button on screen, the details a click away: at 1366×768 the charts
        # stay in view beside the explanation (tests/e2e/test_slow_motion_journey.py).
        st.error(
            f"The gradients exploded at step {d.step}: {_headline(d, where)}. "
            "The run paused itself.",
            icon=":material/warning:",
        )
        action, details = st.columns([2, 3], vertical_alignment="top")
        with action:
            _rerun_button(run, trainer, x)
            st.caption("Or change any setting and press Reset to start again from step 0.")
        with details.expander("What happened, and why", expanded=False):
            _details(d, trainer, where)


def _headline(d, where: str) -> str:
    if d.cause == "forward":
        return f"the forward pass overflowed in {where}"
    if d.cause == "norm":
        return (
            f"every entry is finite, but the gradient's norm ({fmt(d.true_norm)}) is too big "
            "for float32"
        )
    return f"the backward pass produced inf or nan in {where}"


def _details(d, trainer, where: str) -> None:
    """The callout's details: what happened, just before, and why."""
    if d.cause == "forward":
        st.markdown(
            f"**What happened:** the forward pass overflowed in **{where}**, so the loss "
            f"became {fmt(d.loss)} and no gradient could be computed."
        )
    elif d.cause == "norm":
        st.markdown(
            "**What happened:** every gradient entry is still a finite number (the largest "
            f"is {fmt(d.max_abs_grad)}), but the gradient's length is {fmt(d.true_norm)}, "
            f"most of it in **{where}**. The sum of the squares passes float32's limit of "
            "3.4e38, so the norm torch measures reads `inf`."
        )
        st.markdown(
            "**What torch does with that:** `clip_grad_norm_` multiplies every gradient by "
            "max_norm / inf = 0, so the update silently gets a zero gradient; with "
            "`error_if_nonfinite=True` it raises instead. This run stopped before the "
            "update: its weights are still finite."
        )
    else:
        st.markdown(
            f"**What happened:** the backward pass produced `inf` or `nan` entries in "
            f"**{where}**, so the gradient norm is {fmt(d.grad_norm)}."
        )
    if d.last_finite_norm is not None:
        st.markdown(
            f"**Just before:** the last finite gradient norm was {fmt(d.last_finite_norm)} "
            f"at step {d.last_finite_step}."
        )
    then = str(trainer.history.mode_names()[-1])  # the mode in force at the last step
    if then == "none":
        st.markdown(
            "**Why:** nothing limited the gradient. Clipping caps its norm before "
            "`optimizer.step()`, so one bad batch cannot throw the weights away."
        )
    else:
        st.markdown(
            f"**Why:** clipping ({MODE_LABELS[then]}) was on, but it can only scale a "
            "gradient whose size it can measure; this one had already overflowed."
        )


def _rerun_button(run: LiveRun, trainer, x: float) -> None:
    then = str(trainer.history.mode_names()[-1])  # the mode in force at the last step
    if run.config.clip_mode != "none" and run.config.clip_mode != then:
        # The learner already chose clipping in the sidebar: run it from step 0.
        mode, threshold = run.config.clip_mode, effective_threshold(run.config)
        label = f"Run again with {MODE_LABELS[mode]} at {fmt(threshold)}"
        st.button(label, key="btn_clip_rerun", type="primary", on_click=_rerun_as_set)
    else:
        st.button(
            f"Run again with clipping by norm at {fmt(x)}",
            key="btn_clip_rerun",
            type="primary",
            on_click=_clip_and_rerun,
            args=(x,),
        )
