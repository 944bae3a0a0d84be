"""Compare: up to four clipping settings of one model, data and seed, trained live side by side."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from gradclip_core.budget import TooLargeError
from gradclip_core.clipping import DEFAULT_THRESHOLDS, MODE_LABELS
from gradclip_core.compare import (
    CLIP_FIELDS,
    MAX_SETTINGS,
    Setting,
    parse_settings,
    settings_query,
    summarize,
)
from gradclip_core.config import CLIP_MODES, TrainConfig
from gradclip_core.presets import load_presets
from ui.compare.view import compare_figure, finding, layers_figure, summary_table
from ui.errors import shown_as_message
from ui.live import LiveRun, active_sessions, start_janitor, tick_interval
from ui.live_chart import live_chart
from ui.playground.controls import THRESHOLD_MEANING
from ui.safe_text import quote
from ui.state import PROP, from_query, threshold_grid, to_query

MAX_STEPS = 20_000  # a compared run stops here: its history stays at full resolution
CUSTOM = "custom"


def _base_from_link(presets) -> tuple[TrainConfig, str | None, list[str]]:
    query = {k: v for k, v in st.query_params.to_dict().items() if k not in CLIP_FIELDS}
    notes = []
    name = query.get("preset")
    if name and name not in presets:
        notes.append(f"Link preset {quote(name)} does not exist; choose one from Scenario.")
        name = None
    name = name or ("exploding-rnn" if "exploding-rnn" in presets else None)
    base = presets[name].config if name else TrainConfig()
    config, more = from_query({k: v for k, v in query.items() if k in PROP}, base)
    config = config.replace(clip_mode="none", threshold=None)
    same = (
        name
        if name and presets[name].config.replace(clip_mode="none", threshold=None) == config
        else None
    )
    return config, same, notes + more


def _first_visit(presets) -> None:
    ss = st.session_state
    base, preset, notes = _base_from_link(presets)
    settings, more = parse_settings(st.query_params.get("runs"))
    ss["cmp_base"], ss["cmp_preset"] = base, preset
    ss["cmp_scenario"] = preset or CUSTOM
    ss["cmp_settings"] = settings
    ss["cmp_notes"] = notes + [f"Link setting runs: {quote(n)}" for n in more]
    _seed_widgets(settings)
    ss["cmp_seeded"] = True


def _seed_widgets(settings: list[Setting]) -> None:
    ss = st.session_state
    for i in range(MAX_SETTINGS):
        for mode in DEFAULT_THRESHOLDS:
            ss.pop(f"cmp_thr_{i}_{mode}", None)
        ss.pop(f"cmp_mode_{i}", None)
    for i, s in enumerate(settings):
        ss[f"cmp_mode_{i}"] = s.mode
        if s.mode != "none":
            ss[f"cmp_thr_{i}_{s.mode}"] = s.value


def _on_scenario(presets) -> None:
    ss = st.session_state
    name = ss["cmp_scenario"]
    if name in presets:
        ss["cmp_base"] = presets[name].config.replace(clip_mode="none", threshold=None)
        ss["cmp_preset"] = name
        _stop_all()
        ss["cmp_runs"] = {}


def _remove(i: int) -> None:
    ss = st.session_state
    settings = list(ss["cmp_settings"])
    # A second click on a row's remove button, sent before the first one's rerun drew the
    # page again, names a row that is gone (tests/e2e/test_chaos_journey.py met it): the
    # first click already removed it, and the last setting always stays.
    if not 0 <= i < len(settings) or len(settings) == 1:
        return
    settings.pop(i)
    ss["cmp_settings"] = settings
    _seed_widgets(settings)


def _add() -> None:
    ss = st.session_state
    settings = list(ss["cmp_settings"])
    used = {s.token for s in settings}
    for candidate in (
        Setting("norm", 1.0),
        Setting("value", 0.1),
        Setting("agc", 0.01),
        Setting("none"),
        Setting("autoclip", 10.0),
        Setting("layer-norm", 1.0),
    ):
        if candidate.token not in used:
            settings.append(candidate)
            break
    ss["cmp_settings"] = settings
    _seed_widgets(settings)


def _settings_editor() -> list[Setting]:
    """One row per setting: mode, threshold, remove. Returns the settings as now set."""
    ss = st.session_state
    settings: list[Setting] = []
    count = len(ss["cmp_settings"])
    cols = st.columns(MAX_SETTINGS)
    for i in range(count):
        with cols[i]:
            pick, remove = st.columns([5, 1], vertical_alignment="bottom", gap="small")
            mode = pick.selectbox(
                f"Setting {i + 1}", CLIP_MODES, key=f"cmp_mode_{i}", format_func=MODE_LABELS.get
            )
            remove.button(
                "",
                key=f"cmp_remove_{i}",
                icon=":material/close:",
                on_click=_remove,
                args=(i,),
                disabled=count == 1,
                help=f"Remove setting {i + 1}",
            )
            threshold = None
            if mode != "none":
                thr_key = f"cmp_thr_{i}_{mode}"
                if thr_key not in ss:
                    ss[thr_key] = DEFAULT_THRESHOLDS[mode]
                threshold = float(
                    st.select_slider(
                        f"Threshold: {THRESHOLD_MEANING[mode]}",
                        threshold_grid(mode, ss[thr_key]),
                        key=thr_key,
                    )
                )
            settings.append(Setting(mode, threshold))
    if count < MAX_SETTINGS:
        with cols[count]:
            st.button("Add a setting", key="cmp_add", icon=":material/add:", on_click=_add)
    # Two slots set alike are one comparison: the later one shows a note and the earlier run.
    return settings


def _runs(base: TrainConfig, settings: list[Setting]) -> dict[str, LiveRun]:
    """A live run per setting; one that already runs keeps running (and its steps)."""
    ss = st.session_state
    runs: dict[str, LiveRun] = ss.setdefault("cmp_runs", {})
    ctx = get_script_run_ctx()
    wanted = {s.token: s for s in settings}
    for token in [t for t in runs if t not in wanted]:
        runs.pop(token).running = False
    for token, s in wanted.items():
        if token in runs:
            continue
        config = base.replace(clip_mode=s.mode, threshold=s.threshold)
        try:
            run = LiveRun(config, ss.get("cmp_preset"), session_id=ctx.session_id if ctx else None)
        except TooLargeError as err:
            st.error(str(err), icon=":material/memory:")
            continue
        run.max_steps = MAX_STEPS
        run.running = ss.get("cmp_running", False)
        runs[token] = run
    ss["cmp_runs"] = runs = {t: runs[t] for t in wanted if t in runs}  # in the settings' order
    return runs


def _stop_all() -> None:
    ss = st.session_state
    ss["cmp_running"] = False
    for run in ss.get("cmp_runs", {}).values():
        run.running = False


def _start_all() -> None:
    ss = st.session_state
    ss["cmp_running"] = True
    for run in ss.get("cmp_runs", {}).values():
        if run.trainer is not None and not run.trainer.diverged:
            run.running = True
            run.step_once()  # the first point at once


def _reset_all() -> None:
    _stop_all()
    st.session_state["cmp_runs"] = {}


def render() -> None:
    start_janitor()
    ss = st.session_state
    presets = load_presets()
    if not ss.get("cmp_seeded"):
        _first_visit(presets)
    for note in ss.pop("cmp_notes", []):
        st.warning(note)
    st.html("<style>.stMainBlockContainer { padding-top: 2.5rem; }</style>")
    st.title("Compare clipping settings", anchor=False)
    base: TrainConfig = ss["cmp_base"]
    top = st.columns([3, 4, 1.3, 1.3], vertical_alignment="bottom")
    top[0].selectbox(
        "Scenario (model and data)",
        [*presets, CUSTOM],
        key="cmp_scenario",
        format_func=lambda n: presets[n].title if n in presets else "Custom (from a link)",
        on_change=_on_scenario,
        args=(presets,),
    )
    top[1].markdown(
        f"The same **{base.model.upper() if base.model != 'mlp' else 'MLP'}**, the same "
        f"batches and the same seed ({base.seed}) for every setting: only the clipping differs."
    )
    running = any(r.running for r in ss.get("cmp_runs", {}).values())
    if running:
        top[2].button(
            "Pause",
            key="cmp_pause",
            icon=":material/pause:",
            type="primary",
            on_click=_stop_all,
            width="stretch",
        )
    else:
        top[2].button(
            "Start",
            key="cmp_start",
            icon=":material/play_arrow:",
            type="primary",
            on_click=_start_all,
            width="stretch",
        )
    top[3].button(
        "Reset",
        key="cmp_reset",
        icon=":material/restart_alt:",
        on_click=_reset_all,
        width="stretch",
        help="Start every setting again from step 0.",
    )
    settings = _settings_editor()
    unique = list({s.token: s for s in settings}.values())
    if len(unique) < len(settings):
        st.caption("Two settings are the same: the run is shown once.")
    ss["cmp_settings"] = settings
    runs = _runs(base, unique)
    query = {k: v for k, v in to_query(base, ss.get("cmp_preset")).items() if k not in CLIP_FIELDS}
    query["runs"] = settings_query(unique)
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)

    running = any(r.running for r in runs.values())
    # The comparison is one learner's view: the refresh rate counts it as one session.
    others = max(0, active_sessions() - sum(r.running for r in runs.values()))
    interval = tick_interval(others + 1)
    pairs = [(s, runs[s.token]) for s in unique if s.token in runs]

    @st.fragment(run_every=interval if running else None)
    def live() -> None:
        with shown_as_message("a live tick"):
            _draw(pairs)
            for _, run in pairs:
                if run.running:
                    run.advance(interval, max(1, active_sessions()))
        if running and not any(r.running for _, r in pairs):
            st.rerun()  # all stopped (diverged or at the step limit): stop the timer

    live()


def _draw(pairs: list[tuple[Setting, LiveRun]]) -> None:
    histories, rows = [], []
    for setting, run in pairs:
        with run.locked() as trainer:
            if trainer is None:
                continue
            h = trainer.history
            d = trainer.divergence
            histories.append((setting, h))
            rows.append((setting, summarize(h, trainer.task.baseline, d.step if d else None)))
    st.markdown(finding(rows))
    live_chart(
        compare_figure(histories),
        key="cmp_chart",
        alt="Loss and gradient norm of every compared setting. " + finding(rows),
    )
    st.dataframe(summary_table(rows), hide_index=True, width="stretch")
    live_chart(
        layers_figure(histories),
        key="cmp_layers",
        alt="Per-layer gradient norm after clipping, one panel per setting.",
    )


render()
