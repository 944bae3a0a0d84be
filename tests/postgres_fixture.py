"""A throwaway PostgreSQL server for the store tests, and a fixture over both backends.

Test modules import what they use::

    from tests.postgres_fixture import db_url, make_engine, postgres_server  # noqa: F401

``db_url`` is parametrized ``sqlite`` (a file in ``tmp_path``) and ``postgresql`` (a fresh
database on a server started once per session). The server is found as ``initdb``, ``pg_ctl``
and ``postgres`` on PATH or under ``/usr/lib/postgresql/<version>/bin`` (Debian's package);
without them the PostgreSQL cases skip with a reason, and fail under ``CI=true``, because CI
must prove both backends. ``initdb`` refuses to run as root, so as root the cluster belongs to
the ``postgres`` user (else ``nobody``) and its commands run through ``runuser``.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.ci import missing

PG_TOOLS = ("initdb", "pg_ctl", "postgres")
SUPERUSER = "postgres"  # the cluster's superuser (a database role, not a system user)
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "200",
    # Durability is worthless for a throwaway cluster; these make it start and write faster.
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}


def find_pg_bin() -> Path | None:
    """The folder that holds initdb, pg_ctl and postgres, or ``None``."""
    on_path = [shutil.which(t) for t in PG_TOOLS]
    if all(on_path):
        # /usr/local/bin/initdb may be a link into /usr/lib/postgresql/<v>/bin: use the real
        # folder, so every tool comes from the same version.
        return Path(on_path[0]).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True)
    for folder in versions:
        if all(Path(folder, t).exists() for t in PG_TOOLS):
            return Path(folder)
    return None


def _version(folder: str) -> tuple[int, ...]:
    number = Path(folder).parent.name
    return tuple(int(p) for p in number.split(".") if p.isdigit())


def require_pg_bin() -> Path:
    folder = find_pg_bin()
    if folder is None:
        missing(
            "no PostgreSQL server binaries (initdb, pg_ctl, postgres) on PATH or under "
            "/usr/lib/postgresql/*/bin (apt-get install -y postgresql)",
            "the PostgreSQL tests",
        )
    return folder


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """A PostgreSQL cluster in a temporary folder on 127.0.0.1 and a free port."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.runner: list[str] = []
        owner = None
        base = tempfile.gettempdir()
        if os.geteuid() == 0:
            owner = _unprivileged_user()
            self.runner = ["runuser", "-u", owner.pw_name, "--"]
            if os.stat(base).st_mode & 0o001 == 0:  # the user must reach the folder
                base = "/tmp"
        self.root = Path(tempfile.mkdtemp(prefix="gradclip-pg-", dir=base))
        if owner is not None:
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = 0

    def _run(self, tool: str, *args: str) -> None:
        cmd = [*self.runner, str(self.bin_dir / tool), *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(
                f"{' '.join(cmd)} exited {done.returncode}:\n{done.stdout}{done.stderr}{log}"
            )

    def start(self) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        conf = self.data / "postgresql.conf"
        base = conf.read_text()
        for attempt in range(3):  # a free port can be taken between finding and binding it
            self.port = _free_port()
            settings = {
                **SETTINGS,
                "port": str(self.port),
                "unix_socket_directories": f"'{self.root}'",
            }
            conf.write_text(base + "".join(f"\n{k} = {v}" for k, v in settings.items()) + "\n")
            try:
                self._run(
                    "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start"
                )
                return
            except RuntimeError:
                if attempt == 2:
                    raise

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE template0 STRATEGY FILE_COPY')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = sa.make_url(url).database
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _admin(self, sql: str) -> None:
        engine = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(sql)
        finally:
            engine.dispose()


def _unprivileged_user() -> pwd.struct_passwd:
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root with neither a 'postgres' nor a 'nobody' user for initdb")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole test session (skips without the binaries)."""
    server = PostgresServer(require_pg_bin())
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> Iterator[str]:
    """A fresh, empty database's SQLAlchemy URL: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'gradclip.db'}"
        return
    server = request.getfixturevalue("postgres_server")
    url = server.create_database()
    yield url
    server.drop_database(url)


@pytest.fixture
def make_engine():
    """``make_engine(url, **kwargs)``: an engine disposed of after the test."""
    engines: list[sa.Engine] = []

    def make(url: str, **kwargs) -> sa.Engine:
        engines.append(sa.create_engine(url, **kwargs))
        return engines[-1]

    yield make
    for engine in engines:
        engine.dispose()
