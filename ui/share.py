"""Share with the class: this run's link at an address the students' devices can open, and
its QR code, big enough to scan from the back of the room.

The address is the one Streamlit prints as "Network URL" (``streamlit.net_util``), never
``localhost``: a student's phone cannot open the teacher's localhost. A configured address
comes first: ``GRADCLIP_PUBLIC_URL`` (the whole base URL, e.g. behind a reverse proxy), then
Streamlit's ``browser.serverAddress``. When there is no address another device can open, the
popover says so and what to do instead of showing a link that would not work.

The link is built from a short list of names only: the run's settings and seed
(``ui/state.py``), the preset, speed and slow-down, and what the students' page shows
(``ui/projector.py``). Nothing else in the sharer's session (progress, answers, the run's
history) can reach it.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import ipaddress
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote as url_quote
from urllib.parse import urlencode, urlsplit

import segno
import streamlit as st
from streamlit import config, net_util

from gradclip_core.config import TrainConfig
from ui.projector import GROUPS, View, current_view, resend_values, view_query
from ui.state import to_query

PUBLIC_URL_ENV = "GRADCLIP_PUBLIC_URL"
TEMPO_KEYS = ("speed", "edge")
QR_PIXELS = 480  # at least: scannable from the back of a classroom when projected
LARGE_WIDTH = "min(100%, 640px, 72vh)"  # the large view: as big as fits on one screen
QR_BORDER = 4  # modules of white around the code (the QR standard's quiet zone)
SHOW_KEY, PROJECTOR_KEY, LARGE_KEY = "share_show", "share_projector", "share_large"


@dataclass(frozen=True)
class Address:
    """Where students open this app: a base URL, or why there is none and what to do."""

    url: str | None
    source: str = ""
    problem: str = ""


def is_local(host: str | None) -> bool:
    """Whether ``host`` names only this computer (or nothing another device can reach)."""
    if not host:
        return True
    host = host.strip().strip("[]").lower()
    if host in ("localhost", "0.0.0.0", "::") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: assume it means what it says


def _base_url(host: str) -> str:
    """``host`` with this server's protocol, port and path, as Streamlit's own URLs have."""
    protocol = "https" if config.get_option("server.sslCertFile") else "http"
    port = (
        config.get_option("browser.serverPort")
        if config.is_manually_set("browser.serverPort")
        else config.get_option("server.port")  # st.get_option("server.port")
    )
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address in a URL
    path = str(config.get_option("server.baseUrlPath") or "").strip("/")
    return f"{protocol}://{host}:{port}" + (f"/{path}" if path else "")


_NO_NETWORK = (
    "No network address was found for this computer, so there is no link the students' "
    "devices could open (a link to localhost opens each student's own device). Connect this "
    "computer to the network the students use (the same Wi-Fi), then open Share again. "
    "Behind a proxy or on a server, set its public address: "
    f"`{PUBLIC_URL_ENV}=https://your.host/path` or `--browser.serverAddress your.host`."
)


def class_address() -> Address:
    """The base URL students can open, from the first of: ``GRADCLIP_PUBLIC_URL``,
    ``browser.serverAddress``, ``server.address``, this computer's network address."""
    public = os.environ.get(PUBLIC_URL_ENV, "").strip().rstrip("/")
    if public and not is_local(urlsplit(public).hostname):
        return Address(public, f"the public address set in {PUBLIC_URL_ENV}")
    if config.is_manually_set("browser.serverAddress"):
        host = str(config.get_option("browser.serverAddress"))
        if not is_local(host):
            return Address(_base_url(host), "the address set in browser.serverAddress")
    bound = str(config.get_option("server.address") or "")
    if bound and bound not in ("0.0.0.0", "::"):  # one address, not every one
        if is_local(bound):
            return Address(
                None,
                problem=f"This server listens only on this computer (server.address is "
                f"`{bound}`), so no other device can open it. Start it with "
                "`streamlit run app.py --server.address 0.0.0.0` to let the class in.",
            )
        return Address(_base_url(bound), "the address this server listens on")
    ip = net_util.get_internal_ip()  # what Streamlit prints as "Network URL"
    if is_local(ip):  # Streamlit's helper answers 127.0.0.1 when it finds no network
        return Address(None, problem=_NO_NETWORK)
    return Address(_base_url(ip), "this computer's address on the network (its Network URL)")


def share_query(
    config_: TrainConfig, preset: str | None, tempo: Mapping[str, str], students: View
) -> dict[str, str]:
    """The students' link: settings and seed, preset, speed, and what their page shows.

    Built from these arguments only, never from session state: a sharer's progress, answers
    or run history cannot reach a link.
    """
    query = to_query(config_, preset)
    query.update({k: str(tempo[k]) for k in TEMPO_KEYS if k in tempo})
    query.update(view_query(students))
    return query


def share_link(base: str, query: Mapping[str, str]) -> str:
    # Commas stay readable in ``show=clipping,speed``; everything else is percent-encoded.
    return f"{base.rstrip('/')}/?{urlencode(query, safe=',', quote_via=url_quote)}"


@functools.lru_cache(maxsize=32)
def qr_png(text: str, pixels: int = QR_PIXELS) -> bytes:
    """A QR code of ``text`` as a black-on-white PNG at least ``pixels`` wide."""
    qr = segno.make(text, error="m", micro=False)
    scale = max(1, math.ceil(pixels / qr.symbol_size(scale=1, border=QR_BORDER)[0]))
    out = io.BytesIO()
    qr.save(out, kind="png", scale=scale, border=QR_BORDER)
    return out.getvalue()


def qr_html(text: str, width: str, alt: str = "QR code of the link to this run") -> str:
    """An ``<img>`` of the QR code (its PNG inline: nothing is fetched), ``width`` in CSS."""
    data = base64.b64encode(qr_png(text)).decode("ascii")
    alt = html.escape(alt, quote=True)
    return (
        f'<img src="data:image/png;base64,{data}" alt="{alt}" '
        f'data-testid="gradclipQr" style="width:{width};max-width:100%;'
        'image-rendering:pixelated;display:block;margin:0 auto">'
    )


def students_view() -> View:
    """What the students' page shows, as chosen in the popover."""
    ss = st.session_state
    groups = tuple(g for g in GROUPS if g in ss.get(SHOW_KEY, GROUPS))
    show = None if groups == tuple(GROUPS) else groups
    return View(bool(ss.get(PROJECTOR_KEY, False)), show)


def render_share(
    container, config_: TrainConfig, preset: str | None, tempo, label: str = "Share"
) -> str | None:
    """The Share popover in ``container``. Returns the link (``None``: no address)."""
    ss = st.session_state
    # By default students see what this page's link asked for: every group unless a show=
    # list chose (projector mode's own short list is for the projector, not for them).
    shown = current_view().show
    ss.setdefault(SHOW_KEY, list(GROUPS if shown is None else shown))
    resend_values((SHOW_KEY, PROJECTOR_KEY, LARGE_KEY))  # a popover's widgets mount late
    with container.popover(label, icon=":material/qr_code_2:", width="stretch"):
        st.multiselect(
            "Controls the students see",
            list(GROUPS),
            key=SHOW_KEY,
            format_func=GROUPS.get,
            help="The link shows only these groups of controls (show=...). Start, Step and "
            "Reset are always there.",
        )
        st.checkbox(
            "Open it in projector mode",
            key=PROJECTOR_KEY,
            help="Large text and no sidebar on the students' screens too (projector=1).",
        )
        address = class_address()
        if address.url is None:
            st.warning(address.problem, icon=":material/wifi_off:")
            return None
        link = share_link(address.url, share_query(config_, preset, tempo, students_view()))
        st.caption(f"At {address.source}. Copy it with the button at the right of the box:")
        st.code(link, language=None, wrap_lines=True)
        st.html(qr_html(link, f"{QR_PIXELS}px"))
        st.toggle(
            "Show the QR code large on the page",
            key=LARGE_KEY,
            help="For the projector: the code and the link above the charts, big.",
        )
        st.caption(
            "The link carries these settings and the seed, so every student gets this run. "
            "It carries nothing of yours: no progress, no answers, no history."
        )
    return link


def render_large_qr(link: str | None) -> None:
    """The QR code across the page, for the back row (the popover's "large" toggle)."""
    if not link or not st.session_state.get(LARGE_KEY):
        return
    with st.container(border=True):
        left, right = st.columns([3, 2], vertical_alignment="center")
        left.html(qr_html(link, LARGE_WIDTH))
        right.markdown("### Scan to open this run")
        right.code(link, language=None, wrap_lines=True)
        right.button(
            "Hide the QR code",
            key="btn_hide_qr",
            icon=":material/close:",
            on_click=lambda: st.session_state.update({LARGE_KEY: False}),
        )
