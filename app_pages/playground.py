"""Playground: train live, drag the sliders, watch gradients explode and clipping tame them."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from gradclip_core.budget import TooLargeError
from gradclip_core.compare import (
    CLIP_FIELDS,
    DEFAULT_SETTINGS,
    MAX_SETTINGS,
    Setting,
    settings_query,
)
from gradclip_core.config import ConfigError, TrainConfig
from gradclip_core.device import DeviceError, available_devices
from gradclip_core.presets import load_presets_report
from ui.live import LiveRun, describe_live, start_janitor
from ui.playground.controls import key, render_controls, seed_widgets
from ui.playground.panel import GHOST, render_live_panel
from ui.playground.take_home import render_take_home
from ui.playground.tempo_panel import seed_tempo, tempo_query
from ui.projector import (
    current_view,
    render_leave_button,
    render_projector_style,
    render_teach_sidebar,
    seed_view,
    view_query,
)
from ui.safe_text import literal, quote
from ui.share import render_large_qr, render_share
from ui.state import PROP, from_query, to_query


def _presets():
    """The presets that load; each broken file is named in a warning with its fix."""
    presets, errors = load_presets_report()
    for err in errors:
        st.warning(
            f"A preset file in lessons/presets/ is broken, so its preset is left out (the "
            f"others work): {err}",
            icon=":material/warning:",
        )
    return presets


def _first_visit(presets) -> None:
    """Seed the widgets from the link (preset first, then each setting on top)."""
    query = dict(st.query_params)
    name = query.get("preset")
    warnings = []
    base = presets["exploding-rnn"].config if "exploding-rnn" in presets else None
    if name and name not in presets:
        warnings.append(f"Link preset {quote(name)} does not exist; choose one from Scenario.")
        name = None
    if name:
        base = presets[name].config
    if base is None:
        base = TrainConfig()
    config, more = from_query(query, base)
    if config.device not in ("auto", *available_devices()):
        more.append(
            f"Link setting device={quote(config.device)} is not available here; using auto."
        )
        config = config.replace(device="auto")
    # The Scenario picker shows the preset these settings are, if any (a plain first visit
    # lands on exploding-rnn's settings: it says so, with its story).
    same = [n for n, p in presets.items() if p.config == config]
    seed_widgets(config, name if name in same else (same[0] if same else None))
    more += seed_tempo(query)
    more += seed_view(query)
    st.session_state["link_warnings"] = warnings + more
    st.session_state["seeded"] = True


def _run_for(config, preset) -> LiveRun | None:
    ss = st.session_state
    run: LiveRun | None = ss.get("run")
    if run is not None and run.released:
        st.info(
            f"Your last run was put away because {run.released}, to free the server's memory. "
            "Its settings are kept: press Start to train it again.",
            icon=":material/inventory_2:",
        )
        run = ss["run"] = None
    if run is not None:
        run.touch()
    if run is not None and not run.needs_reset(config):
        changed = run.apply_live(config)
        if changed and run.running:
            st.toast(f"Applied live from the next step: {describe_live(config, changed)}.")
        run.preset = preset
        return run
    try:
        fresh = LiveRun(config, preset, session_id=_session_id())
    except DeviceError as err:
        st.error(f"{err}. Pick another device in the sidebar.")
        return run
    except TooLargeError as err:
        kept = " The run keeps its last settings." if run is not None else ""
        st.error(f"{err}{kept}", icon=":material/memory:")
        return run
    if run is not None:
        with run.locked():
            run.running = False
        ss.pop(GHOST, None)  # a different model or data: the old overlay compares nothing
        st.toast("Model or data settings changed: the run was reset.")
    ss["run"] = fresh
    return fresh


def _label(name: str) -> str:
    """A setting's name as the sidebar says it ("Clipping mode", not "clip_mode")."""
    return PROP[name].label if name in PROP else name


def _session_id() -> str | None:
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else None


def render() -> None:
    start_janitor()  # once per server: releases the runs of closed and idle tabs
    ss = st.session_state
    presets = _presets()
    if not ss.get("seeded"):
        _first_visit(presets)
    if (name := ss.pop("load_preset", None)) in presets:  # "See it live" from a lesson
        seed_widgets(presets[name].config, name)
        ss["notice"] = f"Loaded preset “{presets[name].title}”. Press Start."
    for warning in ss.pop("link_warnings", []):
        st.warning(warning)
    if notice := ss.pop("notice", None):
        st.toast(notice)

    view = current_view()
    # Streamlit leaves 6rem above a page's first element: on a 768-pixel laptop screen the
    # callout and the charts of an explosion need that room (tests/e2e: both in view).
    st.html("<style>.stMainBlockContainer { padding-top: 2.5rem; }</style>")
    if view.projector:  # no sidebar, large text, the chart across the width
        render_projector_style()  # Share and the controls go beside the title
        title, share_box, controls = st.columns([4, 1.2, 1.4], vertical_alignment="bottom")
        title.title("Watch gradients explode")
        with controls.popover("Controls", icon=":material/tune:", width="stretch"):
            result, notes = render_controls(presets, st.container(), view.groups, True)
            render_leave_button(st)
    else:
        st.title("Watch gradients explode")
        result, notes = render_controls(presets, st.sidebar, view.groups)
        render_teach_sidebar()
        share_box = st.sidebar  # under "Teach", after the settings (below)
    for note in notes:
        st.warning(note)
    preset = ss.get(key("preset"))
    preset = preset if preset in presets else None
    if isinstance(result, ConfigError):
        st.error(
            "These settings do not fit together, so the run keeps its last valid settings: "
            + "; ".join(f"{_label(name)}: {literal(msg)}" for name, msg in result.problems)
        )
        run = ss.get("run")
    else:
        run = _run_for(result, preset)
        query = {**to_query(result, preset), **tempo_query(), **view_query(view)}
        if dict(st.query_params) != query:
            st.query_params.from_dict(query)
    config = run.config if isinstance(result, ConfigError) and run else result
    link = None
    if isinstance(config, TrainConfig):
        label = "Share" if view.projector else "Share with the class"
        link = render_share(share_box, config, preset, tempo_query(), label)
    render_large_qr(link)
    if run is None:
        st.info("Pick settings in the sidebar to start a run.")
        return
    render_live_panel(run, presets)
    if not view.projector:  # the advanced parts wait until projector mode is off
        _render_more(run)
        render_take_home(run)


def compare_query(run: LiveRun) -> dict[str, str]:
    """The Compare page's link: this run's model, data and seed, its clipping first."""
    config = run.config
    query = {k: v for k, v in to_query(config, run.preset).items() if k not in CLIP_FIELDS}
    mine = Setting(config.clip_mode, config.threshold)
    others = [s for s in DEFAULT_SETTINGS if s.token != mine.token]
    query["runs"] = settings_query([mine, *others][:MAX_SETTINGS])
    return query


def _render_more(run: LiveRun) -> None:
    """Where to go next with this run: inside its next step, or beside other settings."""
    left, right, _ = st.columns([1, 1, 2])
    left.page_link(
        "app_pages/step_inside.py",
        label="Step inside the next step",
        icon=":material/zoom_in:",
        help="This run's next step (or the one where it diverged), stage by stage.",
    )
    if right.button(
        "Compare with…",
        icon=":material/compare_arrows:",
        key="btn_compare",
        help="Open Compare with this run as the first setting, beside three others.",
    ):
        st.session_state["cmp_seeded"] = False  # the link's settings, not the last visit's
        st.session_state.pop("cmp_runs", None)
        st.switch_page("app_pages/compare.py", query_params=compare_query(run))


render()
