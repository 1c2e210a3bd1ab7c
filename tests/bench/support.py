"""Shared pieces of the benchmark suite: measurements, statistics, byte counting, the run context.

The context owns what several benchmarks share and what is expensive to build: the throwaway
PostgreSQL cluster, one seeded database and one ``madoguchi-server serve`` per database kind, and
the bootstrapped replica of the city. Everything is created lazily (so ``--only`` works for any
benchmark) and torn down by ``close()``. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import SERVER_BIN, PgCluster, ServerProcess, _pg_bindir, free_port, start_server

REPO = Path(__file__).resolve().parents[2]
CITY = "132403"  # 桜ヶ丘市 of ``seed --demo``: staff accounts clerk1/supervisor1/admin1
TOWN = "113905"
CLERK = ("clerk1", "clerk1pass")
BASELINE_REV = "927564e"  # main before issue 23 (the lean request path, the batched access log)


@dataclass
class Measurement:
    """One row of the results table. ``value`` is the figure compared with ``bar``."""

    name: str
    value: float | None
    unit: str
    bar: float | None = None
    comparison: str = "<="  # '<=' or '>=' (or '' for a figure without a bar)
    p50: float | None = None
    p95: float | None = None
    p99: float | None = None
    samples: int | None = None
    notes: str = ""
    error: str = ""
    benchmark: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        if self.error:
            return "error"
        if self.bar is None or self.value is None or not self.comparison:
            return "info"
        ok = self.value <= self.bar if self.comparison == "<=" else self.value >= self.bar
        return "pass" if ok else "short"

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["status"] = self.status
        return out


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank-with-interpolation percentile (q in 0..1) of a non-empty sequence."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of no values")
    pos = q * (len(ordered) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def latency(name: str, samples_ms: Sequence[float], bar: float | None, *, notes: str = "",
            on: str = "p95", **extra: Any) -> Measurement:
    """A latency row: the figure is the p95 (or ``on``), with p50/p95/p99 filled in."""
    if not samples_ms:
        return Measurement(name, None, "ms", bar, error="no samples")
    p50 = statistics.median(samples_ms)
    p95 = percentile(samples_ms, 0.95)
    p99 = percentile(samples_ms, 0.99)
    value = {"p50": p50, "p95": p95, "p99": p99, "max": max(samples_ms)}[on]
    return Measurement(name, round(value, 2), "ms", bar, p50=round(p50, 2), p95=round(p95, 2), p99=round(p99, 2),
                       samples=len(samples_ms), notes=notes, extra=extra)


def ratio(name: str, numerator: float, denominator: float, bar: float | None = None, *, notes: str = "",
          **extra: Any) -> Measurement:
    value = numerator / denominator if denominator else float("inf")
    return Measurement(name, round(value, 3), "×", bar, notes=notes, extra=extra)


@contextlib.contextmanager
def stopwatch() -> Iterator[list[float]]:
    """``with stopwatch() as t: ...`` then ``t[0]`` is the elapsed seconds."""
    box: list[float] = []
    start = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - start)


class CountingTransport(httpx.HTTPTransport):
    """An httpx transport that counts response body bytes as they come off the socket
    (before gzip decoding) and request body bytes sent."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.received = 0
        self.sent = 0
        self.requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        self.sent += len(request.content) if request.content else 0
        response = super().handle_request(request)
        response.stream = _CountingStream(response.stream, self)  # type: ignore[arg-type]
        return response


class _CountingStream(httpx.SyncByteStream):
    def __init__(self, inner: Any, counter: CountingTransport) -> None:
        self.inner = inner
        self.counter = counter

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.inner:
            self.counter.received += len(chunk)
            yield chunk

    def close(self) -> None:
        self.inner.close()


# ---------------------------------------------------------------------------------------------
# Run configuration and shared context
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    city: int
    town: int
    iterations: int  # latency samples per measured operation
    syncback: int  # BCP issuances pushed back in one sync
    delta_changes: int
    load_terminals: int
    load_seconds: float
    cold_starts: int


QUICK = Sizes(city=2000, town=500, iterations=30, syncback=200, delta_changes=1000, load_terminals=20,
              load_seconds=6.0, cold_starts=2)
FULL = Sizes(city=400_000, town=5000, iterations=200, syncback=10_000, delta_changes=1000, load_terminals=200,
             load_seconds=45.0, cold_starts=5)


def run_cli(args: list[str], *, timeout: float = 3600, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd=str(REPO),
                          env={**os.environ, **(env or {})})
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return proc.stdout


class Context:
    """What the benchmarks of one run share. Created by the runner; closed at the end."""

    def __init__(self, sizes: Sizes, quick: bool, workdir: Path | None = None) -> None:
        self.sizes = sizes
        self.quick = quick
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="mdg-bench-", dir="/tmp"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._pg: PgCluster | None = None
        self.db_urls: dict[str, str] = {}
        self.seed_seconds: dict[str, dict[str, float]] = {}
        self.servers: dict[str, ServerProcess] = {}
        self.replica_dir: Path | None = None
        self.keyring_path = self.workdir / "keyring.json"
        self.cache: dict[str, Any] = {}
        self._closers: list[Callable[[], None]] = []

    # -- PostgreSQL ----------------------------------------------------------------------------

    def pg(self) -> PgCluster:
        if self._pg is None:
            bindir = _pg_bindir()
            if bindir is None:
                raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin")
            root = Path(tempfile.mkdtemp(prefix="mdg-bench-pg-", dir="/tmp"))
            cluster = PgCluster(bindir=bindir, root=root, port=free_port(), as_postgres=os.geteuid() == 0)
            cluster.start()
            self._pg = cluster
        return self._pg

    # -- seeded databases ------------------------------------------------------------------------

    def new_db_url(self, kind: str, label: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{self.workdir / f'{label}.db'}"
        cluster = self.pg()
        return cluster.url(cluster.create_database())

    def seed(self, kind: str) -> dict[str, float]:
        """Create and seed the run's database of ``kind`` (demo staff + the city + the town),
        timing each step with the real ``madoguchi-server`` command. Returns seconds per step."""
        url = self.new_db_url(kind, f"server-{kind}")
        seconds: dict[str, float] = {}
        steps = [
            ("init", ["init"]),
            ("demo", ["seed", "--demo", "--residents", "0", "--seed", "1"]),
            ("city", ["seed", "--municipality", CITY, "--residents", str(self.sizes.city), "--seed", "1"]),
            ("town", ["seed", "--municipality", TOWN, "--residents", str(self.sizes.town), "--seed", "2"]),
        ]
        for label, args in steps:
            start = time.perf_counter()
            run_cli([str(SERVER_BIN), *args, "--db", url])
            seconds[label] = time.perf_counter() - start
        if kind == "sqlite":
            from sqlalchemy import create_engine

            engine = create_engine(url)
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            engine.dispose()
        self.db_urls[kind] = url
        self.seed_seconds[kind] = seconds
        return seconds

    def db_url(self, kind: str) -> str:
        if kind not in self.db_urls:
            self.seed(kind)
        return self.db_urls[kind]

    # -- servers ---------------------------------------------------------------------------------

    def _start(self, kind: str) -> ServerProcess:
        """Start a server; retried for a while, since the shared checkout may be mid-edit."""
        url = self.db_url(kind)
        for attempt in range(8):
            try:
                return start_server(url, self.workdir, timeout=120.0)
            except RuntimeError as exc:
                if attempt == 7:
                    raise
                print(f"[bench] server ({kind}) did not start, retrying in 20 s: {str(exc)[-200:]}",
                      file=sys.stderr, flush=True)
                time.sleep(20)
        raise AssertionError("unreachable")

    def town_server(self) -> ServerProcess:
        """A server holding the town: the run's SQLite server if it exists already, else a small
        one with only the demo staff and the town (so ``--only wire`` needs no 400k city)."""
        if "sqlite" in self.db_urls:
            return self.server("sqlite")
        if "town" not in self.servers or self.servers["town"].proc.poll() is not None:
            url = f"sqlite:///{self.workdir / 'server-town.db'}"
            if "town" not in self.db_urls:
                for args in (["init"], ["seed", "--demo", "--residents", "0", "--seed", "1"],
                             ["seed", "--municipality", TOWN, "--residents", str(self.sizes.town), "--seed", "2"]):
                    run_cli([str(SERVER_BIN), *args, "--db", url])
                self.db_urls["town"] = url
            self.servers["town"] = start_server(url, self.workdir, timeout=120.0)
        return self.servers["town"]

    def server(self, kind: str) -> ServerProcess:
        if kind not in self.servers or self.servers[kind].proc.poll() is not None:
            self.servers[kind] = self._start(kind)
        return self.servers[kind]

    # -- the server before this work, from a git worktree, on the same database ------------------

    def baseline_rev(self) -> str:
        return os.environ.get("MADOGUCHI_BENCH_BASELINE", BASELINE_REV)

    def baseline_tree(self) -> Path:
        """A detached ``git worktree`` of the baseline commit (removed at close)."""
        path = self.workdir / "baseline-tree"
        if not path.exists():
            subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(path), self.baseline_rev()],
                           check=True, capture_output=True, timeout=120)

            def remove() -> None:
                subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(path)],
                               capture_output=True, timeout=60)

            self._closers.append(remove)
        return path

    def baseline_server(self, kind: str) -> ServerProcess:
        """The baseline commit's ``serve`` (its own code, ``--no-migrate``) on this run's database.

        The newer schema only adds tables, so the old code runs on it unchanged; what it appends
        to the access log is chained the old way (no batch heads)."""
        tree = self.baseline_tree()
        port = free_port()
        log_path = self.workdir / f"server-baseline-{port}.log"
        env = {**os.environ, "PYTHONPATH": str(tree)}
        cmd = [sys.executable, "-m", "server_stub.cli", "serve", "--db", self.db_url(kind), "--host", "127.0.0.1",
               "--port", str(port), "--no-migrate"]
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(tree))
        server = ServerProcess(proc=proc, port=port, db_url=self.db_url(kind), log_path=log_path)
        self._closers.append(server.stop)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"baseline server exited: {log_path.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{server.base_url}/health", timeout=1.0, trust_env=False).status_code == 200:
                    return server
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("baseline server did not answer /health")

    def pg_cpu_seconds(self) -> float | None:
        """CPU seconds used so far by the PostgreSQL cluster: the postmaster and its live children,
        plus the children that have exited (the postmaster's cutime + cstime), so backends that
        come and go during a measurement are counted. None without a cluster."""
        if self._pg is None:
            return None
        tick = os.sysconf("SC_CLK_TCK")
        try:
            master = int((self._pg.datadir / "postmaster.pid").read_text().split()[0])
            fields = (Path("/proc") / str(master) / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, ValueError, IndexError):
            return None
        total = sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or entry.name == str(master):
                continue
            try:
                f = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if f[1] == str(master):
                total += int(f[11]) + int(f[12])
        return total / tick

    def extra_server(self, kind: str) -> ServerProcess:
        """One more serve process on the same database (stopped at close)."""
        server = self._start(kind)
        self._closers.append(server.stop)
        return server

    # -- client side -------------------------------------------------------------------------------

    def keystore(self) -> Any:
        from client.local.keystore import KeyStore
        from tests.faults.replica_support import FileKeyring

        return KeyStore(FileKeyring(self.keyring_path))

    def login(self, base_url: str, *, terminal: str = "T001", code: str = CITY,
              transport: httpx.BaseTransport | None = None, secondary: str | None = None,
              timeout: float = 60.0, connect_timeout: float = 2.0) -> Any:
        from client.remote.http import DataCentreClient

        client = DataCentreClient(base_url, secondary, timeout=timeout, connect_timeout=connect_timeout,
                                  transport=transport)
        client.login(code, CLERK[0], CLERK[1], terminal)
        return client

    def add_closer(self, fn: Callable[[], None]) -> None:
        self._closers.append(fn)

    def close(self) -> None:
        for fn in reversed(self._closers):
            with contextlib.suppress(Exception):
                fn()
        for server in self.servers.values():
            with contextlib.suppress(Exception):
                server.stop()
        if self._pg is not None:
            with contextlib.suppress(Exception):
                self._pg.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def for_each_kind(label: str, fn: Callable[[str], list[Measurement]],
                  kinds: Sequence[str] = ("sqlite", "postgresql")) -> list[Measurement]:
    """Run ``fn(kind)`` per database kind; a failure on one kind is an error row for that kind."""
    rows: list[Measurement] = []
    for kind in kinds:
        try:
            rows += fn(kind)
        except Exception as exc:  # noqa: BLE001 - isolate the kinds from each other
            rows.append(Measurement(f"{label} ({kind})", None, "", error=f"{type(exc).__name__}: {exc}"))
    return rows
