"""Step inside: the Playground run's next step, taken apart stage by stage."""

from __future__ import annotations

import math

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from gradclip_core.clipping import DEFAULT_THRESHOLDS, MODE_LABELS
from gradclip_core.presets import load_presets
from gradclip_core.step_code import training_loop
from gradclip_core.step_inside import STAGE_TITLES, STAGES, take_apart
from ui.live import LiveRun, start_janitor
from ui.page_state import remember_widgets, restore_widgets
from ui.playground.controls import THRESHOLD_MEANING
from ui.state import threshold_grid
from ui.step_inside.view import (
    CHART_CONFIG,
    STAGE_LABELS,
    code_html,
    source_sentence,
    stage_figure,
    stage_numbers,
    stage_sentence,
)
from ui.training_pool import run_in_pool

OWN = "own"  # the clipping the run itself uses
# Every widget's key and default, kept across visits to other pages (ui/page_state.py).
DEFAULTS = {
    "inside_stage": "forward",
    "inside_clip": OWN,
    **{f"inside_threshold_{m}": DEFAULT_THRESHOLDS[m] for m in THRESHOLD_MEANING},
}
_SAVED = "inside_saved"
DEFAULT_PRESET = "exploding-rnn"


def _run() -> LiveRun | None:
    """The Playground's run; a fresh one of the default preset when there is none yet."""
    ss = st.session_state
    run: LiveRun | None = ss.get("run")
    if run is not None and run.trainer is not None:
        run.touch()
        return run
    if run is not None and run.released:
        st.info(
            f"Your Playground run was put away because {run.released}. Its settings are kept: "
            "this is its first step again.",
            icon=":material/inventory_2:",
        )
    presets = load_presets()
    if run is not None:
        config, preset = run.config, run.preset
    else:
        preset = DEFAULT_PRESET if DEFAULT_PRESET in presets else None
        config = presets[preset].config if preset else None
    if config is None:
        return None
    ctx = get_script_run_ctx()
    fresh = LiveRun(config, preset, session_id=ctx.session_id if ctx else None)
    ss["run"] = fresh
    return fresh


def _clip_choice(run: LiveRun) -> tuple[str | None, float | None]:
    """The clipping to take the step apart with: the run's own, or another mode's."""
    trainer = run.trainer
    own = MODE_LABELS[trainer.mode] + ("" if trainer.mode == "none" else f" {trainer.threshold:g}")
    choice = st.selectbox(
        "Clipping for this step",
        [OWN, *DEFAULT_THRESHOLDS],
        key="inside_clip",
        format_func=lambda m: f"the run's own ({own})" if m == OWN else MODE_LABELS[m],
        help="Try the same step with another clipping mode: only this view changes, the run "
        "keeps its own settings (change those on the Playground).",
    )
    if choice == OWN:
        return None, None
    if choice == "none":
        return "none", None
    threshold = st.select_slider(
        f"Threshold: {THRESHOLD_MEANING[choice]}",
        threshold_grid(choice, DEFAULT_THRESHOLDS[choice]),
        key=f"inside_threshold_{choice}",
    )
    return choice, float(threshold)


def _inside(run: LiveRun, mode: str | None, threshold: float | None):
    """The stages of the run's next step, computed once per step and clipping choice."""
    ss = st.session_state
    with run.locked() as trainer:
        stamp = (
            id(trainer),
            trainer.steps_done,
            trainer.diverged,
            trainer.mode,
            trainer.threshold,
            trainer.lr,
            mode,
            threshold,
        )
        cached = ss.get("inside_cache")
        if cached is not None and cached[0] == stamp:
            return cached[1]
        inside = run_in_pool(take_apart, trainer, mode, threshold, mb=run.cost.mb)
    ss["inside_cache"] = (stamp, inside)
    return inside


def _next_stage() -> None:
    ss = st.session_state
    i = STAGES.index(ss.get("inside_stage") or STAGES[0])
    ss["inside_stage"] = STAGES[min(i + 1, len(STAGES) - 1)]


def _take_step(run: LiveRun) -> None:
    run.step_once()
    st.session_state["inside_stage"] = STAGES[0]


def render() -> None:
    start_janitor()
    restore_widgets(_SAVED, DEFAULTS)
    # The stages, the code and the chart share one laptop screen: less room above the title.
    st.html("<style>.stMainBlockContainer { padding-top: 2.5rem; }</style>")
    st.title("Step inside one training step", anchor=False)
    run = _run()
    if run is None:
        st.info("Open the Playground and pick settings first.", icon=":material/info:")
        st.page_link(
            "app_pages/playground.py", label="Open the Playground", icon=":material/show_chart:"
        )
        return
    about, choose = st.columns([3, 2], gap="large")
    with choose:
        mode, threshold = _clip_choice(run)
    inside = _inside(run, mode, threshold)
    with about:
        st.markdown(
            "Six stages make one step: **forward, loss, backward, measure, clip, optimizer "
            "step**. Walk through them with your own run's numbers, and see which lines of the "
            "loop each stage is."
        )
        st.markdown(source_sentence(inside, run.preset, run.config))
    if inside.first_inf:
        st.warning(
            f"In this step the first inf or nan appears in {inside.first_inf}.",
            icon=":material/warning:",
        )
    with run.locked() as trainer:
        done = trainer.diverged
    stages, step_buttons = st.columns([3, 2], vertical_alignment="center")
    with stages:
        stage = (
            st.segmented_control(
                "Stage",
                STAGES,
                key="inside_stage",
                format_func=STAGE_LABELS.get,
                label_visibility="collapsed",
            )
            or STAGES[0]
        )
    with step_buttons:
        left, right = st.columns(2)
        left.button(
            "Next stage",
            icon=":material/arrow_forward:",
            on_click=_next_stage,
            disabled=stage == STAGES[-1],
            key="inside_next",
            width="stretch",
        )
        right.button(
            "Take this step",
            icon=":material/skip_next:",
            key="inside_take",
            on_click=_take_step,
            args=(run,),
            disabled=done,
            width="stretch",
            help="The run diverged at this step: Reset it on the Playground."
            if done
            else "Train the Playground run one step, with its own settings, and look at the next.",
        )

    code, view = st.columns([6, 5], gap="medium")
    with code:
        lines = training_loop(
            inside.mode,
            inside.setting if math.isfinite(inside.setting) else 1.0,
            inside.optimizer,
            inside.lr,
            run.trainer.norm_type if run.trainer is not None else 2.0,
        )
        st.html(code_html(lines, stage))
    with view:
        st.markdown(f"**{STAGES.index(stage) + 1} · {STAGE_TITLES[stage]}**")
        text = stage_sentence(inside, stage)
        if stage == inside.first_inf_stage:
            st.error(text, icon=":material/warning:")
        else:
            st.markdown(text)
        numbers = stage_numbers(inside, stage)
        if numbers:
            for col, (label, value) in zip(st.columns(len(numbers)), numbers, strict=True):
                col.metric(label, value)
        fig = stage_figure(inside, stage)
        if fig is not None:
            st.plotly_chart(fig, key=f"inside_chart_{stage}", config=CHART_CONFIG, width="stretch")
    remember_widgets(_SAVED, DEFAULTS)


render()
