"""Share with the class: a link other devices can open, that carries the run and nothing of
the sharer's, and a QR code that a real decoder reads back to that link."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import zxingcpp
from PIL import Image
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from gradclip_core import TrainConfig
from gradclip_core.presets import load_presets
from gradclip_core.quiz.progress import Progress
from ui import share
from ui.projector import View
from ui.state import PAGE_KEYS, PROP, from_query

TIMEOUT = 60
APP = str(Path(__file__).resolve().parents[2] / "app.py")
NETWORK_IP = "192.168.1.23"
LINK_KEYS = set(PROP) | {"preset", "speed", "edge", "projector", "show"}
QR_SRC = re.compile(r'src="data:image/png;base64,([^"]+)"[^>]*style="width:([^;"]+)')


@pytest.fixture
def on_a_network(monkeypatch):
    """This computer has a network address (what Streamlit prints as "Network URL")."""
    monkeypatch.setattr("streamlit.net_util.get_internal_ip", lambda: NETWORK_IP)
    monkeypatch.delenv(share.PUBLIC_URL_ENV, raising=False)


def _app(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def _link(at: AppTest) -> str:
    """The link the Share popover shows (the large view, if on, shows the same one)."""
    links = [c.value for c in at.code if c.value.startswith("http")]
    assert links and len(set(links)) == 1, links
    return links[0]


def _qr_images(at: AppTest) -> list[tuple[Image.Image, str]]:
    """Each QR code on the page, as an image, with the CSS width it is shown at."""
    out = []
    for element in at.get("html"):
        for data, width in QR_SRC.findall(element.proto.body):
            out.append((Image.open(io.BytesIO(base64.b64decode(data))), width))
    return out


def _decode(image: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image.convert("L"))]


# 1. The address.


def test_the_link_uses_the_network_address_and_carries_the_settings_and_seed(on_a_network):
    at = _app({"preset": "healthy"})
    at.radio(key="w_clip_mode").set_value("value").run()
    at.number_input(key="w_seed").set_value(1234).run()
    assert not at.exception
    link = _link(at)
    assert "localhost" not in link and "127.0.0.1" not in link
    parts = urlsplit(link)
    assert (parts.scheme, parts.hostname, parts.port) == ("http", NETWORK_IP, 8501)
    query = dict(parse_qsl(parts.query))
    assert query["seed"] == "1234" and query["clip_mode"] == "value"
    # The link reproduces this run: every setting, read back as a shared link is.
    config, warnings = from_query(query, TrainConfig())
    assert warnings == [] and config == at.session_state["run"].config
    assert query["speed"] == "full" and query["edge"] == "on"


def test_no_network_address_says_so_and_what_to_do(monkeypatch):
    # Streamlit's helper answers 127.0.0.1 when it finds no network.
    monkeypatch.setattr("streamlit.net_util.get_internal_ip", lambda: "127.0.0.1")
    monkeypatch.delenv(share.PUBLIC_URL_ENV, raising=False)
    at = _app({"preset": "healthy"})
    text = " ".join(w.value for w in at.warning)
    assert "No network address was found" in text and "same Wi-Fi" in text
    assert share.PUBLIC_URL_ENV in text and "browser.serverAddress" in text
    assert not [c for c in at.code if c.value.startswith("http")]  # no link that cannot work
    assert not _qr_images(at)


@pytest.fixture
def options(monkeypatch):
    """Set Streamlit options for one test, as if the server had been started with them."""
    real_get, real_set = st_config.get_option, st_config.is_manually_set
    chosen: dict[str, object] = {}
    monkeypatch.setattr(st_config, "get_option", lambda k: chosen.get(k, real_get(k)))
    monkeypatch.setattr(st_config, "is_manually_set", lambda k: k in chosen or real_set(k))
    monkeypatch.setattr("streamlit.net_util.get_internal_ip", lambda: NETWORK_IP)
    monkeypatch.delenv(share.PUBLIC_URL_ENV, raising=False)
    return chosen


def test_a_configured_address_comes_first(options, monkeypatch):
    assert share.class_address().url == f"http://{NETWORK_IP}:8501"
    options["server.port"] = 8600
    assert share.class_address().url == f"http://{NETWORK_IP}:8600"
    options["browser.serverAddress"] = "class.example.org"
    options["browser.serverPort"] = 443
    options["server.sslCertFile"] = "/etc/cert.pem"
    options["server.baseUrlPath"] = "/ml/"
    assert share.class_address().url == "https://class.example.org:443/ml"
    monkeypatch.setenv(share.PUBLIC_URL_ENV, "https://gradclip.school.example/lab/")
    address = share.class_address()
    assert address.url == "https://gradclip.school.example/lab"
    assert share.PUBLIC_URL_ENV in address.source


def test_a_local_only_address_is_never_the_link(options, monkeypatch):
    monkeypatch.setenv(share.PUBLIC_URL_ENV, "http://localhost:8501")
    options["browser.serverAddress"] = "127.0.0.1"
    assert share.class_address().url == f"http://{NETWORK_IP}:8501"  # both skipped
    options["server.address"] = "127.0.0.1"
    address = share.class_address()
    assert address.url is None
    assert "listens only on this computer" in address.problem
    assert "--server.address 0.0.0.0" in address.problem
    options["server.address"] = "10.0.0.5"
    assert share.class_address().url == "http://10.0.0.5:8501"
    options["server.address"] = "0.0.0.0"  # every address: the network one is the link
    assert share.class_address().url == f"http://{NETWORK_IP}:8501"


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("app.localhost", True),
        ("127.0.0.1", True),
        ("127.4.5.6", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", True),
        ("", True),
        (None, True),
        ("192.168.1.23", False),
        ("10.0.0.5", False),
        ("class.example.org", False),
    ],
)
def test_is_local(host, local):
    assert share.is_local(host) is local


# 2. The QR code.


def test_the_qr_code_on_the_page_decodes_to_the_link(on_a_network):
    at = _app({"preset": "exploding-rnn"})
    link = _link(at)
    ((image, width),) = _qr_images(at)
    assert min(image.size) >= 400 and width == f"{share.QR_PIXELS}px"  # scannable from afar
    assert _decode(image) == [link]


def test_the_large_view_shows_the_same_code_bigger_and_hides_again(on_a_network):
    at = _app({"preset": "healthy"})
    at.toggle(key=share.LARGE_KEY).set_value(True).run()
    assert not at.exception
    link = _link(at)
    codes = _qr_images(at)
    assert len(codes) == 2 and [_decode(image) for image, _ in codes] == [[link], [link]]
    # In the popover, and across the page (up to 640 px).
    assert {width for _, width in codes} == {f"{share.QR_PIXELS}px", share.LARGE_WIDTH}
    assert any(m.value == "### Scan to open this run" for m in at.markdown)
    at.button(key="btn_hide_qr").click().run()
    assert len(_qr_images(at)) == 1


def test_a_long_link_still_makes_a_readable_code():
    link = "http://192.168.100.200:65535/?" + "&".join(f"k{i}=v{i:04d}" for i in range(60))
    image = Image.open(io.BytesIO(share.qr_png(link)))
    assert min(image.size) >= share.QR_PIXELS and _decode(image) == [link]


# 3. What the link carries, and what it never does.


def test_the_students_choice_of_controls_and_projector_mode_is_in_the_link(on_a_network):
    at = _app({"preset": "exploding-rnn", "projector": "1"})  # the teacher is projecting
    query = dict(parse_qsl(urlsplit(_link(at)).query))
    assert "projector" not in query  # off for students unless chosen
    assert "show" not in query  # and every control (projector mode's short list is not theirs)
    at.multiselect(key=share.SHOW_KEY).set_value(["speed", "clipping"]).run()
    at.checkbox(key=share.PROJECTOR_KEY).check().run()
    query = dict(parse_qsl(urlsplit(_link(at)).query))
    assert query["show"] == "clipping,speed" and query["projector"] == "1"
    assert _decode(_qr_images(at)[0][0]) == [_link(at)]  # the code follows the choice
    # A student opening it gets the run and only those controls.
    student = _app(query)
    assert student.session_state["view"] == View(True, ("clipping", "speed"))
    assert student.session_state["run"].config == at.session_state["run"].config
    assert all(r.key != "w_optimizer" for r in student.radio)
    assert not [w for w in student.warning if "Link setting" in w.value]


def test_every_group_chosen_leaves_show_out_of_the_link(on_a_network):
    at = _app({"preset": "healthy", "show": "clipping"})
    at.multiselect(key=share.SHOW_KEY).set_value(list(share.GROUPS)).run()
    assert "show=" not in _link(at)


SECRET = "sentinel-7f3a"


def test_the_link_never_carries_progress_or_session_state(on_a_network):
    at = _app({"preset": "spiky-tanh-rnn"})
    progress = Progress()
    progress.record("multiple_choice", SECRET, True)
    at.session_state["learn_progress"] = progress
    at.session_state["learn_multiple_choice_round"] = {"ids": [SECRET], "pos": 1, "results": {}}
    at.session_state["learn_notice"] = SECRET
    at.session_state["class_code"] = SECRET
    for _ in range(3):  # a run with history, and a replay position
        at.button(key="btn_step").click().run()
    assert not at.exception
    link = _link(at)
    query = dict(parse_qsl(urlsplit(link).query))
    assert set(query) <= LINK_KEYS, set(query) - LINK_KEYS
    assert set(query) - set(PROP) <= set(PAGE_KEYS)  # nothing the page does not read
    assert SECRET not in link and "learn" not in link and "replay" not in link
    assert "steps" not in link and "progress" not in link and "class" not in link
    assert _decode(_qr_images(at)[0][0]) == [link]


def test_share_query_reads_only_its_arguments():
    config = load_presets()["healthy"].config
    query = share.share_query(
        config, "healthy", {"speed": "slow", "edge": "off", "progress": SECRET}, View()
    )
    assert set(query) <= LINK_KEYS and {"seed", "preset", "speed", "edge"} <= set(query)
    assert SECRET not in repr(query) and query["seed"] == str(config.seed)
    link = share.share_link("http://10.0.0.5:8501", {**query, "show": "clipping,speed"})
    assert link.startswith("http://10.0.0.5:8501/?") and "show=clipping,speed" in link
