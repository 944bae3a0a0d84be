"""Geometry of clipping: one gradient vector, the threshold region, and the angle clipping costs."""

from __future__ import annotations

import streamlit as st

from gradclip_core.geometry import PLANE_MODES, RunGeometry, clip_2d
from ui.geometry.view import (
    COMPONENT_OPTIONS,
    PLANE_LABELS,
    THRESHOLD_OPTIONS,
    WEIGHT_OPTIONS,
    measure_run,
    plane_figure,
    run_figure,
)
from ui.geometry.words import plane_sentence, run_sentence
from ui.page_state import remember_widgets, restore_widgets

# Every widget's key and default. Streamlit drops a widget's state while its page is away:
# the last values are saved here and put back, so a visit to the Playground keeps them.
DEFAULTS = {
    "geo_real": False,
    "geo_mode": "norm",
    "geo_gx": 3.0,
    "geo_gy": 1.0,
    "geo_threshold_norm": 1.0,
    "geo_threshold_value": 1.0,
    "geo_threshold_agc": 0.1,
    "geo_weight_norm": 10.0,
}
_SAVED = "geometry_saved"

MATHS = r"""
- **By norm** (`torch.nn.utils.clip_grad_norm_`):
  $g \leftarrow g \cdot \min\left(1, \frac{c}{\lVert g\rVert + 10^{-6}}\right)$.
  One factor for the whole vector: the direction is kept, the arrow stops at the circle.
- **By value** (`torch.nn.utils.clip_grad_value_`): $g_i \leftarrow \mathrm{clamp}(g_i, -c, c)$.
  Each entry on its own: the tip is pushed into the box, and the vector turns whenever
  one entry is cut more than the other.
- **AGC** (Brock et al. 2021), per unit: if
  $\frac{\lVert g\rVert}{\max(\lVert w\rVert, 10^{-3})} \ge \lambda$ then
  $g \leftarrow \lambda \frac{\max(\lVert w\rVert, 10^{-3})}{\lVert g\rVert} g$: clipping by
  norm with a radius $\lambda \lVert w\rVert$ that grows with the weights.
"""


def _plane_controls():
    mode = st.radio(
        "Clipping mode",
        PLANE_MODES,
        key="geo_mode",
        format_func=PLANE_LABELS.get,
        horizontal=True,
    )
    gx = st.select_slider("Gradient, x entry $g_x$", COMPONENT_OPTIONS, key="geo_gx")
    gy = st.select_slider("Gradient, y entry $g_y$", COMPONENT_OPTIONS, key="geo_gy")
    label = {"norm": "Threshold: max norm $c$", "value": "Threshold: max $|g_i|$, $c$"}
    threshold = st.select_slider(
        label.get(mode, "Clipping factor $\\lambda$ (the app's default is 0.01)"),
        THRESHOLD_OPTIONS[mode],
        key=f"geo_threshold_{mode}",
    )
    weight = None
    if mode == "agc":
        w_norm = st.select_slider(
            "Weight norm $\\lVert w \\rVert$ of the unit", WEIGHT_OPTIONS, key="geo_weight_norm"
        )
        weight = (w_norm, 0.0)
    return clip_2d(mode, (gx, gy), threshold, weight)


def _real_gradient() -> RunGeometry | str:
    """The playground run's next gradient, measured once per step, mode and threshold."""
    ss = st.session_state
    run = ss.get("run")
    trainer = getattr(run, "trainer", None)
    if trainer is None:
        return measure_run(run)
    stamp = (id(trainer), trainer.steps_done, trainer.mode, trainer.threshold)
    cached = ss.get("geometry_run")
    if cached is None or cached[0] != stamp:
        cached = ss["geometry_run"] = (stamp, measure_run(run))
    return cached[1]


def render() -> None:
    restore_widgets(_SAVED, DEFAULTS)
    st.title("The geometry of clipping", anchor=False)
    st.markdown(
        "Clipping by **norm** shrinks the arrow onto a circle and keeps its direction; by "
        "**value** it pushes the tip into a box and can turn it."
    )
    left, right = st.columns([1, 2], gap="large")
    with left:
        real = st.toggle("Real gradient from the Playground", key="geo_real")
        if real:
            result = _real_gradient()
            st.markdown(
                "The gradient of the run's **next** step, clipped on a copy with the run's own "
                "mode and threshold (change them on the Playground). The run is not stepped."
            )
            st.markdown(
                "The chart shows its two largest numbers: the threshold's box or ball keeps its "
                "size seen from them, and the angle that counts is the full one above the chart."
            )
        else:
            result = _plane_controls()
    with right:
        if isinstance(result, str):
            st.info(result, icon=":material/info:")
            st.page_link(
                "app_pages/playground.py", label="Open the Playground", icon=":material/show_chart:"
            )
        elif isinstance(result, RunGeometry) and not result.finite:
            st.warning(run_sentence(result), icon=":material/warning:")
        elif isinstance(result, RunGeometry):
            st.plotly_chart(run_figure(result), key="geo_chart_run", width="stretch")
            st.caption(run_sentence(result))
        else:
            st.plotly_chart(plane_figure(result), key="geo_chart", width="stretch")
            st.caption(plane_sentence(result))
    with st.expander("The maths"):
        st.markdown(MATHS)
    remember_widgets(_SAVED, DEFAULTS)


render()
