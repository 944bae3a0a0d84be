"""A school: several app servers behind HAProxy with sticky sessions, sharing one PostgreSQL.

Starts a throwaway PostgreSQL (tests/postgres_fixture.py), N replicas of ``streamlit run
app.py`` on 127.0.0.1 (each with ``GRADCLIP_DATABASE_URL`` pointing at it) and HAProxy with the
configuration of deploy/haproxy.cfg (its ``bind`` and ``server`` lines rewritten for the ports
used here, everything else as shipped). Students are emulated at the protocol level
(bench/classroom.py's ``Student``: what a browser sends, without a browser's CPU cost), each
with its own cookie jar, and talk only to the proxy: the page, ``/_stcore/health``, the
WebSocket at ``/_stcore/stream`` and file uploads all go through it. It prints:

1. where the balancer put the students: by the replica cookie each got, and by each replica's
   own count of open sessions (``/_stcore/metrics``, read from the replica directly);
2. chart redraws per second per student while all train live on the Playground, and the CPU
   the replicas and HAProxy used;
3. sticky sessions: every HTTP answer a student got named one replica; uploads through the
   proxy (the Playground's settings-file uploader) reach the replica holding the session, and
   the same upload sent with another replica's cookie is refused;
4. saved progress: each student grades a flashcard on Learn, and the page saves the progress
   in PostgreSQL from that student's replica;
5. one class spanning the replicas: the teacher's side (start the class, push questions) goes
   straight to the database through ``ClassStore``, as the teacher's page would; every student
   joins and votes on the Class page through the proxy, on its own replica;
6. one replica killed (SIGKILL) mid-class: its students reconnect through the proxy (as the
   page does: health route, then a new WebSocket, with the cookie naming the dead replica),
   land on another replica, get a working Class page with their earlier vote on it and vote
   on; every vote is counted, and their saved progress opens on the new replica;
7. capacity: students per core measured here, and replicas for 300 and 3,000 students.

The machine's other work shows in the figures (its load average is printed).

Usage::

    .venv/bin/python bench/school.py                      # 3 replicas, 24 students
    .venv/bin/python bench/school.py --replicas 2 --students 12 --seconds 8
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.cookiejar
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

import sqlalchemy as sa
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Common_pb2 import UploadedFileInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from classroom import Student  # noqa: E402
from servers import free_port, streamlit_command, wait_http  # noqa: E402

from gradclip_core.classroom import ClassStore, new_key  # noqa: E402
from gradclip_core.progress_store import ProgressStore  # noqa: E402

TEMPLATE = ROOT / "deploy" / "haproxy.cfg"
COOKIE = "GRADCLIP_REPLICA"  # the proxy's sticky cookie (deploy/haproxy.cfg)
XSRF_COOKIE = "_streamlit_xsrf"
UPLOAD_LABEL = "Load settings from a file"
SETTINGS_FILE = ROOT / "lessons" / "presets" / "tiny-threshold.toml"
LEARN_MODE = ":material/style: Flashcards"  # the Learn page's mode picker, as it labels it
TICKS = os.sysconf("SC_CLK_TCK")
HAPROXY_HINT = "apt-get install -y haproxy"


# ---- the servers ----------------------------------------------------------------------------


def find_haproxy() -> str | None:
    """The haproxy binary on PATH (Debian puts it in /usr/sbin), or ``None``."""
    path = os.environ.get("PATH", "") + os.pathsep + "/usr/sbin" + os.pathsep + "/usr/local/sbin"
    return shutil.which("haproxy", path=path)


def haproxy_config(template: str, bind: str, replicas: dict[str, int]) -> str:
    """deploy/haproxy.cfg with its ``bind`` line and ``server`` lines rewritten: students
    connect at ``bind`` and reach one ``server`` line per replica (name -> port on
    127.0.0.1), with the template's own options (cookie, checks, timeouts) unchanged."""
    out: list[str] = []
    servers = 0
    for line in template.splitlines():
        words = line.split()
        if words[:1] == ["bind"]:
            out.append(f"    bind {bind}")
            continue
        if words[:1] == ["server"]:
            if servers == 0:
                indent = line[: len(line) - len(line.lstrip())]
                out += [
                    f"{indent}server {name} 127.0.0.1:{port} cookie {name}"
                    for name, port in replicas.items()
                ]
            servers += 1
            continue
        out.append(line)
    if servers == 0 or not any(line.split()[:1] == ["bind"] for line in out):
        raise ValueError(f"{TEMPLATE} has no bind line or no server lines to fill in")
    return "\n".join(out) + "\n"


class Replica:
    """One ``streamlit run app.py`` on 127.0.0.1."""

    def __init__(self, name: str, port: int, proc: subprocess.Popen, log: Path) -> None:
        self.name, self.port, self.proc, self.log = name, port, proc, log

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def cpu_seconds(self) -> float:
        return _cpu_seconds(self.proc.pid)

    def active_sessions(self) -> int:
        """The replica's own count of open sessions (Streamlit's metrics route, read
        directly from the replica, not through the proxy)."""
        with urllib.request.urlopen(f"{self.url}/_stcore/metrics", timeout=10) as r:
            text = r.read().decode()
        match = re.search(r"^active_sessions (\d+)", text, re.M)
        return int(match.group(1)) if match else -1


class School:
    """PostgreSQL (given, or a throwaway server), N replicas and HAProxy in front of them.

    Use as a context manager; everything it started is stopped on exit.
    """

    def __init__(self, replicas: int = 3, db_url: str | None = None, haproxy: str | None = None):
        self.n = replicas
        self.db_url = db_url
        self.haproxy_bin = haproxy or find_haproxy()
        self.pg = None
        self.replicas: dict[str, Replica] = {}
        self.proxy_proc: subprocess.Popen | None = None
        self.dir = Path(tempfile.mkdtemp(prefix="gradclip-school-"))
        self.proxy_port = 0
        self.engine: sa.Engine | None = None
        self.store: ClassStore | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}"

    def __enter__(self) -> School:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        if self.haproxy_bin is None:
            raise RuntimeError(f"no haproxy binary on PATH ({HAPROXY_HINT})")
        if self.db_url is None:
            from tests.postgres_fixture import PostgresServer, find_pg_bin

            pg_bin = find_pg_bin()
            if pg_bin is None:
                raise RuntimeError("no PostgreSQL server binaries (apt-get install -y postgresql)")
            self.pg = PostgresServer(pg_bin)
            self.pg.start()
            self.db_url = self.pg.create_database()
        # The schema first, once: replicas would each migrate on first use (safely, under a
        # lock), but a bench should not time that.
        self.engine = sa.create_engine(self.db_url, pool_size=2)
        self.store = ClassStore(self.engine)
        env = {**os.environ, "GRADCLIP_DATABASE_URL": self.db_url}
        for i in range(1, self.n + 1):
            name, port = f"app{i}", free_port()
            log = self.dir / f"{name}.log"
            cmd = streamlit_command(port)
            with log.open("wb") as out:
                proc = subprocess.Popen(
                    cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
                )
            self.replicas[name] = Replica(name, port, proc, log)
        for replica in self.replicas.values():
            wait_http(f"{replica.url}/_stcore/health", replica.proc, 120, replica.log)
        self._start_proxy()

    def _start_proxy(self) -> None:
        for attempt in range(3):  # a free port can be taken between finding and binding it
            self.proxy_port = free_port()
            ports = {name: r.port for name, r in self.replicas.items()}
            cfg = self.dir / "haproxy.cfg"
            cfg.write_text(
                haproxy_config(TEMPLATE.read_text(), f"127.0.0.1:{self.proxy_port}", ports)
            )
            check = subprocess.run(
                [self.haproxy_bin, "-c", "-q", "-f", str(cfg)], capture_output=True, text=True
            )
            if check.returncode != 0:
                raise RuntimeError(f"haproxy -c refused {cfg}:\n{check.stdout}{check.stderr}")
            log = self.dir / "haproxy.log"
            with log.open("ab") as out:
                self.proxy_proc = subprocess.Popen(
                    [self.haproxy_bin, "-db", "-f", str(cfg)], stdout=out, stderr=out
                )
            try:
                wait_http(f"{self.url}/_stcore/health", self.proxy_proc, 30, log)
                self.wait_up(set(self.replicas))
                return
            except RuntimeError:
                self.proxy_proc.kill()
                self.proxy_proc.wait()
                if attempt == 2:
                    raise

    def wait_up(self, names: set[str], timeout: float = 30) -> None:
        """Wait until HAProxy's health checks see these replicas up: every one must have
        answered through the proxy (each request without a cookie goes to the least busy)."""
        seen: set[str] = set()
        end = time.monotonic() + timeout
        while time.monotonic() < end and not names <= seen:
            jar = http.cookiejar.CookieJar()
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
            with contextlib.suppress(OSError):
                opener.open(f"{self.url}/_stcore/health", timeout=5).read()
            seen |= {c.value for c in jar if c.name == COOKIE}
            time.sleep(0.1)
        if not names <= seen:
            raise RuntimeError(f"the proxy never sent a browser to {sorted(names - seen)}")

    def kill(self, name: str) -> None:
        """Kill a replica as a crash would (SIGKILL): its WebSockets drop at once."""
        replica = self.replicas[name]
        replica.proc.send_signal(signal.SIGKILL)
        replica.proc.wait()

    def db_transactions(self) -> int:
        """Transactions in the class database so far (PostgreSQL's own count; it lags by up
        to half a second)."""
        query = "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = "
        with self.engine.connect() as conn:
            return conn.execute(sa.text(query + "current_database()")).scalar()

    def db_connections(self) -> int:
        """Connections open to the class database now (the replicas' pools and this one)."""
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        with self.engine.connect() as conn:
            return conn.execute(sa.text(query)).scalar()

    def proxy_cpu(self) -> float:
        """CPU seconds HAProxy has used."""
        return _cpu_seconds(self.proxy_proc.pid)

    def stop(self) -> None:
        procs = [r.proc for r in self.replicas.values()]
        if self.proxy_proc is not None:
            procs.append(self.proxy_proc)
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
        for proc in procs:
            proc.wait()
        if self.engine is not None:
            self.engine.dispose()
        if self.pg is not None:
            self.pg.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


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


# ---- the bench ------------------------------------------------------------------------------


QUESTIONS = [
    {
        "kind": "true-false",
        "item_id": "school-1",
        "prompt": "Clipping by norm keeps the gradient's direction.",
        "correct": "true",
    },
    {
        "kind": "true-false",
        "item_id": "school-2",
        "prompt": "Clipping by value always keeps the gradient's direction.",
        "correct": "false",
    },
]


async def gather_all(coros, timeout: float) -> list:
    return await asyncio.wait_for(asyncio.gather(*coros), timeout=timeout)


ASSETS = ("/_stcore/host-config", "/app/static/plotly-cartesian.min.js")  # what a page fetches


async def arrive(school: School, n: int, page: str = "", query: str = "") -> list[Pupil]:
    """n students open a page through the proxy, each a new browser (its own cookie jar), a
    few at a time: the page's HTML, the app's config and the chart's script, then the
    WebSocket."""
    pupils = [Pupil(school.url, f"s{i + 1:02d}") for i in range(n)]
    gate = asyncio.Semaphore(6)  # a class arrives over a few seconds, not in one instant

    async def come(p: Pupil) -> None:
        async with gate:
            await p.http(f"/{page}?{query}" if query else f"/{page}")
            await p.connect()
            await p.open(page, query)
            # As a browser does: the page's first run asks for the chart's script (and puts it
            # under static/ on a fresh replica), then the browser fetches it.
            for path in ASSETS:
                status, body = await p.http(path, headers={"Accept-Encoding": "gzip"})
                if status != 200:
                    raise RuntimeError(f"{p.name}: {path} answered {status}")
                p.bytes_in += len(body)

    await gather_all([come(p) for p in pupils], timeout=300)
    return pupils


async def live_window(school: School, pupils: list[Pupil], seconds: float) -> dict:
    """Everyone presses Start on the Playground, then trains live for ``seconds``."""
    for p in pupils:
        p.live.clear()
        await p.ws.send(p._state(trigger=p.start_id))
    await gather_all([p.live.wait() for p in pupils], timeout=180)
    for p in pupils:
        p.start_timer()
    await asyncio.sleep(5)  # let the interval settle on the class and its load
    live = [r for r in school.replicas.values() if r.alive()]
    t0, cpu0, proxy0 = time.monotonic(), [r.cpu_seconds() for r in live], school.proxy_cpu()
    bytes0 = sum(p.received for p in pupils)
    await asyncio.sleep(seconds)
    t1, cpu1, proxy1 = time.monotonic(), [r.cpu_seconds() for r in live], school.proxy_cpu()
    received = sum(p.received for p in pupils) - bytes0
    for p in pupils:
        p.stop_timer()
    span = t1 - t0
    return {
        "rates": [sum(t0 <= t < t1 for t in p.redraws) / span for p in pupils],
        "steps": [_steps_rate(getattr(p, "steps", []), t0, t1) for p in pupils],
        "cpu": {r.name: (b - a) / span for r, a, b in zip(live, cpu0, cpu1, strict=True)},
        "proxy_cpu": (proxy1 - proxy0) / span,
        "load": os.getloadavg()[0],
        "bytes_per_redraw": received / max(1, sum(t0 <= t < t1 for p in pupils for t in p.redraws)),
        "interval": statistics.median(p.fragment[1] for p in pupils if p.fragment),
    }


def _steps_rate(samples: list[tuple[float, int]], t0: float, t1: float) -> float:
    """Training steps a second from ``t0`` to ``t1``, as the page's Step tile showed them."""
    inside = [(t, step) for t, step in samples if t0 <= t <= t1]
    if len(inside) < 2 or inside[-1][0] <= inside[0][0]:
        return 0.0
    return (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0])


async def reconnect(p: Pupil, code: str, since: float) -> float:
    """What the page does after its socket drops: the health route, then a new socket, both
    through the proxy with the cookie it has (naming the dead replica); then the class's
    link again. Returns the seconds from ``since`` to a working Class page."""
    p.stop_timer()
    while True:
        try:
            await p.connect()
            break
        except (OSError, RuntimeError, websockets.InvalidHandshake):
            await asyncio.sleep(0.5)
    p.mark = len(p.texts)
    await p.rejoin_class(code)
    return time.monotonic() - since


async def wait_saved(progress: ProgressStore, pupils: list[Pupil], timeout: float = 30) -> int:
    """How many students' progress is in the database (waiting for the last saves)."""
    end = time.monotonic() + timeout
    while True:
        saved = sum(progress.load(p.learner) is not None for p in pupils)
        if saved == len(pupils) or time.monotonic() > end:
            return saved
        await asyncio.sleep(0.2)


def _even(counts: Counter, names) -> float:
    """The largest gap between a replica's count and an even share, as a fraction of it."""
    mean = sum(counts.values()) / len(names)
    return max(abs(counts.get(name, 0) - mean) / mean for name in names)


async def run_bench(args) -> int:
    n = args.students
    print(
        f"gradclip school: {args.replicas} replicas of streamlit run app.py behind HAProxy "
        f"(deploy/haproxy.cfg), one PostgreSQL, {n} students emulated at the protocol level; "
        f"{os.cpu_count()} cores shared by all of it and the students\n"
    )
    with School(args.replicas) as school:
        names = list(school.replicas)
        ports = ", ".join(f"{r.name} :{r.port}" for r in school.replicas.values())
        print(f"proxy {school.url} -> {ports}; students talk to the proxy only\n")

        # 1. Arrival.
        pupils = await arrive(school, n, "", f"preset={args.preset}")
        by_cookie = Counter(p.replica for p in pupils)
        by_server = {name: r.active_sessions() for name, r in school.replicas.items()}
        gap = _even(by_cookie, names)
        print("1. Sessions per replica (each student a new browser through the proxy)")
        for name in names:
            print(
                f"   {name}: {by_cookie.get(name, 0):>3} by the proxy's cookie, "
                f"{by_server[name]:>3} by the replica's own count of open sessions"
            )
        print(
            f"   largest gap from an even share: {gap:.0%} "
            f"({'within' if gap <= 0.2 else 'NOT within'} 20 %)"
        )
        weight = statistics.median(p.bytes_in for p in pupils) / 1e6
        print(
            f"   first visit through the proxy: {weight:.1f} MB a student (the app's config and "
            "the chart's script, gzip)\n"
        )

        # 2. Live training.
        window = await live_window(school, pupils, args.seconds)
        rates, cores = window["rates"], sum(window["cpu"].values())
        rate = statistics.median(rates)
        print(
            f"2. Live Playground (preset {args.preset}), all {n} training, "
            f"{args.seconds:g} s window"
        )
        print(
            f"   redraws/s per student: median {rate:.2f}, min {min(rates):.2f}, max "
            f"{max(rates):.2f} (the replicas set a {window['interval']:.2f} s interval); "
            f"training steps/s per student: median {statistics.median(window['steps']):.0f}, "
            f"min {min(window['steps']):.0f}"
        )
        cpu = ", ".join(f"{k} {v:.2f}" for k, v in window["cpu"].items())
        print(f"   CPU (cores): {cpu}; replicas {cores:.2f}; HAProxy {window['proxy_cpu']:.3f}")
        print(
            f"   through the proxy: {window['bytes_per_redraw'] / 1e3:.0f} KB of WebSocket "
            "messages a redraw (a short run's history: long runs send more, DESIGN.md)"
        )
        print(
            f"   machine load average {window['load']:.1f} on {os.cpu_count()} cores: other work "
            "competes for them; the rates above depend on it far more than the CPU a redraw "
            "costs (section 7)\n"
        )

        # 3. Uploads.
        results = await gather_all([p.upload_settings() for p in pupils], timeout=180)
        loaded = sum(status < 300 and "Loaded" in text for status, text in results)
        p0 = pupils[0]
        other = next(name for name in names if name != p0.replica)
        urls = (await p0.request_upload_url("other.toml")).file_urls[0]
        status, body = await p0.put_file(urls.upload_url, "other.toml", b"x = 1\n", other)
        requests = statistics.median(len(p.replicas) for p in pupils)
        sticky = sum(len(set(p.replicas)) == 1 for p in pupils)
        print("3. Sticky sessions and uploads (the Playground's settings-file uploader)")
        print(
            f"   {loaded}/{n} uploads through the proxy reached the session's replica and "
            "loaded the settings"
        )
        print(
            f"   {sticky}/{n} students kept one replica cookie over all their "
            f"{requests:.0f} HTTP answers"
        )
        print(
            f"   control: the same upload with {other}'s cookie instead of {p0.replica}'s: "
            f'{status} "{body.decode(errors="replace")[:60]}..."\n'
        )

        # 4. Saved progress.
        progress = ProgressStore(school.engine)
        await gather_all([p.save_progress() for p in pupils], timeout=240)
        saved = await wait_saved(progress, pupils)
        print("4. Saved progress (Learn: flashcards, one card graded; the page saves it)")
        print(
            f"   {saved}/{n} students' progress reached PostgreSQL, saved by the replica each "
            "student is on\n"
        )

        # 5. A class across the replicas.
        store, teacher = school.store, new_key()
        code = store.create_class(teacher)
        await gather_all([p.join_class(code, f"Student {p.name}") for p in pupils], timeout=240)
        q1 = store.push_question(code, teacher, QUESTIONS[0])
        await gather_all([p.wait_question(q1) for p in pupils], timeout=120)
        answers1 = {p.name: "false" if i % 3 == 0 else "true" for i, p in enumerate(pupils)}
        await gather_all([p.vote(q1, answers1[p.name]) for p in pupils], timeout=240)
        # The class sits on its question, every page polling: the database's steady load.
        await asyncio.sleep(1)
        tx0, t0 = school.db_transactions(), time.monotonic()
        await asyncio.sleep(5)
        tx_rate = (school.db_transactions() - tx0) / (time.monotonic() - t0) / n
        connections = school.db_connections()
        dist1 = store.distribution(q1)
        voters = Counter(p.replica for p in pupils)
        print(f"5. One class ({code}) across the replicas")
        print("   teacher's side (start the class, push questions): ClassStore on the database")
        print(
            "   students: joined and voted on the Class page, through the proxy, each on its "
            "replica"
        )
        print(
            f"   question 1: {sum(dist1.values())}/{n} votes counted {dict(dist1)} (cast: "
            f"{dict(Counter(answers1.values()))}), voters per replica "
            f"{dict(sorted(voters.items()))}"
        )
        print(
            f"   PostgreSQL, the class waiting on its question: {tx_rate:.1f} transactions/s "
            f"per student (every page polls each second), {connections} connections open\n"
        )

        # 6. A replica dies mid-class.
        q2 = store.push_question(code, teacher, QUESTIONS[1])
        await gather_all([p.wait_question(q2) for p in pupils], timeout=120)
        victim = max(names, key=lambda name: voters[name])
        hit = [p for p in pupils if p.replica == victim]
        early = set(pupils[::2])  # half the class has voted when the replica dies
        answers2 = {p.name: "true" if i % 4 == 0 else "false" for i, p in enumerate(pupils)}
        await gather_all([p.vote(q2, answers2[p.name]) for p in early], timeout=240)
        killed_at = time.monotonic()
        school.kill(victim)
        await gather_all([p.closed.wait() for p in hit], timeout=30)
        delays = await gather_all([reconnect(p, code, killed_at) for p in hit], timeout=240)
        kept = [
            any(f"Your answer: **{answers2[p.name]}**" in t for t in p.texts[p.mark :])
            for p in hit
            if p in early
        ]
        await gather_all(
            [p.vote(q2, answers2[p.name]) for p in pupils if p not in early], timeout=240
        )
        dist1, dist2 = store.distribution(q1), store.distribution(q2)
        found = await gather_all([p.open_progress() for p in hit], timeout=120)
        print(
            f"6. {victim} killed (SIGKILL) mid-class, {len(hit)} students on it, half the "
            "class had voted"
        )
        print(
            "   its students reconnected through the proxy: now on "
            f"{dict(Counter(p.replica for p in hit))}, working Class page "
            f"{statistics.median(delays):.1f} s after the kill (median; max {max(delays):.1f} s)"
        )
        print(
            f"   {sum(kept)}/{len(kept)} of them who had voted saw their vote on the new "
            "replica's page"
        )
        print(
            f"   question 1: {sum(dist1.values())}/{n} votes still counted; question 2: "
            f"{sum(dist2.values())}/{n} counted {dict(dist2)} "
            f"(cast: {dict(Counter(answers2.values()))})"
        )
        print(
            f"   {sum(found)}/{len(hit)} of its students then opened Learn on their new replica "
            "and got their saved progress back\n"
        )
        for p in pupils:
            await p.close()

    # 7. Capacity.
    if rate <= 0 or cores <= 0:
        print("7. Capacity: no redraws were measured, so no capacity figure")
        return 1
    redraw_ms = cores / (n * rate) * 1000
    per_core = 1000 / redraw_ms  # students per core at 1 redraw a second
    usable = 0.7
    per_replica = max(1, math.floor(per_core * usable))
    proxy_ms = window["proxy_cpu"] / (n * rate) * 1000
    print("7. Capacity")
    print(
        f"   measured: {n} students drew {n * rate:.0f} charts a second on {cores:.2f} cores of "
        f"replicas: {redraw_ms:.0f} ms of CPU a redraw (drawing and its training slice), so "
        f"{per_core:.0f} students per core at 1 redraw a second, the classroom rate"
    )
    print(
        "   assumptions: the replicas are CPU-bound (a redraw costs what it cost here); one "
        "replica per core (a Streamlit process draws on one core: the GIL), kept under "
        f"{usable:.0%} busy for spikes and reconnects ({per_replica} students a replica); "
        "students on the Class page poll the database as measured in section 5; "
        "HAProxy and PostgreSQL on cores of their own"
    )
    for size in (300, 3000):
        replicas = math.ceil(size / per_replica)
        print(
            f"   {size:>5} students: {replicas} replicas; HAProxy "
            f"{proxy_ms * size / 1000:.2f} cores; PostgreSQL {tx_rate * size:,.0f} "
            f"transactions/s in class and up to {replicas * 15:,} connections (pools of 5 "
            "plus 10 overflow a replica)"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--students", type=int, default=24)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--preset", default="healthy")
    args = parser.parse_args(argv)
    if args.replicas < 2:
        parser.error("--replicas: at least 2 (one is killed mid-class)")
    return asyncio.run(run_bench(args))


if __name__ == "__main__":
    sys.exit(main())
