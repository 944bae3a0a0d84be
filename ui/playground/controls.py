"""The playground's controls: grouped widgets with stable keys and plain-words help.

Widgets read and write ``st.session_state["w_<setting>"]``; :func:`seed_widgets` puts a whole
config there (a preset, a shared link, the explosion callout's "run again" button).
"""

from __future__ import annotations

import streamlit as st

from gradclip_core.clipping import DEFAULT_THRESHOLDS, MODE_LABELS
from gradclip_core.config import ConfigError, TrainConfig
from gradclip_core.device import available_devices
from gradclip_core.presets import Preset
from ui.captions import fmt
from ui.projector import resend_values
from ui.safe_text import quote
from ui.state import (
    BATCH_GRID,
    INIT_GRID,
    LR_GRID,
    PROP,
    THRESHOLD_GRIDS,
    WIDTH_GRID,
    activations_for,
    effective_threshold,
    tasks_for,
    threshold_grid,
    with_value,
)

CUSTOM = "custom"
THRESHOLD_MEANING = {
    "norm": "max total norm",
    "value": "max |g| per element",
    "layer-norm": "max norm per tensor",
    "agc": "ratio λ",
    "autoclip": "percentile p",
}
TASK_LABELS = {
    "adding": "Adding problem",
    "first-value": "Remember the first value",
    "regression": "Regression (8 inputs)",
    "spirals": "Spirals (3 classes)",
}


def key(name: str) -> str:
    return f"w_{name}"


def threshold_key(mode: str) -> str:
    """The threshold slider's key for one clipping mode: each mode has a slider of its own.

    With one shared slider, the browser can send the old mode's value for it after a switch
    (a live tick already on its way), and it lands as the new mode's threshold (AutoClip at
    the 0.01th percentile). A slider per mode never receives another mode's value.
    ``key("threshold")`` holds the value of the slider on the page.
    """
    return f"w_threshold_for_{mode}"


def set_clip(mode: str, threshold: float) -> None:
    """Set the clipping mode and its threshold (for callbacks, before the widgets are drawn)."""
    ss = st.session_state
    ss[key("clip_mode")] = mode
    ss[key("threshold")] = threshold
    ss[_SLIDER_MODE] = mode  # not a switch to undo: this threshold is the one wanted
    if mode in THRESHOLD_GRIDS:
        ss[threshold_key(mode)] = threshold


def seed_widgets(config: TrainConfig, preset: str | None = None) -> None:
    """Put every setting of ``config`` into the widgets' session state."""
    for name in config.to_dict():
        st.session_state[key(name)] = getattr(config, name)
    set_clip(config.clip_mode, effective_threshold(config))
    st.session_state[key("preset")] = preset or CUSTOM


def _on_preset(presets: dict[str, Preset]) -> None:
    name = st.session_state[key("preset")]
    st.session_state.pop("compare_with", None)  # another scenario: no previous run to overlay
    if name in presets:
        seed_widgets(presets[name].config, name)
        st.session_state["notice"] = f"Loaded preset “{presets[name].title}”."


def _on_model() -> None:
    model = st.session_state[key("model")]
    if st.session_state.get(key("task")) not in tasks_for(model):
        st.session_state[key("task")] = tasks_for(model)[0]
    acts = activations_for(model)
    if acts and st.session_state.get(key("activation")) not in acts:
        st.session_state[key("activation")] = "tanh"


_SLIDER_MODE = "threshold_slider_mode"  # the mode whose threshold the slider last showed


def _follow_mode(mode: str) -> None:
    """On a switch of mode, load the new mode's own default (its meaning differs per mode).

    Decided in the page run that draws the slider, not in the radio's ``on_change`` callback:
    during training, the callback's new threshold was sometimes lost (seen in Chromium, even
    with a slider per mode); decided here, 16 of 16 switches during training land
    (tests/e2e/test_live_controls_journey.py).
    """
    ss = st.session_state
    if ss.get(_SLIDER_MODE) not in (None, mode) and mode in THRESHOLD_GRIDS:
        ss[threshold_key(mode)] = DEFAULT_THRESHOLDS[mode]
    ss[_SLIDER_MODE] = mode


def _fmt_num(x: float) -> str:
    return fmt(x)  # the numbers the tiles, captions and charts show, in one format


def _a_model(model: str) -> str:
    """'an MLP model', 'a GRU model': the name as it is said, with its article."""
    return f"{'a' if model == 'gru' else 'an'} {model.upper()} model"


def _named(labels: dict, value: object) -> str:
    """A setting's value in words: its label, or the value shown literally."""
    return f"“{labels[value]}”" if value in labels else quote(value)


def _repair_state(presets: dict[str, Preset]) -> list[str]:
    """Before any widget is drawn: fix settings that cannot go together, and say so."""
    ss, notes = st.session_state, []
    model = ss.get(key("model"))
    if model in ("mlp", "rnn", "lstm", "gru"):
        task = ss.get(key("task"))
        if task not in tasks_for(model):
            ss[key("task")] = tasks_for(model)[0]
            notes.append(
                f"The task {_named(TASK_LABELS, task)} does not fit {_a_model(model)}; "
                f"switched to {TASK_LABELS[tasks_for(model)[0]]}. Tasks for it: "
                f"{', '.join(TASK_LABELS[t] for t in tasks_for(model))}."
            )
        acts = activations_for(model)
        if acts and ss.get(key("activation")) not in acts:
            notes.append(
                f"The activation {_named({}, ss.get(key('activation')))} does not fit "
                f"{_a_model(model)}; switched to tanh (allowed: {', '.join(acts)})."
            )
            ss[key("activation")] = "tanh"
    # Any change after loading a preset makes the settings custom (before the picker is drawn:
    # a widget's state cannot change after the widget).
    name = ss.get(key("preset"))
    if name in presets and _config_from_widgets() != presets[name].config:
        ss[key("preset")] = CUSTOM
    return notes


def render_controls(
    presets: dict[str, Preset],
    container=None,
    groups: tuple[str, ...] | None = None,
    in_popover: bool = False,
) -> tuple[TrainConfig | ConfigError, list[str]]:
    """Draw the controls of ``groups`` (default all) in ``container`` (default the sidebar).

    A group a link hides (``ui/projector.py``) keeps its settings: the config below reads them
    all, drawn or not.

    Args:
        presets: the scenarios the picker offers.
        container: where the widgets go.
        groups: the groups of controls drawn (``ui.projector.GROUPS``); ``None``: all.
        in_popover: ``container`` is a popover (see :func:`resend_values`).

    Returns:
        The config the widgets describe (or what is wrong with them), and notes on settings
        that were repaired because they could not go together.
    """
    _restore_widgets()
    notes = _repair_state(presets)
    if in_popover:
        resend_values([k for k in st.session_state if str(k).startswith("w_")])
    box = st.sidebar if container is None else container
    drawers = {
        "scenario": lambda: _render_scenario(box, presets),
        "clipping": lambda: _render_clipping(box),
        "optimizer": lambda: _render_optimizer(box),
        "model": lambda: _render_model(box),
        "data": lambda: _render_data(box),
    }
    for name, draw in drawers.items():
        if groups is None or name in groups:
            draw()
    _remember_widgets()
    return _config_from_widgets(), notes


def _render_scenario(box, presets: dict[str, Preset]) -> None:
    ss = st.session_state
    box.selectbox(
        "Scenario",
        [CUSTOM, *presets],
        key=key("preset"),
        format_func=lambda n: presets[n].title if n in presets else "Custom settings",
        on_change=_on_preset,
        args=(presets,),
        help="Loads a whole scenario in one click. Any change afterwards makes it custom.",
    )
    if ss[key("preset")] in presets:
        box.caption(presets[ss[key("preset")]].description)


def _render_clipping(box) -> None:
    ss = st.session_state
    box.subheader("Clipping")
    _radio(box, "clip_mode", list(DEFAULT_THRESHOLDS), MODE_LABELS.get)
    mode = ss[key("clip_mode")]
    _follow_mode(mode)
    if mode != "none":
        slider = threshold_key(mode)
        if slider not in ss:  # first time this mode's slider is drawn
            ss[slider] = ss.get(key("threshold"), DEFAULT_THRESHOLDS[mode])
        grid = threshold_grid(mode, ss.get(slider))
        if ss.get(slider) not in grid:
            ss[slider] = DEFAULT_THRESHOLDS[mode]
        ss[key("threshold")] = box.select_slider(
            f"{PROP['threshold'].label}: {THRESHOLD_MEANING[mode]}",
            threshold_grid(mode, ss.get(slider)),
            key=slider,
            format_func=_fmt_num,
            help=PROP["threshold"].help,
        )
    if mode == "norm":
        _radio(box, "norm_type", ["2", "inf"], lambda v: f"L{v}" if v == "2" else "L∞ (max)")


def _render_optimizer(box) -> None:
    ss = st.session_state
    box.subheader("Optimizer")
    _radio(box, "optimizer", ["sgd", "adam"], str.upper)
    box.select_slider(
        PROP["lr"].label,
        with_value(LR_GRID, ss.get(key("lr"))),
        key=key("lr"),
        format_func=_fmt_num,
        help=PROP["lr"].help,
    )
    if ss[key("optimizer")] == "sgd":
        box.slider(
            PROP["momentum"].label,
            0.0,
            0.99,
            step=0.01,
            key=key("momentum"),
            help=PROP["momentum"].help,
        )


def _render_model(box) -> None:
    ss = st.session_state
    box.subheader("Model")
    box.caption("Changing the model or the data starts a fresh run.")
    _radio(box, "model", ["mlp", "rnn", "lstm", "gru"], str.upper, on_change=_on_model)
    model = ss[key("model")]
    if model == "mlp":
        box.slider(PROP["depth"].label, 1, 24, key=key("depth"), help=PROP["depth"].help)
    box.select_slider(PROP["width"].label, WIDTH_GRID, key=key("width"), help=PROP["width"].help)
    if activations_for(model):
        box.selectbox(
            PROP["activation"].label,
            activations_for(model),
            key=key("activation"),
            help=PROP["activation"].help,
        )
    box.select_slider(
        PROP["init_scale"].label,
        with_value(INIT_GRID, ss.get(key("init_scale"))),
        key=key("init_scale"),
        format_func=_fmt_num,
        help=PROP["init_scale"].help,
    )
    found = available_devices()
    box.selectbox(
        PROP["device"].label,
        ["auto", *found],
        key=key("device"),
        format_func=lambda d: f"auto ({found[0].upper()})" if d == "auto" else d.upper(),
        help=PROP["device"].help,
    )


def _render_data(box) -> None:
    ss = st.session_state
    box.subheader("Data")
    model = ss[key("model")]
    box.selectbox(
        PROP["task"].label,
        tasks_for(model),
        key=key("task"),
        format_func=TASK_LABELS.get,
        help=PROP["task"].help,
    )
    if model != "mlp":
        box.slider(PROP["seq_len"].label, 5, 200, key=key("seq_len"), help=PROP["seq_len"].help)
    box.select_slider(
        PROP["batch_size"].label, BATCH_GRID, key=key("batch_size"), help=PROP["batch_size"].help
    )
    box.number_input(
        PROP["seed"].label, 0, 2**31 - 1, step=1, key=key("seed"), help=PROP["seed"].help
    )


_SAVED = "saved_widgets"


def _restore_widgets() -> None:
    """Put back the settings Streamlit dropped while their widgets were off the page.

    Streamlit deletes a widget's state after a run that does not draw it: a visit to the Learn
    page, or a knob this model does not have (sequence length for an MLP). Without this the
    playground would come back with default settings, and reset the run.
    """
    ss = st.session_state
    for name, value in ss.get(_SAVED, {}).items():
        if name not in ss:
            ss[name] = value


def _remember_widgets() -> None:
    ss = st.session_state
    ss[_SAVED] = {**ss.get(_SAVED, {}), **{k: ss[k] for k in list(ss.keys()) if k[:2] == "w_"}}


def _radio(container, name, options, fmt, on_change=None) -> None:
    container.radio(
        PROP[name].label,
        options,
        key=key(name),
        format_func=fmt,
        horizontal=True,
        help=PROP[name].help,
        on_change=on_change,
    )


def _config_from_widgets() -> TrainConfig | ConfigError:
    ss = st.session_state
    values = {name: ss.get(key(name)) for name in PROP if key(name) in ss}
    if values.get("clip_mode") == "none":
        values["threshold"] = None
    try:
        return TrainConfig(**{k: v for k, v in values.items() if v is not None or k == "threshold"})
    except ConfigError as err:
        return err
    except TypeError as err:  # a widget value of the wrong kind (e.g. set by a bad callback)
        return ConfigError([("settings", str(err))])
