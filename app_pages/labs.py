"""Pitfall labs: a clipping mistake and its fix, side by side, run on real torch calls."""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from gradclip_core.labs import LABS, SEEDS, Lab, LabResult, run_lab
from ui.labs.view import CHART_CONFIG, lab_figure, loop_color, loop_html
from ui.learn.content import load
from ui.page_state import remember_widgets, restore_widgets
from ui.training_pool import run_in_pool

DEFAULT_LAB = "amp"
# Every widget's key and default; the last values are put back after a visit to another page.
DEFAULTS = {"labs_lab": DEFAULT_LAB, "labs_seed": 0}
_SAVED = "labs_saved"
CHART_KEY = "labs_chart"
LEARN_PAGE = "app_pages/learn.py"
LAB_MB = 8.0  # a lab's memory at most: an 8-32-1 MLP and 30 small batches per loop
CODE_COLUMNS = 3  # code panes per row

HOW = """
Each loop is the code shown, run as it is (Python's `exec`) on the same seeded model and data:
an 8-32-1 ReLU network learning a noisy sine. `model`, `batches` and `loss_fn` are handed in.
`batches` hands out the lab's batches one by one like a list; between two of them it measures
the step that was just taken, from outside: the weights before and after (the update size),
`.grad` (the gradient the step used), the loop's own `norm` variable (what the clip call
returned) and, where the lab needs it, the true gradient at those weights (with
`torch.autograd.grad`, unscaled and unclipped, which leaves `.grad` alone). Change the seed to
draw other weights and data.
"""


@st.cache_data(max_entries=32, show_spinner=False)
def _result(lab_id: str, seed: int) -> LabResult:
    return run_in_pool(run_lab, lab_id, seed, mb=LAB_MB)


def _sanitise_state() -> None:
    """A stale or foreign value in a widget's state falls back to its default, before drawing."""
    ss = st.session_state
    if ss.get("labs_lab") not in LABS:
        ss["labs_lab"] = DEFAULT_LAB
    seed = ss.get("labs_seed")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed not in SEEDS:
        ss["labs_seed"] = DEFAULTS["labs_seed"]


def _controls() -> tuple[str, int]:
    lab_id = st.segmented_control(
        "Pitfall",
        list(LABS),
        format_func=lambda k: LABS[k].title,
        required=True,
        key="labs_lab",
    )
    seed = st.number_input(
        "Seed (weights and data)",
        min_value=SEEDS[0],
        max_value=SEEDS[-1],
        step=1,
        key="labs_seed",
        help="Draws other starting weights and data; the code stays the same.",
    )
    return (lab_id if lab_id in LABS else DEFAULT_LAB), int(seed)


def render_code(lab: Lab, result: LabResult) -> None:
    """The loops' code side by side, the wrong line red, the fix blue."""
    loops = list(lab.loops)
    per_row = min(len(loops), CODE_COLUMNS)
    for start in range(0, len(loops), per_row):
        columns = st.columns(per_row)
        for i, loop in enumerate(loops[start : start + per_row], start=start):
            with columns[i - start]:
                st.html(loop_html(loop, loop_color(loop, i)))
                run = result.runs[loop.key]
                if run.error:
                    st.markdown(f"It raised `RuntimeError` at step {run.steps + 1}:")
                    st.code(run.error, language=None, wrap_lines=True)


def render_lesson_link(slug: str) -> None:
    """A link to the Learn page, naming the lesson that explains the lab."""
    lessons = load("lessons")[0] or []
    found = [(i, x) for i, x in enumerate(lessons) if x.slug == slug]
    if not found:
        st.caption("The lesson that explains this lab could not be loaded.")
        return
    i, lesson = found[0]
    label = f"Read lesson {i + 1}, “{lesson.title}”, on the Learn page"
    try:
        st.page_link(LEARN_PAGE, label=label, icon=":material/school:")
    except StreamlitPageNotFoundError:  # the page run on its own, outside the app's navigation
        st.caption(f"Lesson {i + 1}, “{lesson.title}”, on the Learn page explains this.")


def render() -> None:
    restore_widgets(_SAVED, DEFAULTS)
    _sanitise_state()
    st.title("Pitfall labs", anchor=False)
    st.markdown(
        "The clipping call is one line, and easy to put in the wrong place. Each lab runs small "
        "training loops that differ **only** in that line (the threshold lab runs each one with "
        "SGD and with Adam), and measures what it changed."
    )
    lab_id, seed = _controls()
    lab = LABS[lab_id]
    st.subheader(lab.title, anchor=False)
    st.markdown(lab.story)
    result = _result(lab.id, seed)
    render_code(lab, result)
    st.plotly_chart(lab_figure(lab, result), key=CHART_KEY, width="stretch", config=CHART_CONFIG)
    st.markdown(f"**Measured:** {result.finding}")
    render_lesson_link(lab.lesson)
    with st.expander("How the lab measures"):
        st.markdown(HOW)
    remember_widgets(_SAVED, DEFAULTS)


render()
