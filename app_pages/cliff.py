"""The cliff: gradient descent on a one-unit RNN's loss surface, thrown off a wall unless clipped
(Pascanu, Mikolov and Bengio 2013, Fig. 6)."""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from gradclip_core.cliff import TARGET, X0, Trajectory, loss_grid, trajectory
from ui.cliff.view import (
    B_RANGE,
    GRID,
    LENGTH_OPTIONS,
    LR_OPTIONS,
    START_STEP,
    STEPS,
    THRESHOLD_OPTIONS,
    W_RANGE,
    cliff_figure,
    cliff_sentence,
    start_from_selection,
)
from ui.page_state import remember_widgets, restore_widgets

# Every widget's key and default. Streamlit drops a widget's state while its page is away:
# the last values are saved here and put back, so a visit to another page keeps them.
# The defaults start right by the wall, where one plain gradient step is thrown far away.
DEFAULTS = {
    "cliff_T": 50,
    "cliff_lr": 1.0,
    "cliff_threshold": 1.0,
    "cliff_w": 6.0,
    "cliff_b": -4.5,
}
_SAVED = "cliff_saved"
CHART_KEY = "cliff_map"

MATHS = rf"""
The network has one unit, no input, and two parameters, the recurrent weight $w$ and the
bias $b$ (section 3 of the paper):

$$x_t = w\,\sigma(x_{{t-1}}) + b, \qquad x_0 = {X0}, \qquad
E = \big(\sigma(x_T) - {TARGET}\big)^2$$

with $\sigma$ the logistic sigmoid. For $w > 4$ the map $x \mapsto w\sigma(x) + b$ has two
stable states; which one $x_0$ falls into flips across a curve in the $(w, b)$ plane, and
there $x_T$ jumps: the wall. Its gradient is a product of $T$ factors
$w\,\sigma'(x_{{t-1}})$, so the wall gets steeper and thinner as $T$ grows.

Both paths take SGD steps $\theta \leftarrow \theta - \eta\, g$ with the same learning rate
$\eta$. The clipped one first calls `torch.nn.utils.clip_grad_norm_(params, c)`:
$g \leftarrow g \cdot \min\left(1, \frac{{c}}{{\lVert g\rVert + 10^{{-6}}}}\right)$, so no
step is longer than $\eta c$.
"""


@st.cache_data(max_entries=16, show_spinner=False)
def _surface(T: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    w = torch.linspace(*W_RANGE, GRID, dtype=torch.float64)  # (W,)
    b = torch.linspace(*B_RANGE, GRID, dtype=torch.float64)  # (H,)
    return w.numpy(), b.numpy(), loss_grid(w, b, T).numpy()  # (H, W) loss


@st.cache_data(max_entries=64, show_spinner=False)
def _path(start: tuple[float, float], lr: float, T: int, clip: float | None) -> Trajectory:
    return trajectory(start, lr, STEPS, T, clip=clip)


def _picked() -> None:
    """A click on the map: move the start there (runs before the page reruns)."""
    event = st.session_state.get(CHART_KEY)
    start = start_from_selection(event.get("selection") if event else None)
    if start is not None:
        st.session_state["cliff_w"], st.session_state["cliff_b"] = start


def _controls() -> tuple[int, float, float, tuple[float, float]]:
    T = st.select_slider("Sequence length $T$ (the paper: 50)", LENGTH_OPTIONS, key="cliff_T")
    lr = st.select_slider("Learning rate $\\eta$ (both paths)", LR_OPTIONS, key="cliff_lr")
    threshold = st.select_slider(
        "Clipping threshold: max norm $c$", THRESHOLD_OPTIONS, key="cliff_threshold"
    )
    w = st.slider("Start: weight $w$", *W_RANGE, step=START_STEP, key="cliff_w")
    b = st.slider("Start: bias $b$", *B_RANGE, step=START_STEP, key="cliff_b")
    return T, lr, threshold, (w, b)


def render() -> None:
    restore_widgets(_SAVED, DEFAULTS)
    st.title("The cliff", anchor=False)
    left, right = st.columns([1, 2.4], gap="large")
    with left:
        st.markdown(
            "A recurrent net with one unit has a loss surface with a **wall**. Two gradient "
            "descents start at the ☆ with the same learning rate: one plain, one clipped by norm."
        )
        T, lr, threshold, start = _controls()
        st.caption(
            "Click on the map to start there. The wall is the sharp edge between the white and "
            "the grey plain; it gets thinner as $T$ grows. Whether a plain step lands on it is "
            "luck: move the start a little and watch."
        )
    w, b, loss = _surface(T)
    plain = _path(start, lr, T, None)
    clipped = _path(start, lr, T, threshold)
    with right:
        st.plotly_chart(
            cliff_figure(w, b, loss, plain, clipped, T=T),
            key=CHART_KEY,
            on_select=_picked,
            selection_mode="points",
            width="stretch",
            config={"displayModeBar": False},  # it would cover the legend; double-click resets
        )
        st.caption(cliff_sentence(plain, clipped))
    with st.expander("The model and the maths"):
        st.markdown(MATHS)
    remember_widgets(_SAVED, DEFAULTS)


render()
