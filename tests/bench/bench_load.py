"""Load: N simulated terminals (async httpx) against the server on SQLite and on PostgreSQL.

Each terminal signs in once (its own terminal ID, its own keep-alive connection), then until the
deadline repeats: think (uniform THINK seconds), then one of search (kana/name/address/birth,
70 %), resident detail (10 %), issue a 住民票 (10 %) or poll the replica change feed (10 %).
Latency is measured per request from send to body read; any exception or non-2xx answer is an
error. Bounded in terminals and time, 127.0.0.1 only. For PostgreSQL two serve processes share
the database (terminals alternate between them), as a data centre would run several workers.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from dataclasses import dataclass, field

import httpx

from tests.bench.support import CITY, CLERK, Context, Measurement, for_each_kind, latency, percentile

P95_MS = 200.0
THINK = (1.0, 3.0)
MIX = (("search", 0.7), ("resident", 0.1), ("issue", 0.1), ("changes", 0.1))


@dataclass
class LoadStats:
    samples: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    error_examples: list[str] = field(default_factory=list)
    login_ms: list[float] = field(default_factory=list)

    def ok(self, op: str, ms: float) -> None:
        self.samples.setdefault(op, []).append(ms)

    def fail(self, op: str, what: str) -> None:
        self.errors[op] = self.errors.get(op, 0) + 1
        if len(self.error_examples) < 5:
            self.error_examples.append(f"{op}: {what[:160]}")


async def _terminal(index: int, base_url: str, queries: list[str], subjects: list[str], since: int,
                    deadline: list[float], login_gate: asyncio.Semaphore, start: asyncio.Event, stats: LoadStats,
                    seed: int) -> None:
    rng = random.Random(seed * 1000 + index)
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0, limits=limits, trust_env=False) as client:
        async with login_gate:
            t0 = time.perf_counter()
            r = await client.post("/api/v1/auth/login", json={
                "municipality_code": CITY, "user_id": CLERK[0], "password": CLERK[1],
                "terminal_id": f"L{index:03d}"})
            stats.login_ms.append((time.perf_counter() - t0) * 1000)
        if r.status_code != 200:
            stats.fail("login", f"{r.status_code} {r.text}")
            return
        client.headers["Authorization"] = f"Bearer {r.json()['token']}"
        await start.wait()
        await asyncio.sleep(rng.uniform(0, THINK[1]))  # spread the first requests
        while time.monotonic() < deadline[0]:
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
            if time.monotonic() >= deadline[0]:
                break
            await asyncio.sleep(min(rng.uniform(*THINK), max(0.0, deadline[0] - time.monotonic())))


async def _run(base_urls: list[str], terminals: int, seconds: float, queries: list[str], subjects: list[str],
               since: int) -> tuple[LoadStats, float]:
    stats = LoadStats()
    gate = asyncio.Semaphore(8)
    start = asyncio.Event()
    deadline = [time.monotonic() + 3600]  # set for real once every terminal has signed in
    tasks = [asyncio.create_task(_terminal(i, base_urls[i % len(base_urls)], queries, subjects, since, deadline, gate,
                                           start, stats, 7)) for i in range(terminals)]
    # wait for the sign-ins, then start the clock for everyone at once
    while len(stats.login_ms) + stats.errors.get("login", 0) < terminals:
        await asyncio.sleep(0.05)
    deadline[0] = time.monotonic() + seconds
    t0 = time.monotonic()
    start.set()
    await asyncio.gather(*tasks)
    return stats, time.monotonic() - t0


def _current_seq(base_url: str) -> int:
    with httpx.Client(base_url=base_url, timeout=30.0, trust_env=False) as client:
        r = client.post("/api/v1/auth/login", json={"municipality_code": CITY, "user_id": CLERK[0],
                                                     "password": CLERK[1], "terminal_id": "T001"})
        r.raise_for_status()
        client.headers["Authorization"] = f"Bearer {r.json()['token']}"
        page = client.get("/api/v1/replica/changes", params={"since": 0, "limit": 1}).json()
        return int(page.get("current_seq") or page.get("last_seq") or 0)


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


def run_load(base_urls: list[str], terminals: int, seconds: float, queries: list[str],
             subjects: list[str]) -> tuple[LoadStats, float]:
    enroll_terminals(base_urls[0], terminals)
    since = _current_seq(base_urls[0])
    return asyncio.run(_run(base_urls, terminals, seconds, queries, subjects, since))


def load(ctx: Context) -> list[Measurement]:
    from tests.bench.bench_issue import _subjects
    from tests.bench.bench_search import queries

    qs = [q for kind, q in queries(ctx) if kind != "atena"]
    subjects = _subjects(ctx, 200)
    n, seconds = ctx.sizes.load_terminals, ctx.sizes.load_seconds
    p50s: dict[str, float] = {}

    def one(kind: str) -> list[Measurement]:
        rows: list[Measurement] = []
        urls = [ctx.server(kind).base_url]
        if kind == "postgresql":
            urls.append(ctx.extra_server(kind).base_url)
        stats, elapsed = run_load(urls, n, seconds, qs, subjects)
        every = [ms for v in stats.samples.values() for ms in v]
        errors = sum(stats.errors.values())
        requests = len(every) + errors
        per_op = {op: {"n": len(v), "p50": round(statistics.median(v), 1), "p95": round(percentile(v, 0.95), 1),
                       "p99": round(percentile(v, 0.99), 1)} for op, v in stats.samples.items() if v}
        detail = ", ".join(f"{op} p95 {v['p95']:.0f} ms" for op, v in per_op.items())
        where = f"{kind}, {len(urls)} serve process{'es' if len(urls) > 1 else ''}"
        row = latency(f"{n} concurrent terminals, mixed traffic ({where})", every, P95_MS,
                      notes=f"{requests:,} requests in {elapsed:.0f} s; think {THINK[0]:.0f}–{THINK[1]:.0f} s; "
                            f"{detail}", per_op=per_op, login_ms_p95=round(percentile(stats.login_ms, 0.95), 1)
                      if stats.login_ms else None)
        rows.append(row)
        if every:
            p50s[kind] = statistics.median(every)
        rows.append(Measurement(f"{n} terminals: throughput ({kind})", round(len(every) / max(elapsed, 1e-9), 1),
                                "req/s", notes=f"offered ≈ {n / ((THINK[0] + THINK[1]) / 2):.0f} req/s"))
        rows.append(Measurement(f"{n} terminals: errors ({kind})", float(errors), "errors", 0.0,
                                notes="; ".join(stats.error_examples), extra={"by_op": stats.errors}))
        return rows

    rows = for_each_kind(f"{n} concurrent terminals", one)
    if len(p50s) == 2:
        rows.append(Measurement("load median: PostgreSQL vs SQLite server",
                                round(p50s["postgresql"] / p50s["sqlite"], 3), "×"))
    return rows
