"""The playground's live panel: buttons, metric tiles, the charts; the explosion callout is in
``callout.py``.

The charts redraw inside one fragment that reruns on a timer only while training. Each tick
draws first and then trains a time slice, so the chart is on its way while the model steps
(DESIGN.md, Live pages).
"""

from __future__ import annotations

import time

import streamlit as st

from gradclip_core.advice import suggest_threshold
from gradclip_core.clipping import MODE_LABELS
from ui.captions import fmt, layer_sentence, loss_sentence, norm_sentence, ratio_sentence
from ui.charts import playground_spec
from ui.errors import PAGE_FAILED, shown_as_message
from ui.live import LiveRun, active_sessions
from ui.live_chart import live_chart
from ui.playground.callout import GHOST, render_callout
from ui.playground.chart_layout import STACK_BELOW_PX, stacked_patch
from ui.playground.controls import CUSTOM, key, set_clip
from ui.playground.tempo_panel import (
    EDGE_KEY,
    SPEED_KEY,
    render_replay,
    render_tempo,
    replay_step,
)
from ui.projector import current_view
from ui.tempo import DEFAULT_SPEED

SHOW_GHOST = "show_previous_run"


def _set_running(run: LiveRun, running: bool) -> None:
    # Set, never toggle: Streamlit can replay a button's trigger on the live fragment's next
    # rerun, and a toggle run twice would undo the click.
    with run.locked() as trainer:
        if trainer is None:  # released while the click was on its way
            return
        run.running = running and not trainer.diverged
        if run.running and trainer.steps_done == 0:
            run.step_once()  # so the very first redraw already has a point to draw


def _step(run: LiveRun) -> None:
    with run.locked():
        if run.running:  # a replayed click while training: pausing is all it means
            run.running = False
            return
        run.step_once()  # on the training pool, within the server's memory budget


def _reset(run: LiveRun) -> None:
    with run.locked():
        run.running = False
    st.session_state.pop("run", None)  # the page builds a fresh run from the same settings
    st.session_state.pop(GHOST, None)  # and the previous run's overlay goes with it


def _apply_threshold(threshold: float) -> None:
    ss = st.session_state
    mode = ss.get(key("clip_mode"))
    set_clip(mode if mode in ("norm", "layer-norm") else "norm", threshold)
    ss[key("preset")] = CUSTOM


def render_buttons(run: LiveRun) -> None:
    cols = st.columns([1.2, 1, 1, 3.2], vertical_alignment="bottom")
    if run.running:
        cols[0].button(
            "Pause",
            icon=":material/pause:",
            key="btn_pause",
            on_click=_set_running,
            args=(run, False),
            type="primary",
            use_container_width=True,
        )
    else:
        cols[0].button(
            "Start",
            icon=":material/play_arrow:",
            key="btn_start",
            type="primary",
            on_click=_set_running,
            args=(run, True),
            disabled=run.trainer.diverged,
            use_container_width=True,
        )
    cols[1].button(
        "Step",
        key="btn_step",
        on_click=_step,
        args=(run,),
        disabled=run.trainer.diverged,
        use_container_width=True,
        help="Run one training step and stop.",
    )
    cols[2].button(
        "Reset",
        key="btn_reset",
        on_click=_reset,
        args=(run,),
        use_container_width=True,
        help="Start again from step 0 with these settings.",
    )
    with cols[3]:  # speed and slow-down on the buttons' row: the charts stay in view
        render_tempo(run, shown=current_view().shows("speed"))


def render_live_panel(run: LiveRun, presets) -> None:
    ss = st.session_state
    if ss.pop("start_next", False) and not run.trainer.diverged:
        run.running = True
    if ss.pop("live_failed", False):
        st.error(f"Training paused. {PAGE_FAILED}", icon=":material/error:")
    if ss.get(GHOST) is not None:
        st.toggle(
            "Show the previous run",
            value=True,
            key=SHOW_GHOST,
            help="The run before 'Run again', drawn faintly for comparison.",
        )
    if (note := ss.get("slowed_note")) and not run.trainer.diverged:
        st.caption(f"Slow motion: {note}.")
    if run.trainer.divergence is not None:
        # Outside the fragment: its button must rerun the whole page (sidebar included).
        with run.locked() as trainer:
            render_callout(run, trainer)
    # The rate the server can hold now; a page already ticking keeps its rate unless a
    # faster one fits with room to spare (ui/tempo.py: RefreshPolicy).
    current = run.interval if run.running else None
    interval = run.interval = run.timer(active_sessions() + (not run.running), current)
    # What this page run drew around the fragment; a button inside it that changes one of
    # these reruns the whole page after the fragment has drawn.
    timer_on, page_diverged, page_tempo = run.running, _diverged(run), _tempo_widgets()
    page_steps = _steps(run)

    # Paused, the buttons are inside the fragment: Start reruns only the fragment, which draws
    # the first point at once (a whole-page run took twice as long); the page run that follows
    # starts the timer. Training, they are drawn here, in the same place, and the timer's ticks
    # redraw only the run (the buttons' widgets in every tick cost a class of 30 a third of
    # its redraws: bench/classroom.py).
    if timer_on:
        render_buttons(run)

    @st.fragment(run_every=interval if run.running else None)
    def live() -> None:
        if st.session_state.get("run") is not run:  # Reset: the page builds the new run
            st.rerun()
        started, was_running, ok = time.monotonic(), run.running, False
        speed = run.speed
        with shown_as_message("a live tick"):
            if not timer_on:
                render_buttons(run)
            _draw(run)
            if was_running and timer_on:
                run.advance(interval, active_sessions())
                run.note_tick(started, interval)
            elif was_running:
                # Just started here: the page run that follows (it starts the timer) would
                # drop what this run drew if it began before the server had sent it. Waiting
                # lets the server's event loop send it; under heavy load the page run draws it.
                time.sleep(START_SEND_S)
            ok = True
        if not ok:
            run.running = False  # the page run that follows stops the timer
            st.session_state["live_failed"] = True  # and says why the run paused
        # Started or paused here, or diverged, at the step limit or failed: start or stop the
        # timer. The class grew or shrank, or the server's load changed: set the timer to the
        # rate it can hold. Slowed down near an explosion, or the speed changed: the timer
        # changes too. Only a whole-page run does that (and draws the divergence callout).
        if (
            run.running != timer_on
            or _diverged(run) != page_diverged
            or _tempo_widgets() != page_tempo  # a widget in here changed, or slowed down
            or (not run.running and _steps(run) != page_steps)  # Step: the replay, the code
            or (was_running and (run.speed != speed or run.retune(interval)))
        ):
            st.rerun()

    live()
    if run.trainer is not None:
        # Under the fragment, not in it: a line that never changes is not sent every tick.
        # The chart updates in place, so a zoom holds while it trains (ui/live_chart.py).
        st.caption("Drag on a chart to zoom in, even while it trains; double-click to zoom out.")
    render_replay(run)
    _render_suggestion(run)


START_SEND_S = 0.15  # after Start: time for the server to send the first point (see live())


def _diverged(run: LiveRun) -> bool:
    trainer = run.trainer
    return trainer is not None and trainer.diverged


def _steps(run: LiveRun) -> int:
    trainer = run.trainer
    return trainer.steps_done if trainer is not None else 0


def _tempo_widgets() -> tuple:
    """The speed and slow-down widgets' values (their defaults before they are drawn)."""
    ss = st.session_state
    return ss.get(SPEED_KEY, DEFAULT_SPEED), ss.get(EDGE_KEY, True)


def _draw(run: LiveRun) -> None:
    with run.locked() as trainer:
        if trainer is None:
            st.info(f"This run was put away because {run.released}. Press Reset to start again.")
            return
        h, mode = trainer.history, trainer.mode
        if (step := replay_step(run)) is not None:
            h = h.until(step)  # the replay scrubber's step: the run as it was then
        _tiles(run, trainer)
        # Always one element here, so the chart below keeps its place in the page when the
        # warning comes and goes (a chart that moves may be drawn again from nothing).
        busy = st.empty()
        if run.running and run.behind:
            busy.caption("⚠ The server is busy: charts update less often than training runs.")
        ghost = st.session_state.get(GHOST)
        if ghost is not None and ghost.trainer is None:  # released with its closed tab
            ghost = st.session_state[GHOST] = None
        if not st.session_state.get(SHOW_GHOST, True):
            ghost = None
        projector = current_view().projector
        fig = playground_spec(
            h,
            baseline=trainer.task.baseline,
            mode=mode,
            ghost=ghost.trainer.history if ghost else None,
            projector=projector,
        )
        sentences = (
            loss_sentence(h, trainer.task.baseline),
            norm_sentence(h, mode),
            layer_sentence(h),
            ratio_sentence(h),
        )
    live_chart(
        fig,
        key="live_chart",
        alt=" ".join(sentences),
        narrow=stacked_patch(projector),  # one panel per row on a phone or a narrow window
        narrow_below=STACK_BELOW_PX,
    )
    # One caption, a sentence a line: 1 message a redraw where st.columns(2) and four
    # captions sent 7 (a class of 30 sends 75 redraws a second; each message wakes the
    # server's event loop).
    st.caption("  \n".join(sentences))


def _tiles(run: LiveRun, trainer) -> None:
    h = trainer.history
    n = len(h)
    # Before the first step there is nothing to show: a dash, not "nan" (nan is the symptom
    # this app teaches, so it appears only when a run really produced one).
    loss = fmt(float(h.column("loss")[-1])) if n else "–"
    norm = fmt(float(h.column("grad_norm")[-1])) if n else "–"
    clipped = int(h.column("clipped").sum()) if n else 0
    status = "diverged" if trainer.diverged else ("training" if run.running else "paused")
    # One row that wraps on a phone: 6 messages a redraw where st.columns(5) sent 11.
    row = st.container(horizontal=True, gap="small")
    row.metric("Step", f"{trainer.steps_done:,}")
    row.metric("Loss", loss)
    row.metric("Gradient norm", norm)
    # A share, not "21 of 2,493": the tile is a fifth of the row, and the count of steps is
    # the tile beside it; the counts are in the help.
    row.metric(
        "Steps clipped",
        _share(clipped, n) if n else "–",
        help=f"Training steps where {MODE_LABELS[trainer.mode]} changed the gradient"
        + (f": {clipped:,} of {n:,}, {100 * clipped / n:.1f}% of them." if n else "."),
    )
    row.metric("Status", status)


def _share(part: int, whole: int) -> str:
    """``part`` of ``whole`` as a percentage a tile can hold: "0%", "<1%", "9%", "100%"."""
    pct = 100 * part / whole
    if 0 < pct < 1:
        return "<1%"
    return f"{pct:.0f}%" if pct < 99.5 or part == whole else ">99%"


def _render_suggestion(run: LiveRun) -> None:
    with run.locked() as trainer:
        if trainer is None:
            return
        s = suggest_threshold(trainer.history, diverged=trainer.diverged)
    with st.expander("Suggested threshold", expanded=False):
        if s is None:
            st.caption("Train a few steps: the suggestion comes from the run's gradient norms.")
            return
        cols = st.columns(4)
        cols[0].metric("Median", fmt(s.median))
        cols[1].metric("90th percentile", fmt(s.p90))
        cols[2].metric("99th percentile", fmt(s.p99))
        cols[3].metric("Suggested", fmt(s.threshold))
        st.caption(f"From the last {s.window} finite gradient norms: {s.reason}.")
        st.button(
            f"Clip by norm at {fmt(s.threshold)}",
            key="btn_apply_suggestion",
            on_click=_apply_threshold,
            args=(s.threshold,),
        )
