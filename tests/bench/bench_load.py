"""Load: simulated terminals (async httpx) against the server on SQLite and on PostgreSQL.

Each terminal is enrolled and signed in once (its own terminal ID; the tokens are reused by every
run of the benchmark, they are valid for any serve process on the database), keeps its own
keep-alive connection and repeats until the deadline: think (uniform THINK seconds), then one of
search (kana/name/address/birth, 70 %), resident detail (10 %), issue a 住民票 (10 %) or poll the
replica change feed (10 %). Latency is measured per request from send to body read; any
exception or non-2xx answer is an error. Bounded in terminals and time, 127.0.0.1 only.

What is run (all in one benchmark, so that the ratios are side by side on the same machine state):

- a curve on SQLite, one serve process: 50 / 100 / 200 / 400 terminals thinking 1–3 s (offered
  load ≈ terminals / 2 req/s); the 200-terminal point carries the p95 bar;
- saturation throughput: SATURATION_CLIENTS terminals that do not think (closed loop), on
  SQLite with one process, on PostgreSQL with one and with two processes — each also against the
  server before this work (``git worktree`` of BASELINE_REV on the same database), giving the rows
  "throughput vs before" and "2 processes vs 1";
- PostgreSQL with two serve processes and 200 thinking terminals (the p95 bar).

The machine has 2 cores shared by the servers, PostgreSQL and the generator itself, and pinning
the generator apart (taskset) would leave one core for the servers, so two server processes
could not be compared with one. Instead every run reports the CPU each component used (from
/proc: the serve processes, the PostgreSQL cluster's processes, the generator's own rusage), in
cores (CPU seconds per second of wall time), so a machine-bound result shows as such.
"""

from __future__ import annotations

import asyncio
import random
import resource
import ssl
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.bench.bench_endpoints import process_cpu_seconds
from tests.bench.support import CITY, CLERK, Context, Measurement, for_each_kind, latency, percentile

P95_MS = 100.0
THINK = (1.0, 3.0)
MIX = (("search", 0.7), ("resident", 0.1), ("issue", 0.1), ("changes", 0.1))
CURVE = (50, 100, 200, 400)
QUICK_CURVE = (10, 20)
SATURATION_CLIENTS = 48
THROUGHPUT_VS_BEFORE = 4.0
TWO_VS_ONE = 1.5


@dataclass
class LoadStats:
    samples: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    error_examples: list[str] = field(default_factory=list)

    def ok(self, op: str, ms: float) -> None:
        self.samples.setdefault(op, []).append(ms)

    def fail(self, op: str, what: str) -> None:
        self.errors[op] = self.errors.get(op, 0) + 1
        if len(self.error_examples) < 5:
            self.error_examples.append(f"{op}: {what[:160]}")

    @property
    def every(self) -> list[float]:
        return [ms for v in self.samples.values() for ms in v]


@dataclass
class RunResult:
    stats: LoadStats
    elapsed: float
    cpu: dict[str, float]  # component → cores (CPU seconds per wall second)

    @property
    def throughput(self) -> float:
        return len(self.stats.every) / max(self.elapsed, 1e-9)

    @property
    def server_ms_per_request(self) -> float:
        """Server CPU per answered request under this load (the figure the machine's share does not move)."""
        return self.cpu["server"] * 1000 / max(self.throughput, 1e-9)

    def cpu_text(self) -> str:
        parts = [f"{k} {v:.2f}" for k, v in self.cpu.items()]
        return "CPU in cores: " + ", ".join(parts) + f" (machine: 2 cores; total {sum(self.cpu.values()):.2f})"


async def _terminal(index: int, client: httpx.AsyncClient, queries: list[str], subjects: list[str], since: int,
                    deadline: float, think: tuple[float, float], stats: LoadStats, seed: int) -> None:
    rng = random.Random(seed * 1000 + index)
    async with client:
        if think[1] > 0:
            await asyncio.sleep(rng.uniform(0, think[1]))  # spread the first requests
        while time.monotonic() < deadline:
            op = rng.choices([m[0] for m in MIX], weights=[m[1] for m in MIX])[0]
            t0 = time.perf_counter()
            try:
                if op == "search":
                    resp = await client.get("/api/v1/residents/search", params={"q": rng.choice(queries)})
                elif op == "resident":
                    resp = await client.get(f"/api/v1/residents/{rng.choice(subjects)}")
                elif op == "issue":
                    resp = await client.post("/api/v1/issuances", json={"request": {
                        "cert_type": "juminhyo", "subject_atena_no": rng.choice(subjects),
                        "requester": {"kind": "self", "name": "本人", "identity_document": "drivers_license"},
                        "copies": 1}, "printer_id": "P001"})
                else:
                    resp = await client.get("/api/v1/replica/changes", params={"since": since, "limit": 500})
                body = resp.content
                ms = (time.perf_counter() - t0) * 1000
                if resp.status_code >= 400:
                    stats.fail(op, f"{resp.status_code} {body[:120]!r}")
                else:
                    stats.ok(op, ms)
                    if op == "changes":
                        since = max(since, int(resp.json().get("last_seq", since)))
            except Exception as exc:  # noqa: BLE001 - every failure is an error of the run
                stats.fail(op, f"{type(exc).__name__}: {exc}")
            if time.monotonic() >= deadline:
                break
            if think[1] > 0:
                await asyncio.sleep(min(rng.uniform(*think), max(0.0, deadline - time.monotonic())))


async def _run(base_urls: list[str], tokens: list[str], seconds: float, think: tuple[float, float],
               queries: list[str], subjects: list[str], since: int) -> tuple[LoadStats, float]:
    stats = LoadStats()
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # plain HTTP; one context, not a CA bundle load per client
    clients = [httpx.AsyncClient(base_url=base_urls[i % len(base_urls)], timeout=30.0, limits=limits,
                                 trust_env=False, verify=tls, headers={"Authorization": f"Bearer {tokens[i]}"})
               for i in range(len(tokens))]
    deadline = time.monotonic() + seconds  # the clock starts once every terminal's client exists
    t0 = time.monotonic()
    await asyncio.gather(*(_terminal(i, clients[i], queries, subjects, since, deadline, think, stats, 7)
                           for i in range(len(tokens))))
    return stats, time.monotonic() - t0


def _own_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run_point(ctx: Context, servers: list[Any], tokens: list[str], seconds: float, think: tuple[float, float],
              queries: list[str], subjects: list[str], since: int) -> RunResult:
    server_pids = [s.proc.pid for s in servers]

    def sample() -> tuple[float, float | None, float]:
        return sum(process_cpu_seconds(p) for p in server_pids), ctx.pg_cpu_seconds(), _own_cpu()

    before = sample()
    stats, elapsed = asyncio.run(_run([s.base_url for s in servers], tokens, seconds, think, queries, subjects,
                                      since))
    after = sample()
    cpu = {"server": (after[0] - before[0]) / elapsed, "generator": (after[2] - before[2]) / elapsed}
    if before[1] is not None and after[1] is not None:
        cpu["PostgreSQL"] = (after[1] - before[1]) / elapsed
    return RunResult(stats, elapsed, cpu)


def enroll_terminals(base_url: str, count: int) -> None:
    """Enrol the load terminals L000… (admin, each with its own Ed25519 key); already there is fine."""
    import base64

    from client.certificate.signing import generate_keypair

    with httpx.Client(base_url=base_url, timeout=30.0, trust_env=False) as client:
        r = client.post("/api/v1/auth/login", json={"municipality_code": CITY, "user_id": "admin1",
                                                     "password": "admin1pass", "terminal_id": "T001"})
        r.raise_for_status()
        client.headers["Authorization"] = f"Bearer {r.json()['token']}"
        for i in range(count):
            _, public = generate_keypair()
            r = client.post("/api/v1/terminals/enroll", json={
                "terminal_id": f"L{i:03d}", "terminal_name": f"負荷{i:03d}",
                "public_key_b64": base64.b64encode(public).decode()})
            if r.status_code not in (201, 409):
                r.raise_for_status()


async def _login_all(base_url: str, count: int) -> list[str]:
    gate = asyncio.Semaphore(8)

    async def one(i: int, client: httpx.AsyncClient) -> str:
        async with gate:
            r = await client.post("/api/v1/auth/login", json={
                "municipality_code": CITY, "user_id": CLERK[0], "password": CLERK[1], "terminal_id": f"L{i:03d}"})
            r.raise_for_status()
            return str(r.json()["token"])

    async with httpx.AsyncClient(base_url=base_url, timeout=60.0, trust_env=False) as client:
        return list(await asyncio.gather(*(one(i, client) for i in range(count))))


def tokens_for(ctx: Context, kind: str, count: int) -> list[str]:
    """``count`` signed-in load terminals on the ``kind`` database (cached for the run)."""
    key = f"load_tokens_{kind}"
    have: list[str] = ctx.cache.get(key, [])
    if len(have) < count:
        base = ctx.server(kind).base_url
        enroll_terminals(base, count)
        have = asyncio.run(_login_all(base, count))
        ctx.cache[key] = have
    return have[:count]


def _current_seq(base_url: str, token: str) -> int:
    with httpx.Client(base_url=base_url, timeout=30.0, trust_env=False,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        page = client.get("/api/v1/replica/changes", params={"since": 0, "limit": 1}).json()
        return int(page.get("current_seq") or page.get("last_seq") or 0)


def _rows_for(label: str, n: int, result: RunResult, bar: float | None, *, offered: str) -> list[Measurement]:
    st = result.stats
    every = st.every
    errors = sum(st.errors.values())
    per_op = {op: {"n": len(v), "p50": round(statistics.median(v), 1), "p95": round(percentile(v, 0.95), 1),
                   "p99": round(percentile(v, 0.99), 1)} for op, v in st.samples.items() if v}
    detail = ", ".join(f"{op} p95 {v['p95']:.0f} ms" for op, v in per_op.items())
    notes = (f"{len(every) + errors:,} requests in {result.elapsed:.0f} s; offered {offered}; {detail}; "
             f"{result.cpu_text()}")
    return [
        latency(f"{n} concurrent terminals, mixed traffic ({label})", every, bar, notes=notes, per_op=per_op,
                cpu_cores=result.cpu),
        Measurement(f"{n} terminals: throughput ({label})", round(result.throughput, 1), "req/s", notes=offered),
        Measurement(f"{n} terminals: errors ({label})", float(errors), "errors", 0.0,
                    notes="; ".join(st.error_examples), extra={"by_op": st.errors}),
    ]


def _saturation_row(label: str, result: RunResult) -> Measurement:
    st = result.stats
    every = st.every
    errors = sum(st.errors.values())
    p95 = percentile(every, 0.95) if every else 0.0
    return Measurement(f"saturation throughput ({label})", round(result.throughput, 1), "req/s",
                       notes=f"{SATURATION_CLIENTS} terminals without think time (closed loop), {result.elapsed:.0f} s; "
                             f"p95 {p95:.0f} ms; {errors} errors; server CPU {result.server_ms_per_request:.1f} ms per "
                             f"request; {result.cpu_text()}",
                       extra={"cpu_cores": result.cpu, "errors": errors})


def load(ctx: Context) -> list[Measurement]:
    from tests.bench.bench_issue import _subjects
    from tests.bench.bench_search import queries

    qs = [q for kind, q in queries(ctx) if kind != "atena"]
    subjects = _subjects(ctx, 200)
    seconds = ctx.sizes.load_seconds
    curve = QUICK_CURVE if ctx.quick else CURVE
    bar_point = curve[-1] if ctx.quick else 200
    sat_clients = 8 if ctx.quick else SATURATION_CLIENTS
    rev = ctx.baseline_rev()
    p50s: dict[str, float] = {}
    offered = lambda n: f"≈ {n / ((THINK[0] + THINK[1]) / 2):.0f} req/s ({n} terminals thinking 1–3 s)"  # noqa: E731

    def one(kind: str) -> list[Measurement]:
        rows: list[Measurement] = []
        tokens = tokens_for(ctx, kind, max(max(curve), sat_clients))
        main = ctx.server(kind)
        since = _current_seq(main.base_url, tokens[0])
        sat: dict[str, RunResult] = {}
        if kind == "sqlite":
            for n in curve:
                result = run_point(ctx, [main], tokens[:n], seconds, THINK, qs, subjects, since)
                rows += _rows_for(f"{kind}, 1 serve process", n, result, P95_MS if n == bar_point else None,
                                  offered=offered(n))
                if n == bar_point and result.stats.every:
                    p50s[kind] = statistics.median(result.stats.every)
            old = ctx.baseline_server(kind)
            result = run_point(ctx, [old], tokens[:bar_point], seconds, THINK, qs, subjects, since)
            rows += _rows_for(f"{kind}, 1 serve process, before: {rev}", bar_point, result, None,
                              offered=offered(bar_point))
            sat["before"] = run_point(ctx, [old], tokens[:sat_clients], seconds, (0.0, 0.0), qs, subjects, since)
            old.stop()
            sat["1"] = run_point(ctx, [main], tokens[:sat_clients], seconds, (0.0, 0.0), qs, subjects, since)
            rows.append(_saturation_row(f"{kind}, 1 serve process, before: {rev}", sat["before"]))
            rows.append(_saturation_row(f"{kind}, 1 serve process", sat["1"]))
        else:
            extra = ctx.extra_server(kind)
            result = run_point(ctx, [main, extra], tokens[:bar_point], seconds, THINK, qs, subjects, since)
            rows += _rows_for(f"{kind}, 2 serve processes", bar_point, result, P95_MS, offered=offered(bar_point))
            if result.stats.every:
                p50s[kind] = statistics.median(result.stats.every)
            old = ctx.baseline_server(kind)
            sat["before"] = run_point(ctx, [old], tokens[:sat_clients], seconds, (0.0, 0.0), qs, subjects, since)
            old.stop()
            sat["1"] = run_point(ctx, [main], tokens[:sat_clients], seconds, (0.0, 0.0), qs, subjects, since)
            sat["2"] = run_point(ctx, [main, extra], tokens[:sat_clients], seconds, (0.0, 0.0), qs, subjects, since)
            rows.append(_saturation_row(f"{kind}, 1 serve process, before: {rev}", sat["before"]))
            rows.append(_saturation_row(f"{kind}, 1 serve process", sat["1"]))
            rows.append(_saturation_row(f"{kind}, 2 serve processes", sat["2"]))
            rows.append(Measurement(
                f"2 processes vs 1 ({kind}, saturation throughput)",
                round(sat["2"].throughput / max(sat["1"].throughput, 1e-9), 2), "×", TWO_VS_ONE, ">=",
                notes=f"{sat['2'].throughput:.0f} vs {sat['1'].throughput:.0f} req/s; 2 processes: "
                      f"{sat['2'].cpu_text()}; 1 process: {sat['1'].cpu_text()}"))
        rows.append(Measurement(
            f"server CPU per request at saturation vs before ({kind}, 1 serve process)",
            round(sat["1"].server_ms_per_request / max(sat["before"].server_ms_per_request, 1e-9), 2), "×",
            notes=f"{sat['1'].server_ms_per_request:.1f} vs {sat['before'].server_ms_per_request:.1f} ms of server CPU "
                  f"per answered request (before: {rev}); unlike req/s this does not depend on the share of the "
                  f"machine the server got"))
        rows.append(Measurement(
            f"throughput vs before ({kind}, 1 serve process, saturation)",
            round(sat["1"].throughput / max(sat["before"].throughput, 1e-9), 2), "×", THROUGHPUT_VS_BEFORE, ">=",
            notes=f"{sat['1'].throughput:.0f} vs {sat['before'].throughput:.0f} req/s (before: {rev}, same database, "
                  f"same run); now: {sat['1'].cpu_text()}; before: {sat['before'].cpu_text()}"))
        return rows

    rows = for_each_kind("concurrent terminals", one)
    if len(p50s) == 2:
        rows.append(Measurement("load median: PostgreSQL vs SQLite server",
                                round(p50s["postgresql"] / p50s["sqlite"], 3), "×"))
    return rows
