"""gradclip: watch gradients explode, feel what clipping does, then check what you learned.

A router only: page config and navigation. Pages live in ``app_pages/``.
"""

import streamlit as st

from ui.heap import freeze_imports

# First, once per process: torch and the app's modules load with the garbage collector off,
# and full collections then skip them (ui/heap.py).
freeze_imports()

import torch  # noqa: E402

from ui.delivery import wait_until_taken  # noqa: E402
from ui.errors import shown_as_message  # noqa: E402
from ui.live_chart import plotly_js_ready, preload_chart_script  # noqa: E402
from ui.training_pool import tune_heap  # noqa: E402

tune_heap()  # at the first import, before most threads have made their arenas

LIVE_CHART_PAGES = ("", "compare")  # the Playground (the default page) and Compare


@st.cache_resource
def _configure_torch() -> None:
    # Torch's intra-op threads fight each other across sessions: one thread per server
    # process (measured in DESIGN.md: 10 steps 630 ms with 2 threads vs 7.5 ms with 1).
    torch.set_num_threads(1)


def run() -> None:
    st.set_page_config(page_title="gradclip", page_icon=":material/content_cut:", layout="wide")
    _configure_torch()
    plotly_js_ready()  # the live charts' script under static/, once per server, on any page
    pages = [
        st.Page(
            "app_pages/playground.py",
            title="Playground",
            icon=":material/show_chart:",
            default=True,
        ),
        st.Page("app_pages/step_inside.py", title="Step inside", icon=":material/zoom_in:"),
        st.Page("app_pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
        st.Page("app_pages/labs.py", title="Pitfall labs", icon=":material/bug_report:"),
        st.Page("app_pages/learn.py", title="Learn", icon=":material/school:"),
        st.Page("app_pages/classroom.py", title="Class", icon=":material/groups:"),
        st.Page(
            "app_pages/geometry.py",
            title="Geometry of clipping",
            icon=":material/architecture:",
        ),
        st.Page("app_pages/cliff.py", title="The cliff", icon=":material/landscape:"),
    ]
    with shown_as_message("a page"):  # never a traceback on a learner's page (ui/errors.py)
        page = st.navigation(pages)
        if page.url_path in LIVE_CHART_PAGES:
            # The page's first element: the browser fetches and compiles the live charts'
            # script while the page's own elements arrive, so an early Start waits less.
            preload_chart_script()
        page.run()
    # The page's last element is with the server before the run ends: a busy server drops a
    # run's elements when the next request starts a new runner first (ui/delivery.py).
    wait_until_taken()


if __name__ == "__main__":
    run()
