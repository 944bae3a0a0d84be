"""The live chart: one Plotly figure updated in place, many times a second.

``st.plotly_chart`` gives each figure an identity hashed from its content, so every redraw
of a live figure mounts a new chart in the browser and hides the old one: Plotly draws the
whole figure from nothing (70-110 ms of the browser's time on a small machine), the zoom is
lost, and about one frame in fifteen shows no chart at all while the new one is drawn
(measured in headless Chromium, 2 cores). This module mounts the chart once as an
``st.components.v2`` component with a fixed key and hands each new figure to
``Plotly.react``, which updates the same plot in place.

Plotly's JavaScript comes from the installed ``plotly`` package, copied to ``static/`` and
served by Streamlit's static file serving (``server.enableStaticServing``): nothing is fetched
from the network. If the file cannot be put there, the page falls back to ``st.plotly_chart``.
"""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import plotly
import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
PLOTLY_JS = "plotly.min.js"
# Streamlit serves ``static/<file>`` at ``<app url>/app/static/<file>``.
PLOTLY_URL = f"app/static/{PLOTLY_JS}"

_JS = """
const SRC = new URL("%(url)s", document.baseURI).href;

function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__gradclipPlotly) {
    window.__gradclipPlotly = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = SRC;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => reject(new Error("could not load " + SRC));
      document.head.appendChild(script);
    });
  }
  return window.__gradclipPlotly;
}

export default function (component) {
  const { data, parentElement } = component;
  let gd = parentElement.querySelector(".gradclip-live-chart");
  if (!gd) {
    gd = document.createElement("div");
    gd.className = "gradclip-live-chart";
    gd.setAttribute("data-testid", "gradclipLiveChart");
    parentElement.appendChild(gd);
  }
  // Only the newest figure is drawn: one that arrives while Plotly loads replaces the last.
  gd.__next = data;
  loadPlotly().then((Plotly) => {
    const next = gd.__next;
    if (next === undefined) return;
    gd.__next = undefined;
    const fig = JSON.parse(next.figure);
    gd.setAttribute("aria-label", next.alt);
    gd.setAttribute("role", "img");
    Plotly.react(gd, fig.data, fig.layout, next.config);
  }).catch((err) => {
    gd.textContent = "The chart could not be drawn: " + err.message;
  });
}
"""


@functools.cache
def plotly_js_ready() -> bool:
    """Put Plotly's JavaScript under ``static/`` (once per server); False if it cannot."""
    source = Path(plotly.__file__).parent / "package_data" / PLOTLY_JS
    target = STATIC_DIR / PLOTLY_JS
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


def live_chart(fig: go.Figure, *, key: str, alt: str, config: dict | None = None) -> None:
    """Draw ``fig``; later calls with the same ``key`` update the same chart in place.

    Args:
        fig: the figure.
        key: the chart's identity across reruns.
        alt: a sentence describing the chart, for screen readers.
        config: Plotly's config (mode bar, logo...).
    """
    config = {"displaylogo": False, "responsive": True, **(config or {})}
    if not _static_serving() or not plotly_js_ready():
        st.plotly_chart(fig, key=key, config=config)
        return
    figure = pio.to_json(fig, validate=False, engine="orjson")
    _component()(data={"figure": figure, "config": config, "alt": alt}, key=key)


def _static_serving() -> bool:
    return bool(st.get_option("server.enableStaticServing"))
