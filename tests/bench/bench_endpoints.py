"""Server CPU per request, per endpoint: what one request costs the serve process.

One client, one keep-alive connection, requests one after another (no concurrency, so nothing
waits on a lock): search (the load test's query mix), resident detail, evaluate, issue, a change
feed poll with nothing new, and a BCP push batch of 50 records. The figure is the serve process's
CPU time (utime + stime from /proc/PID/stat) over the requests of one kind, divided by their
number — the cost that bounds a process's throughput once it is CPU-bound. Wall time per request
is in the notes. The same requests go first to the server before this work (a ``git worktree`` of
the baseline commit on the same database), giving the "vs before" rows.
"""

from __future__ import annotations

import itertools
import os
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.bench.support import CITY, CLERK, Context, Measurement

CLK_TCK = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of a process (and its threads) in seconds."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def _issue_body(atena: str) -> dict[str, Any]:
    return {"request": {"cert_type": "juminhyo", "subject_atena_no": atena,
                        "requester": {"kind": "self", "name": "本人", "identity_document": "drivers_license"},
                        "copies": 1}, "printer_id": "P001"}


def measure_http(base_url: str, pid: int, queries: list[str], subjects: list[str], n: int
                 ) -> dict[str, tuple[float, float]]:
    """{op: (server CPU ms per request, wall ms per request)} for the HTTP endpoints."""
    rng = random.Random(11)
    out: dict[str, tuple[float, float]] = {}
    with httpx.Client(base_url=base_url, timeout=60.0, trust_env=False) as client:
        r = client.post("/api/v1/auth/login", json={"municipality_code": CITY, "user_id": CLERK[0],
                                                     "password": CLERK[1], "terminal_id": "T001"})
        r.raise_for_status()
        client.headers["Authorization"] = f"Bearer {r.json()['token']}"
        since = int(client.get("/api/v1/replica/changes", params={"since": 0, "limit": 1}).json()["current_seq"])
        ops: dict[str, Callable[[], httpx.Response]] = {
            "search": lambda: client.get("/api/v1/residents/search", params={"q": rng.choice(queries)}),
            "resident": lambda: client.get(f"/api/v1/residents/{rng.choice(subjects)}"),
            "evaluate": lambda: client.post("/api/v1/issuances/evaluate", json={
                "request": _issue_body(rng.choice(subjects))["request"]}),
            "issue": lambda: client.post("/api/v1/issuances", json=_issue_body(rng.choice(subjects))),
            "changes": lambda: client.get("/api/v1/replica/changes", params={"since": since, "limit": 500}),
            "health": lambda: client.get("/health"),
        }
        for op, call in ops.items():
            for _ in range(max(3, n // 10)):  # warm up (statement caches, imports)
                call().raise_for_status()
            c0, t0 = process_cpu_seconds(pid), time.perf_counter()
            for _ in range(n):
                resp = call()
                if resp.status_code >= 400:
                    raise RuntimeError(f"{op}: {resp.status_code} {resp.text[:200]}")
            wall = time.perf_counter() - t0
            out[op] = ((process_cpu_seconds(pid) - c0) * 1000 / n, wall * 1000 / n)
    return out


def measure_push(ctx: Context, pid: int, batches: int) -> tuple[float, float]:
    """(server CPU ms per push batch of 50, wall ms per batch) through the real OutboxPusher."""
    from client.outbox.push import BATCH_SIZE, OutboxPusher
    from tests.bench.bench_issue import _bcp_terminal, _juminhyo, _subjects

    terminal = _bcp_terminal(ctx)
    subjects = itertools.cycle(_subjects(ctx, 200))
    total = batches * BATCH_SIZE
    terminal.lease(total + 10)
    for _ in range(total):
        terminal.issuer.issue(_juminhyo(next(subjects)), user_id=CLERK[0], printer_id="P001", now=datetime.now(UTC))
    pending = terminal.outbox.count_pending()
    c0, t0 = process_cpu_seconds(pid), time.perf_counter()
    OutboxPusher(terminal.outbox, terminal.remote).push(lambda: datetime.now(UTC))
    wall = time.perf_counter() - t0
    n = max(1, -(-pending // BATCH_SIZE))
    return (process_cpu_seconds(pid) - c0) * 1000 / n, wall * 1000 / n


def endpoint_cpu(ctx: Context) -> list[Measurement]:
    from tests.bench.bench_issue import _subjects
    from tests.bench.bench_search import queries

    qs = [q for kind, q in queries(ctx) if kind != "atena"]
    subjects = _subjects(ctx, 200)
    n = 20 if ctx.quick else 100
    rows: list[Measurement] = []
    server = ctx.server("sqlite")
    old = ctx.baseline_server("sqlite")
    rev = ctx.baseline_rev()
    before = measure_http(old.base_url, old.proc.pid, qs, subjects, n)
    old.stop()
    figures = measure_http(server.base_url, server.proc.pid, qs, subjects, n)
    push = measure_push(ctx, server.proc.pid, 2 if ctx.quick else 6)
    figures["push batch (50 records)"] = push
    for op, (cpu, wall) in figures.items():
        was = before.get(op)
        notes = f"wall {wall:.1f} ms per request, one client, sequential"
        if was is not None:
            notes += f"; before ({rev}): {was[0]:.2f} ms CPU, wall {was[1]:.1f} ms"
        rows.append(Measurement(f"server CPU per request: {op} (sqlite, {ctx.sizes.city:,} residents)", round(cpu, 2),
                                "ms", notes=notes, extra={"before_ms": was[0] if was else None}))
        if was is not None and cpu > 0:
            rows.append(Measurement(f"server CPU per request vs before: {op}", round(cpu / was[0], 2), "×",
                                    notes=f"{cpu:.2f} vs {was[0]:.2f} ms (before: {rev}, same database, same run)"))
    return rows
