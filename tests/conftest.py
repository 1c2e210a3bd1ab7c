"""Shared pytest fixtures. Each block is owned by one part of the project; keep them separated."""

from __future__ import annotations

# =============================================================================================
# PostgreSQL cluster and real-server fixtures (owner: server_stub / integration tests)
# =============================================================================================
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SERVER_BIN = Path(sys.executable).with_name("madoguchi-server")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bindir() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    return candidates[0].parent if candidates else None


@dataclass
class PgCluster:
    """A throwaway PostgreSQL cluster in a temporary directory, listening on 127.0.0.1:port."""

    bindir: Path
    root: Path
    port: int
    as_postgres: bool
    user: str = "postgres"
    _counter: int = field(default=0)

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)

    def start(self) -> None:
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", self.user,
            "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync",
        )
        opts = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-o", opts, "-w", "-t", "60",
            "-l", str(self.root / "log"), "start",
        )

    def stop(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{dbname}"

    def psql(self, sql: str, dbname: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=self.user, dbname=dbname,
                             autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def drop_database(self, name: str) -> None:
        """Drop a test database, closing whatever connections are left (keeps the cluster small)."""
        try:
            self.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        except Exception:  # noqa: BLE001 - cleanup only; the cluster is removed at the end anyway
            pass

    def create_database(self, template: str | None = None) -> str:
        """A new empty database (optionally copied from ``template``); returns its name."""
        self._counter += 1
        name = f"t{os.getpid()}_{self._counter}"
        tmpl = f" TEMPLATE {template}" if template else ""
        self.psql(f"CREATE DATABASE {name}{tmpl}")
        return name


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """Start a throwaway PostgreSQL cluster for the session (skips if PostgreSQL is not installed)."""
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin")
    root = Path(tempfile.mkdtemp(prefix="mdg-pg-", dir="/tmp"))
    cluster = PgCluster(bindir=bindir, root=root, port=free_port(), as_postgres=os.geteuid() == 0)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_template(pg_cluster: PgCluster) -> str:
    """A database migrated to head, used as the template for each test's fresh database."""
    from server_stub.migrate import upgrade

    name = pg_cluster.create_database()
    upgrade(pg_cluster.url(name))
    return name


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head, copied for each test (migrating each time is slow)."""
    from server_stub.migrate import upgrade

    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def copy_sqlite(template: Path, dest: Path) -> str:
    """Copy a (WAL-mode, closed) SQLite database file and return its URL."""
    shutil.copyfile(template, dest)
    return f"sqlite:///{dest}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database: a SQLite file or a new PostgreSQL database from the template."""
    if request.param == "sqlite":
        yield copy_sqlite(request.getfixturevalue("sqlite_template"), tmp_path / "server.db")
        return
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    template: str = request.getfixturevalue("pg_template")
    name = cluster.create_database(template=template)
    yield cluster.url(name)
    cluster.drop_database(name)


@dataclass
class ServerProcess:
    """A real ``madoguchi-server serve`` subprocess."""

    proc: subprocess.Popen[bytes]
    port: int
    db_url: str
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def start_server(db_url: str, log_dir: Path, *, extra_env: dict[str, str] | None = None,
                 timeout: float = 30.0, migrate: bool = True,
                 extra_args: tuple[str, ...] = ()) -> ServerProcess:
    """Start ``madoguchi-server serve`` on a free port and wait until /health answers.

    ``migrate=False`` passes ``--no-migrate`` (the test templates are migrated already).
    """
    import httpx

    port = free_port()
    log_path = log_dir / f"server-{port}.log"
    env = {**os.environ, **(extra_env or {})}
    cmd = [str(SERVER_BIN), "serve", "--db", db_url, "--host", "127.0.0.1", "--port", str(port)]
    if not migrate:
        cmd.append("--no-migrate")
    cmd.extend(extra_args)
    log = open(log_path, "wb")  # noqa: SIM115 - handed to the child, closed with it
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(REPO_ROOT))
    log.close()
    server = ServerProcess(proc=proc, port=port, db_url=db_url, log_path=log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early: {log_path.read_text(errors='replace')}")
        try:
            if httpx.get(f"{server.base_url}/health", timeout=1.0).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"server did not answer /health in {timeout}s: {log_path.read_text(errors='replace')}")


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[Any]:
    """Call ``server_factory(db_url)`` to start a real server; all are stopped after the test."""
    started: list[ServerProcess] = []

    def _start(db_url: str, **kwargs: Any) -> ServerProcess:
        server = start_server(db_url, tmp_path, **kwargs)
        started.append(server)
        return server

    yield _start
    for server in started:
        server.stop()


@dataclass
class InProcessServer:
    """A real uvicorn server on a real port, running ``create_app`` in a thread of the test process.

    Same HTTP stack as ``madoguchi-server serve`` without the process start-up cost.
    """

    port: int
    db_url: str
    _server: Any = None
    _thread: Any = None
    _app: Any = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> InProcessServer:
        import threading

        import uvicorn

        from server_stub.app import create_app

        self._app = create_app(self.db_url)
        config = uvicorn.Config(self._app, host="127.0.0.1", port=self.port, log_level="warning",
                                access_log=False, lifespan="off", timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name=f"uvicorn-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("in-process server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
            self._app.state.engine.dispose()


@pytest.fixture
def inprocess_server_factory() -> Iterator[Any]:
    """Call ``inprocess_server_factory(db_url)`` for a real uvicorn in a thread; stopped after the test."""
    started: list[InProcessServer] = []

    def _start(db_url: str) -> InProcessServer:
        server = InProcessServer(port=free_port(), db_url=db_url).start()
        started.append(server)
        return server

    yield _start
    for server in started:
        server.stop()


# =============================================================================================
# (end of the server_stub block)
# =============================================================================================


# =============================================================================================
# Keyring for replica/outbox keys (owner: replica). An in-memory backend per test.
# =============================================================================================


@pytest.fixture
def memory_keyring() -> Iterator[Any]:
    """A fresh in-memory keyring installed with ``keyring.set_keyring`` for the test's duration."""
    import keyring

    from tests.keyring_memory import MemoryKeyring

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


# =============================================================================================
# (end of the keyring block)
# =============================================================================================


# =============================================================================================
# マイナンバーカード: a real PC/SC stack (pcscd + vpcd) and the card emulator (owner: client/card)
# =============================================================================================


@pytest.fixture(scope="session")
def pcsc_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One pcscd per test session (the PC/SC client library reads its socket name once)."""
    from tests.cardsim.pcsc import PcscStack, available

    why = available()
    if why:
        pytest.skip(f"PC/SC stack unavailable: {why}")
    stack = PcscStack(tmp_path_factory.mktemp("pcsc"))
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def card_chain() -> Any:
    from tests.cardsim.pki import make_chain

    return make_chain()


@pytest.fixture
def card_slot(pcsc_stack: Any) -> Iterator[Any]:
    """The test reader, emptied after the test."""
    yield pcsc_stack
    pcsc_stack.remove()
