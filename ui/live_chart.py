"""The live chart: one Plotly figure updated in place, many times a second.

``st.plotly_chart`` gives each figure an identity hashed from its content, so every redraw
of a live figure mounts a new chart in the browser and hides the old one: Plotly draws the
whole figure from nothing (70-110 ms of the browser's time on a small machine), the zoom is
lost, and about one frame in fifteen shows no chart at all while the new one is drawn
(measured in headless Chromium, 2 cores). This module mounts the chart once as an
``st.components.v2`` component with a fixed key and hands each new figure to
``Plotly.react``, which updates the same plot in place.

Plotly's JavaScript is the cartesian bundle of the same plotly.js release the ``plotly``
package ships (``assets/plotly/``: 1.5 MB instead of 4.8, so a fresh browser has it ready
sooner: ``bench/live_refresh.py --immediate``), copied to ``static/`` and served by Streamlit's
static file serving (``server.enableStaticServing``): nothing is fetched from the network. If
the file cannot be put there, the page falls back to ``st.plotly_chart``.
"""

from __future__ import annotations

import base64
import functools
import json
import shutil
from pathlib import Path

import numpy as np
import orjson
import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st
from _plotly_utils.utils import to_typed_array_spec

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
# The 2-D trace types only (scatter, bar, heatmap, ...): what the live charts draw.
PLOTLY_SOURCE = STATIC_DIR.parent / "assets" / "plotly" / "plotly-cartesian.min.js"
CARTESIAN_TRACES = frozenset(
    {"bar", "box", "contour", "heatmap", "histogram", "histogram2d", "histogram2dcontour"}
    | {"image", "pie", "scatter", "scatterternary", "violin"}
)
PLOTLY_JS = "plotly-cartesian.min.js"
# Streamlit serves ``static/<file>`` at ``<app url>/app/static/<file>``.
PLOTLY_URL = f"app/static/{PLOTLY_JS}"

# Loads Plotly once per browser tab, shared by every chart and by the page-start preload.
_LOAD_JS = """
const SRC = new URL("%(url)s", document.baseURI).href;

function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__gradclipPlotly) {
    window.__gradclipPlotly = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = SRC;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => {
        window.__gradclipPlotly = null;  // a later chart tries again
        script.remove();
        reject(new Error("could not load " + SRC));
      };
      document.head.appendChild(script);
    });
  }
  return window.__gradclipPlotly;
}
"""

# Run by the page as soon as it is drawn (see preload_chart_script): the browser fetches
# and compiles Plotly while the learner reads the page, not after Start is pressed. The
# style takes the element out of the layout, so the page looks the same with it.
_PRELOAD_HTML = """<style>
[data-testid="stElementContainer"]:has(script[data-gradclip-preload]) { display: none; }
</style>
<script data-gradclip-preload>
(() => {
%(load)s
loadPlotly().catch(() => {});
})();
</script>"""

_JS = (
    _LOAD_JS
    + """
// The narrow layout is the wide one with a patch laid over it, object by object.
function merged(base, patch) {
  const out = Object.assign({}, base);
  for (const [k, v] of Object.entries(patch || {})) {
    const isObj = v && typeof v === "object" && !Array.isArray(v);
    out[k] = isObj && out[k] && typeof out[k] === "object" ? merged(out[k], v) : v;
  }
  return out;
}

function draw(Plotly, gd) {
  const s = gd.__state;
  const width = gd.clientWidth;
  const narrow = Boolean(s.narrow) && width > 0 && width < s.narrowBelow;
  gd.__narrow = narrow;
  gd.__width = width;
  gd.setAttribute("data-layout", narrow ? "stacked" : "grid");
  const layout = narrow ? merged(s.layout, s.narrow) : Object.assign({}, s.layout);
  // An explicit width, measured here: Plotly.Plots.resize (what `responsive` calls) drops a
  // figure's fixed height, and the chart then collapses to nothing under the next element.
  if (width > 0) layout.width = width;
  return Plotly.react(gd, s.data, layout, s.config);
}

// The chart follows its own width (the sidebar folding away, a window resized, a phone
// turned): Plotly's `responsive` only listens to the window, not to the page's columns.
function watchSize(Plotly, gd) {
  if (gd.__observer) return;
  gd.__observer = new ResizeObserver(() => {
    const width = gd.clientWidth;
    if (gd.__state && width !== gd.__width && width > 0) draw(Plotly, gd);
  });
  gd.__observer.observe(gd);
}

export default function (component) {
  const { data, parentElement } = component;
  let gd = parentElement.querySelector(".gradclip-live-chart");
  if (!gd) {
    gd = document.createElement("div");
    gd.className = "gradclip-live-chart";
    gd.setAttribute("data-testid", "gradclipLiveChart");
    gd.style.width = "100%%";
    parentElement.appendChild(gd);
  }
  // Only the newest figure is drawn: one that arrives while Plotly loads replaces the last.
  gd.__next = data;
  loadPlotly().then((Plotly) => {
    const next = gd.__next;
    if (next === undefined) return;
    gd.__next = undefined;
    const fig = JSON.parse(next.figure);
    gd.__state = {
      data: fig.data,
      layout: fig.layout,
      config: next.config,
      narrow: next.narrow ? JSON.parse(next.narrow) : null,
      narrowBelow: next.narrow_below || 0,
    };
    gd.setAttribute("aria-label", next.alt);
    gd.setAttribute("role", "img");
    draw(Plotly, gd);
    watchSize(Plotly, gd);
  }).catch((err) => {
    gd.textContent = "The chart could not be drawn: " + err.message;
  });
  return () => {
    if (gd.__observer) gd.__observer.disconnect();
    gd.__observer = null;
  };
}
"""
)


@functools.cache
def plotly_js_ready() -> bool:
    """Put Plotly's JavaScript under ``static/`` (once per server); False if it cannot."""
    source, target = PLOTLY_SOURCE, STATIC_DIR / PLOTLY_JS
    try:
        if not target.exists() or target.stat().st_size != source.stat().st_size:
            STATIC_DIR.mkdir(exist_ok=True)
            tmp = target.with_suffix(".tmp")
            shutil.copyfile(source, tmp)
            tmp.replace(target)  # atomic: a browser never gets half a file
        return True
    except OSError:
        return False


@functools.cache
def _component():
    return st.components.v2.component(
        "gradclip_live_chart", js=_JS % {"url": PLOTLY_URL}, isolate_styles=False
    )


def preload_chart_script() -> None:
    """Start loading Plotly's script now, before any live chart is on the page.

    Call it near the top of a page with live charts. A chart's own component mounts only
    after its script arrives from the server (a second request), so Plotly (1.5 MB) used to
    start loading after the page was drawn, and a Start pressed at once waited for it to
    compile. This tiny script runs as soon as the page's elements do; the charts then find
    Plotly ready, or on its way (``bench/live_refresh.py --immediate``). Nothing is drawn.
    """
    if not _static_serving() or not plotly_js_ready():
        return  # the charts fall back to st.plotly_chart, which brings its own Plotly
    st.html(
        _PRELOAD_HTML % {"load": _LOAD_JS % {"url": PLOTLY_URL}},
        unsafe_allow_javascript=True,
    )


# Nothing leaves the machine: no "Share chart" (Plotly's cloud upload, on by default in
# plotly.js 3+), no "Edit in Chart Studio", no link or logo to plotly.com, no server URL to
# send to. The camera button stays: it saves a PNG locally.
PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "showLink": False,
    "plotlyServerURL": "",
    "modeBarButtonsToRemove": [
        "sendDataToCloud",
        "sendChartToCloud",
        "editInChartStudio",
        "select2d",
        "lasso2d",
    ],
}


# Plotly.js's typed arrays: NumPy dtype -> its code in a figure's JSON (plotly's own table).
_SHORT = {
    "int8": "i1",
    "uint8": "u1",
    "int16": "i2",
    "uint16": "u2",
    "int32": "i4",
    "uint32": "u4",
    "float32": "f4",
    "float64": "f8",
}


def _typed_array(value):
    """orjson's fallback: a NumPy array as Plotly's typed array spec, a NumPy number as one.

    Floats (what the live charts send) are encoded here, as ``plotly.io.to_json`` encodes
    them, without its per-array conversion through narwhals (1.8 of 2.6 ms a redraw);
    every other array goes through Plotly's own ``to_typed_array_spec``.
    """
    if isinstance(value, np.ndarray):
        code = _SHORT.get(str(value.dtype))
        if code is not None and value.dtype.kind == "f" and value.size:
            spec = {"dtype": code, "bdata": base64.b64encode(np.ascontiguousarray(value)).decode()}
            if value.ndim > 1:
                spec["shape"] = str(value.shape)[1:-1]
            return spec
        spec = to_typed_array_spec(value)  # ints shrunk to the smallest type, as Plotly does
        return spec if isinstance(spec, dict) else spec.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot serialise {type(value).__name__} in a figure")


def figure_json(fig: go.Figure | dict) -> str:
    """``fig`` as JSON, the same figure ``plotly.io.to_json`` gives, without copying it first.

    ``to_json`` deep-copies the whole figure and walks it to encode its arrays before
    serialising (about 3 ms a redraw for the playground's figure, 1.2 ms this way); here
    orjson reads the figure's own data and layout and encodes each array as it meets it.
    The output parses to the same object (tests/app/test_live.py); anything unexpected falls
    back to ``to_json``.
    """
    if isinstance(fig, dict):  # a figure already as plain data (charts.playground_spec)
        return orjson.dumps(fig, default=_typed_array, option=orjson.OPT_NON_STR_KEYS).decode()
    try:
        if fig.frames:  # animation frames: the live charts have none
            raise TypeError("frames")
        payload = {"data": fig._data, "layout": fig._layout}
        return orjson.dumps(payload, default=_typed_array, option=orjson.OPT_NON_STR_KEYS).decode()
    except (AttributeError, TypeError):
        return pio.to_json(fig, validate=False, engine="orjson")


def live_chart(
    fig: go.Figure | dict,
    *,
    key: str,
    alt: str,
    config: dict | None = None,
    narrow: dict | None = None,
    narrow_below: int = 0,
) -> None:
    """Draw ``fig``; later calls with the same ``key`` update the same chart in place.

    Args:
        fig: the figure: a ``go.Figure``, or the plain dict one serialises to (``data`` and
            ``layout``, arrays as NumPy arrays), which skips building Plotly's objects.
        key: the chart's identity across reruns.
        alt: a sentence describing the chart, for screen readers.
        config: Plotly's config, on top of :data:`PLOTLY_CONFIG`.
        narrow: a patch of ``fig``'s layout for a narrow chart (e.g. panels one per row),
            applied in the browser while the chart is less than ``narrow_below`` CSS pixels
            wide, and taken off again when it grows.
        narrow_below: the width, in CSS pixels, below which ``narrow`` applies.
    """
    config = {**PLOTLY_CONFIG, **(config or {})}
    if isinstance(fig, dict):
        types = [trace.get("type", "scatter") for trace in fig["data"]]
    else:
        types = [trace.type for trace in fig.data]
    drawable = all(t in CARTESIAN_TRACES for t in types)
    if not drawable or not _static_serving() or not plotly_js_ready():
        # A trace the cartesian bundle lacks (a 3-D surface, a map): Streamlit's full Plotly.
        figure = go.Figure(fig, _validate=False) if isinstance(fig, dict) else fig
        st.plotly_chart(figure, key=key, config=config)
        return
    data = {"figure": figure_json(fig), "config": config}
    data["alt"] = alt
    if narrow:
        data["narrow"] = json.dumps(narrow)
        data["narrow_below"] = narrow_below
    _component()(data=data, key=key)


def _static_serving() -> bool:
    return bool(st.get_option("server.enableStaticServing"))
