"""The playground's clock: speed, slowing down near an explosion, and replaying a stopped run.

Speed and the slow-down toggle are in the link (``speed``, ``edge``), so a teacher can send a
class the flagship explosion in slow motion. The replay scrubber reads the recorded history:
no retraining.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from gradclip_core.history import History
from ui.captions import fmt
from ui.live import LiveRun
from ui.safe_text import quote
from ui.tempo import DEFAULT_SPEED, SPEED_LABELS, SPEEDS, EdgeWatch

SPEED_KEY = "w_speed"
EDGE_KEY = "w_edge"
_EDGE_VALUES = {"on": True, "off": False}


def seed_tempo(query: Mapping[str, str]) -> list[str]:
    """Put a link's ``speed`` and ``edge`` into the widgets; warnings for values it ignored."""
    ss, warnings = st.session_state, []
    speed, edge = query.get("speed", DEFAULT_SPEED), query.get("edge", "on")
    if speed not in SPEEDS:
        warnings.append(
            f"Link setting speed={quote(speed)} was ignored: this page allows {', '.join(SPEEDS)}."
        )
        speed = DEFAULT_SPEED
    if edge not in _EDGE_VALUES:
        warnings.append(f"Link setting edge={quote(edge)} was ignored: this page allows on, off.")
        edge = "on"
    ss[SPEED_KEY], ss[EDGE_KEY] = speed, _EDGE_VALUES[edge]
    return warnings


def tempo_query() -> dict[str, str]:
    """The link's form of the clock's settings."""
    ss = st.session_state
    return {
        "speed": ss.get(SPEED_KEY, DEFAULT_SPEED),
        "edge": "on" if ss.get(EDGE_KEY, True) else "off",
    }


def render_tempo(run: LiveRun, shown: bool = True) -> None:
    """Speed and slow-down controls; they apply to ``run`` from its next redraw.

    Args:
        run: the run they apply to.
        shown: draw the controls (a link can hide them: ``ui/projector.py``); hidden, the
            run keeps the link's speed and slow-down, and still slows down by itself.
    """
    ss = st.session_state
    ss.setdefault(SPEED_KEY, DEFAULT_SPEED)
    ss.setdefault(EDGE_KEY, True)
    if run.slowed:  # the watch tripped during training: the slider shows the new speed
        ss[SPEED_KEY], ss["slowed_note"] = "slow", run.slowed
        st.toast(f"{run.slowed[0].upper()}{run.slowed[1:]}.", icon=":material/slow_motion_video:")
        run.slowed = None
    if shown:
        left, right = st.columns([3, 2], vertical_alignment="bottom")
        left.select_slider(
            "Speed",
            list(SPEEDS),
            key=SPEED_KEY,
            format_func=SPEED_LABELS.get,
            on_change=lambda: ss.pop("slowed_note", None),
            help="How many training steps each redraw of the charts shows.",
        )
        right.toggle(
            "Slow down",
            key=EDGE_KEY,
            help="When the gradient norm grows 1000× within 5 steps to 10 or more (or passes "
            "1e6), the run drops to 1 step every ½ s by itself.",
        )
    run.speed = ss[SPEED_KEY]
    if not ss[EDGE_KEY]:
        run.watch = None
    elif run.watch is None:
        run.watch = EdgeWatch()


def replay_key(run: LiveRun) -> str:
    return f"replay_{id(run)}"


def replay_step(run: LiveRun) -> int | None:
    """The step the replay scrubber shows, or ``None`` to show the whole run.

    A scrubber the learner has not moved stays at the newest step: the charts show the whole
    run, steps taken since the scrubber was drawn included (read as its value, the chart was
    a step behind after each Step click).
    """
    if run.running:
        return None
    key, ss = replay_key(run), st.session_state
    step = ss.get(key)
    return None if step is None or step == ss.get(f"{key}_last") else step


def render_replay(run: LiveRun) -> None:
    """After a run stops: a scrubber over its recorded steps, with the numbers of the step."""
    with run.locked() as trainer:
        if trainer is None or run.running:
            return
        h = trainer.history
        steps = h.column("step")
        if len(steps) < 2:
            return
        first, last = int(steps[0]), int(steps[-1])
    key, ss = replay_key(run), st.session_state
    # At the newest step unless the learner has moved it; always inside the run's steps.
    seen = ss.get(f"{key}_last")
    if key not in ss or ss[key] == seen or not first <= ss[key] <= last:
        ss[key] = last
    ss[f"{key}_last"] = last
    st.slider(
        "Replay: drag to any step of this run",
        first,
        last,
        key=key,
        help="The charts show the run up to this step; nothing is trained again.",
    )
    st.caption(step_sentence(h.until(ss[key])))


def step_sentence(h: History) -> str:
    """The numbers of the last step of ``h``, in one sentence."""
    if len(h) == 0:
        return "No step recorded yet."
    at = {name: float(h.column(name)[-1]) for name in ("step", "loss", "grad_norm")}
    after = float(h.column("clipped_grad_norm")[-1])
    update = float(h.column("update_norm")[-1])
    clipped = "clipped to " + fmt(after) if h.column("clipped")[-1] > 0.5 else "not clipped"
    return (
        f"Step {at['step']:.0f}: loss {fmt(at['loss'])}, gradient norm {fmt(at['grad_norm'])} "
        f"({clipped}), update size {fmt(update)}."
    )
