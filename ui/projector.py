"""Projector mode, and which controls a link shows: the playground as a class sees it.

A teacher projects the playground (``projector=1`` in the link, or the sidebar's "Projector
mode"): no sidebar, page text and chart text large enough to read from the back of the room,
the chart across the whole width, and only the basic controls, in a "Controls" popover. A link
can also choose which groups of controls it shows (``show=clipping,speed``), as TensorFlow
Playground's hidden-controls URL state does: a student who opens it sees only those groups.

Both are page keys of the link (``ui/state.py`` ``PAGE_KEYS``), read on a first visit. A value
this page does not know is ignored with a warning that names it and says what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import streamlit as st

from ui.safe_text import quote

# The groups of controls a link can show, in the order the page draws them.
GROUPS = {
    "scenario": "Scenario",
    "clipping": "Clipping",
    "optimizer": "Optimizer",
    "model": "Model",
    "data": "Data",
    "speed": "Speed",
}
# Projector mode without a ``show=`` list: the groups a demonstration needs, the rest hidden.
PROJECTOR_GROUPS = ("scenario", "clipping", "speed")
NO_GROUPS = "none"  # ``show=none``: buttons and charts only
_ON = ("1", "on", "true", "yes")
_OFF = ("0", "off", "false", "no", "")
VIEW_KEY = "view"  # the page's View, in session state (not a widget: it outlives its toggle)
TOGGLE_KEY = "teach_projector"


@dataclass(frozen=True)
class View:
    """How the page shows itself.

    Attributes:
        projector: projector mode (no sidebar, large text, the chart across the width).
        show: the groups of controls shown, in :data:`GROUPS` order; ``None`` for the mode's
            own choice (every group, or :data:`PROJECTOR_GROUPS` in projector mode).
    """

    projector: bool = False
    show: tuple[str, ...] | None = None

    @property
    def groups(self) -> tuple[str, ...]:
        if self.show is not None:
            return self.show
        return PROJECTOR_GROUPS if self.projector else tuple(GROUPS)

    def shows(self, group: str) -> bool:
        return group in self.groups


def _allowed() -> str:
    return f"{', '.join(GROUPS)} (or {NO_GROUPS}), separated by commas"


def parse_show(raw: str) -> tuple[tuple[str, ...] | None, list[str]]:
    """A link's ``show=`` list as groups, and a warning for each name that is not a group.

    Returns:
        The groups in :data:`GROUPS` order (``()`` for ``none``), or ``None`` (every group)
        when the list is empty or names no group at all; and the warnings.
    """
    names = [n.strip().lower() for n in str(raw).split(",")]
    names = [n for n in names if n]
    unknown = [n for n in dict.fromkeys(names) if n not in GROUPS and n != NO_GROUPS]
    warnings = [
        f"Link setting show: {quote(n)} is not a group of controls and was ignored; "
        f"this page allows {_allowed()}."
        for n in unknown[:5]
    ]
    if len(unknown) > 5:
        warnings.append(f"Link setting show: {len(unknown) - 5} more names were ignored.")
    known = tuple(g for g in GROUPS if g in names)
    if known or NO_GROUPS in names:
        return known, warnings
    if unknown:
        warnings.append("Link setting show named no group of controls, so every control is shown.")
    return None, warnings


def parse_view(query: Mapping[str, str]) -> tuple[View, list[str]]:
    """The view a link asks for (``projector``, ``show``), with a warning per ignored value."""
    warnings: list[str] = []
    raw = str(query.get("projector", "0")).strip().lower()
    projector = raw in _ON
    if raw not in _ON + _OFF:
        warnings.append(
            f"Link setting projector={quote(query['projector'])} was ignored: this page allows "
            "1 (projector mode) or 0 (off)."
        )
    show = None
    if "show" in query:
        show, more = parse_show(query["show"])
        warnings += more
    return View(projector, show), warnings


def view_query(view: View) -> dict[str, str]:
    """The link's form of a view: only what differs from a plain page."""
    out = {}
    if view.projector:
        out["projector"] = "1"
    if view.show is not None:
        out["show"] = ",".join(view.show) or NO_GROUPS
    return out


def seed_view(query: Mapping[str, str]) -> list[str]:
    """Put the link's view in session state (a first visit); warnings for ignored values."""
    view, warnings = parse_view(query)
    st.session_state[VIEW_KEY] = view
    return warnings


def current_view() -> View:
    return st.session_state.get(VIEW_KEY) or View()


def set_projector(on: bool) -> None:
    view = current_view()
    st.session_state[VIEW_KEY] = View(on, view.show)


def _on_toggle() -> None:
    set_projector(bool(st.session_state[TOGGLE_KEY]))


def resend_values(keys) -> None:
    """Make this run carry the values of the widgets ``keys`` to the browser (before drawing).

    A popover's widgets mount in the browser only when it opens, and a widget that mounts takes
    the value its element carried last: its default, unless that run set the value. It sends
    that default back with the next click (seen in Chromium: "clip by value" became "no
    clipping" after a Step click and a look at the controls). A value set again each run
    rides along with every run.
    """
    ss = st.session_state
    for name in keys:
        if name in ss:
            ss[name] = ss[name]


def render_teach_sidebar() -> None:
    """The sidebar's "Teach" group: projector mode (the page puts Share under it)."""
    sb = st.sidebar
    sb.subheader("Teach")
    st.session_state[TOGGLE_KEY] = current_view().projector
    sb.toggle(
        "Projector mode",
        key=TOGGLE_KEY,
        on_change=_on_toggle,
        help="For a projector: hides the sidebar and the advanced controls, makes the text "
        "and the charts large, and spreads the charts across the screen. The link keeps it "
        "(projector=1).",
    )


def render_leave_button(container) -> None:
    container.button(
        "Leave projector mode",
        key="btn_leave_projector",
        icon=":material/close_fullscreen:",
        on_click=set_projector,
        args=(False,),
        help="Back to the sidebar and every control.",
    )


# Streamlit sizes its text in rem: a larger root font size grows every text on the page (body
# text 24 px, buttons and captions 21 px; the title less, to leave the chart room). The
# sidebar (and its expand button) goes; the main column loses its wide side padding, so the
# chart spans the screen (tests/e2e/test_projector_journey.py: at least 90% of 1280 px).
PROJECTOR_CSS = """<style>
html { font-size: 24px !important; }
h1 { font-size: 1.9rem !important; padding-top: 0 !important; }
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"] { display: none !important; }
.stMainBlockContainer {
  padding: 1.25rem 1rem 2rem 1rem !important; max-width: 100% !important;
}
[data-testid="stCaptionContainer"] { font-size: 0.9rem !important; }
[data-testid="stMetricValue"] { font-size: 1.8rem !important; }
</style>"""


def render_projector_style() -> None:
    st.html(PROJECTOR_CSS)
