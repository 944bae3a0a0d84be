"""The school's servers for bench/school.py: N replicas of ``streamlit run app.py`` behind
HAProxy (deploy/haproxy.cfg, its ``bind`` and ``server`` lines rewritten for the ports used)."""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from servers import free_port, streamlit_command, wait_http  # noqa: E402

from gradclip_core.classroom import ClassStore  # noqa: E402

TEMPLATE = ROOT / "deploy" / "haproxy.cfg"
COOKIE = "GRADCLIP_REPLICA"  # the proxy's sticky cookie (deploy/haproxy.cfg)
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

    def __init__(
        self,
        replicas: int = 3,
        db_url: str | None = None,
        haproxy: str | None = None,
        pin: bool = False,
    ):
        self.n = replicas
        self.pin = pin  # each replica on a core of its own (taskset), round robin
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
            if self.pin:
                cmd = ["taskset", "-c", str((i - 1) % (os.cpu_count() or 1)), *cmd]
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
