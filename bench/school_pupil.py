"""A student behind the proxy for bench/school.py: a protocol-level browser tab with its own
cookie jar, that loads pages, trains, uploads, saves progress and votes through HAProxy."""

from __future__ import annotations

import asyncio
import contextlib
import http.cookiejar
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Common_pb2 import UploadedFileInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from classroom import Student  # noqa: E402
from school_servers import COOKIE  # noqa: E402

from gradclip_core.classroom import new_key  # noqa: E402

XSRF_COOKIE = "_streamlit_xsrf"
UPLOAD_LABEL = "Load settings from a file"
SETTINGS_FILE = ROOT / "lessons" / "presets" / "tiny-threshold.toml"
LEARN_MODE = ":material/style: Flashcards"  # the Learn page's mode picker, as it labels it


# ---- a student behind the proxy -------------------------------------------------------------


class Pupil(Student):
    """One browser that reaches the app only through the proxy, with its own cookie jar.

    It does what the page does: ``/_stcore/health`` first (which also sets Streamlit's XSRF
    cookie), then the WebSocket with the cookies, the Origin and the XSRF token; it sends the
    widgets' state with every rerun, runs the live fragment's timer, and uploads files as the
    uploader does (ask the session for an upload URL, PUT the file, rerun with its info).
    """

    def __init__(self, proxy: str, name: str) -> None:
        super().__init__("ws" + proxy.removeprefix("http"), "")
        self.proxy, self.name = proxy, name
        self.key = new_key()  # the student's key on the Class page (``me=``)
        self.learner = new_key()  # the key of the student's saved progress (``learner=``)
        self.jar = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.session_id = ""
        self.page_name = ""
        self.widgets: dict[str, WidgetState] = {}
        self.ids: dict[tuple[str, str], str] = {}  # (element type, label) -> widget id
        self.keyed: dict[str, str] = {}  # a widget's key in the app -> its id
        self.options: dict[str, list[str]] = {}  # radio id -> its options
        self.texts: list[str] = []  # alerts, toasts, headings and captions, in arrival order
        self.replicas: list[str] = []  # the replica cookie after each HTTP answer
        self.ws = None
        self.closed = asyncio.Event()
        self._reader: asyncio.Task | None = None
        self._ticker: asyncio.Task | None = None
        self._urls: dict[str, asyncio.Future] = {}
        self._page = ""  # the page's script hash, once the server has named it
        self.bytes_in = 0  # bytes of the page's files fetched through the proxy
        self.received = 0  # bytes of WebSocket messages received
        self.mark = 0  # where in ``texts`` the current page began (after a reconnect)

    # -- HTTP through the proxy --------------------------------------------------------------

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    @property
    def replica(self) -> str | None:
        """The replica the proxy's cookie names (None before the first answer)."""
        return self.cookie(COOKIE)

    def _http(self, path: str, method: str = "GET", data: bytes | None = None, headers=None):
        request = urllib.request.Request(
            self.proxy + path, data=data, method=method, headers=headers or {}
        )
        try:
            with self._opener.open(request, timeout=60) as r:
                status, body = r.status, r.read()
        except urllib.error.HTTPError as err:
            status, body = err.code, err.read()
        self.replicas.append(self.replica or "")
        return status, body

    async def http(self, path: str, method: str = "GET", data=None, headers=None):
        return await asyncio.to_thread(self._http, path, method, data, headers)

    # -- the WebSocket -----------------------------------------------------------------------

    async def connect(self) -> None:
        """What the page does on load and on reconnect: the health route, then the socket."""
        status, _ = await self.http("/_stcore/health")
        if status != 200:
            raise RuntimeError(f"{self.name}: /_stcore/health answered {status}")
        xsrf = self.cookie(XSRF_COOKIE) or ""
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.jar)
        self.ws = await websockets.connect(
            f"{self.url}/_stcore/stream",
            subprotocols=["streamlit", xsrf] if xsrf else ["streamlit"],
            additional_headers={"Cookie": cookies, "Origin": self.proxy},
            max_size=None,
            open_timeout=60,
        )
        self.closed.clear()
        self._reader = asyncio.create_task(self._listen(self.ws))

    async def _listen(self, ws) -> None:
        try:
            async for raw in ws:
                self._read(raw)
        except websockets.ConnectionClosed:
            pass
        finally:
            self.closed.set()

    async def close(self) -> None:
        self.stop_timer()
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    def _read(self, raw: bytes) -> None:
        super()._read(raw)  # Start, the live timer, runs finished, chart redraws, exceptions
        self.received += len(raw)
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.session_id = msg.new_session.initialize.session_id
            self.page_hash = self._page  # the base class took the main script's hash
        elif kind == "navigation":  # the page that ran: reruns name it, as the page does
            self.page_hash = self._page = msg.navigation.page_script_hash
        elif kind == "page_info_changed":  # the app rewrote the link (st.query_params)
            self.query = msg.page_info_changed.query_string
        elif kind == "file_urls_response":
            future = self._urls.pop(msg.file_urls_response.response_id, None)
            if future is not None and not future.done():
                future.set_result(msg.file_urls_response)
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            which = element.WhichOneof("type")
            if which in ("button", "radio", "text_input", "file_uploader", "button_group"):
                widget = getattr(element, which)
                self.ids[(which, widget.label.strip())] = widget.id
                if widget.id.startswith("$$ID-"):  # "$$ID-<hash>-<key>" for a keyed widget
                    self.keyed[widget.id.split("-", 2)[2]] = widget.id
                if which == "radio":
                    self.options[widget.id] = list(widget.options)
            elif which in ("alert", "toast", "heading", "markdown"):
                self.texts.append(getattr(element, which).body)

    # -- pages, widgets, the timer -----------------------------------------------------------

    def _state(self, trigger: str | None = None, fragment: bool = False, auto: bool = False):
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        state.page_script_hash = self.page_hash
        state.page_name = self.page_name
        for widget in self.widgets.values():
            state.widget_states.widgets.add().CopyFrom(widget)
        if trigger is not None:
            button = state.widget_states.widgets.add()
            button.id, button.trigger_value = trigger, True
        if fragment and self.fragment is not None:
            state.fragment_id = self.fragment[0]
            state.is_auto_rerun = auto
        return msg.SerializeToString()

    async def open(self, page: str, query: str, timeout: float = 120) -> None:
        """Open a page (its URL path, "" for the Playground) with a query string."""
        self.stop_timer()
        self.page_name, self.query, self.page_hash, self._page = page, query, "", ""
        self.widgets.clear()
        self.ids.clear()
        self.keyed.clear()
        self.fragment = None
        self.live.clear()
        self.finished.clear()
        await self.ws.send(self._state())
        await asyncio.wait_for(self.finished.wait(), timeout=timeout)

    def set_text(self, widget_id: str, value: str) -> None:
        widget = WidgetState(id=widget_id)
        widget.string_value = value
        self.widgets[widget_id] = widget

    def choose(self, widget_id: str, option: str) -> None:
        if option not in self.options[widget_id]:
            raise ValueError(f"{option!r} is not one of {self.options[widget_id]}")
        widget = WidgetState(id=widget_id)
        widget.string_value = option  # Streamlit 1.67 sends a radio's option as shown
        self.widgets[widget_id] = widget

    def start_timer(self) -> None:
        """The page's timer for the live fragment: a rerun every interval the server set."""
        if self._ticker is None or self._ticker.done():
            self._ticker = asyncio.create_task(self._tick())

    def stop_timer(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None

    async def _tick(self) -> None:
        while not self.closed.is_set():
            if self.fragment is None:
                await asyncio.sleep(0.05)
                continue
            with contextlib.suppress(websockets.ConnectionClosed):
                await self.ws.send(self._state(fragment=True, auto=True))
            await asyncio.sleep(self.fragment[1])

    async def wait_text(self, needle: str, since: int = 0, timeout: float = 60) -> str:
        """The first text (alert, toast, heading, caption) from ``since`` on that contains
        ``needle``; raises TimeoutError if none comes."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for text in self.texts[since:]:
                if needle in text:
                    return text
            if self.exceptions:
                raise RuntimeError(f"{self.name}: the app sent an exception: {self.exceptions}")
            await asyncio.sleep(0.05)
        raise TimeoutError(f"{self.name} never saw {needle!r} (last: {self.texts[-3:]})")

    async def wait_widget(self, kind: str, label: str, timeout: float = 60) -> str:
        """The id of the widget of this type and label, once the page has drawn it."""
        return await self._wait_id(self.ids, (kind, label), timeout)

    async def wait_key(self, key: str, timeout: float = 60) -> str:
        """The id of the widget with this key in the app, once the page has drawn it."""
        return await self._wait_id(self.keyed, key, timeout)

    async def _wait_id(self, ids: dict, name, timeout: float) -> str:
        end = time.monotonic() + timeout
        while name not in ids:
            if self.exceptions:
                raise RuntimeError(f"{self.name}: the app sent an exception: {self.exceptions}")
            if time.monotonic() > end:
                raise TimeoutError(f"{self.name}: no widget {name!r} on the page")
            await asyncio.sleep(0.05)
        return ids[name]

    # -- uploads -----------------------------------------------------------------------------

    async def request_upload_url(self, file_name: str):
        """Ask this session for an upload URL, as the uploader does before sending a file."""
        msg = BackMsg()
        request = msg.file_urls_request
        request.request_id = uuid.uuid4().hex
        request.file_names.append(file_name)
        request.session_id = self.session_id
        future = asyncio.get_running_loop().create_future()
        self._urls[request.request_id] = future
        await self.ws.send(msg.SerializeToString())
        return await asyncio.wait_for(future, timeout=30)

    async def put_file(self, url: str, file_name: str, data: bytes, replica: str | None = None):
        """PUT a file to an upload URL through the proxy, as the page does (multipart, with
        the XSRF header). ``replica``: send another replica's cookie instead of this jar's
        (what a proxy without sticky sessions would do); returns (status, body)."""
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="{file_name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        xsrf = self.cookie(XSRF_COOKIE) or ""
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "X-Xsrftoken": xsrf}
        if replica is None:
            return await self.http(url, "PUT", body, headers)
        headers["Cookie"] = f"{COOKIE}={replica}; {XSRF_COOKIE}={xsrf}"

        def put() -> tuple[int, bytes]:
            request = urllib.request.Request(self.proxy + url, body, headers, method="PUT")
            try:
                with urllib.request.urlopen(request, timeout=60) as r:
                    return r.status, r.read()
            except urllib.error.HTTPError as err:
                return err.code, err.read()

        return await asyncio.to_thread(put)

    async def upload_settings(self, path: Path = SETTINGS_FILE) -> tuple[int, str]:
        """Load a settings file with the Playground's uploader. Returns the PUT's status and
        the toast the page shows ("Loaded the settings of ...")."""
        widget_id = await self.wait_widget("file_uploader", UPLOAD_LABEL)
        data = path.read_bytes()
        urls = (await self.request_upload_url(path.name)).file_urls[0]
        status, body = await self.put_file(urls.upload_url, path.name, data)
        if status >= 300:
            return status, body.decode(errors="replace")
        info = UploadedFileInfo(file_id=urls.file_id, name=path.name, size=len(data))
        info.file_urls.CopyFrom(urls)
        widget = WidgetState(id=widget_id)
        widget.file_uploader_state_value.uploaded_file_info.append(info)
        self.widgets[widget_id] = widget
        since = len(self.texts)
        await self.ws.send(self._state())
        return status, await self.wait_text(f"Loaded the settings of {path.name}", since)

    # -- saved progress on the Learn page ----------------------------------------------------

    async def save_progress(self) -> None:
        """Practise on Learn as a learner does, with this student's key in the link: switch
        to Flashcards, show the first card's answer, grade it Good. The page then saves the
        progress under the key, in the database, from the replica this student is on."""
        await self.open("learn", f"learner={self.learner}")
        mode = await self.wait_key("learn_mode")
        widget = WidgetState(id=mode)
        widget.string_array_value.data.append(LEARN_MODE)
        self.widgets[mode] = widget
        await self.ws.send(self._state())
        await self.ws.send(self._state(trigger=await self.wait_key("learn_fc_show")))
        await self.ws.send(self._state(trigger=await self.wait_key("learn_fc_good")))

    async def open_progress(self, timeout: float = 30) -> bool:
        """Open Learn with this student's key in the link: whether the page found the saved
        progress (its toast "Welcome back: your progress is loaded.")."""
        since = len(self.texts)
        await self.open("learn", f"learner={self.learner}")
        try:
            await self.wait_text("Welcome back", since, timeout)
            return True
        except TimeoutError:
            return False

    # -- the Class page ----------------------------------------------------------------------

    async def join_class(self, code: str, nickname: str) -> None:
        """Open the class's link with this student's key, type the nickname, press Join."""
        await self.open("classroom", f"class={code}&me={self.key}")
        self.set_text(await self.wait_key("class_nickname"), nickname)
        since = len(self.texts)
        await self.ws.send(self._state(trigger=await self.wait_key("class_join")))
        await self.wait_text(f"You are **{nickname}**", since)
        self.start_timer()

    async def rejoin_class(self, code: str) -> None:
        """Open the class's link again (after a reconnect): a member goes straight in."""
        since = len(self.texts)
        await self.open("classroom", f"class={code}&me={self.key}")
        await self.wait_text("You are **", since)
        self.start_timer()

    async def wait_question(self, question_id: int, timeout: float = 60) -> None:
        """Wait until the live fragment (its timer running) shows this question's answers."""
        await self.wait_key(f"class_pick_{question_id}", timeout)

    async def vote(self, question_id: int, answer: str, timeout: float = 60) -> None:
        """Pick an answer to the question and press Send (a rerun of the live fragment), until
        the page confirms it."""
        radio = await self.wait_key(f"class_pick_{question_id}", timeout)
        send = await self.wait_key(f"class_send_{question_id}", timeout)
        self.choose(radio, answer)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            since = len(self.texts)
            await self.ws.send(self._state(trigger=send, fragment=True))
            try:
                await self.wait_text(f"Your answer: **{answer}**", since, timeout=10)
                return
            except TimeoutError:  # the click was lost in a queue of timer reruns: again
                continue
        raise TimeoutError(f"{self.name}: the vote {answer!r} was never confirmed")
