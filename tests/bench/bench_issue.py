"""Issuance benchmarks: page render (wraps bench_render), request → PDF bytes through the counter
service online (SQLite and PostgreSQL servers) and in BCP mode (replica + outbox), and the sync
back of many BCP issuances with the exactly-once check on the server."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.bench.support import CITY, CLERK, Context, Measurement, for_each_kind, latency

RENDER_PAGE_MS = 40.0
ONLINE_PDF_MS = 150.0
BCP_PDF_MS = 100.0
SYNCBACK_S = 60.0


def render(ctx: Context) -> list[Measurement]:
    from tests.bench.bench_render import run_benchmark

    iterations = 8 if ctx.quick else 30
    r = run_benchmark(iterations)
    forms = r["forms"]
    worst = max(forms.items(), key=lambda kv: kv[1]["render_ms_per_page_p95"])
    return [
        Measurement("render per page (all forms)", r["render_ms_per_page_p95"], "ms", RENDER_PAGE_MS,
                    p95=r["render_ms_per_page_p95"], samples=iterations * len(forms),
                    notes=f"{len(forms)} forms × {iterations}; slowest form {worst[0]} p95 "
                          f"{worst[1]['render_ms_per_page_p95']} ms/page (tests/bench/bench_render.py)",
                    extra={"forms": forms}),
        Measurement("sign + render (client part of request → PDF)", r["sign_and_render_ms_p95"], "ms",
                    p95=r["sign_and_render_ms_p95"], samples=iterations * len(forms)),
    ]


def _subjects(ctx: Context, n: int) -> list[str]:
    from tests.integration.bcp_env import plain_subjects

    key = "subjects"
    if len(ctx.cache.get(key, [])) < n:
        ctx.cache[key] = plain_subjects(ctx.db_url("sqlite"), n)
    return list(ctx.cache[key][:n])


def _juminhyo(atena: str) -> Any:
    from tests.integration.bcp_env import juminhyo

    return juminhyo(atena)


def _bcp_terminal(ctx: Context) -> Any:
    """The city terminal over the bootstrapped replica, with a leased serial block."""
    if "terminal" in ctx.cache:
        return ctx.cache["terminal"]
    from tests.bench.bench_sync import ensure_replica
    from tests.integration.bcp_env import Terminal

    data_dir = ensure_replica(ctx)
    remote = ctx.login(ctx.server("sqlite").base_url)
    terminal = Terminal.build(data_dir, remote, ctx.keystore())
    ctx.add_closer(terminal.close)
    ctx.cache["terminal"] = terminal
    return terminal


def _bcp_service(ctx: Context, terminal: Any, out_dir: Path) -> Any:
    from client.replica.lookups import ReplicaLookups
    from client.replica.search import ReplicaSearch
    from client.services.backend import BackendRouter, OnlineBackend
    from client.services.bcp_backend import BcpBackend
    from client.services.counter import CounterService
    from client.services.online_api import OnlineApi

    api = OnlineApi([ctx.server("sqlite").base_url], timeout=10.0)
    router = BackendRouter(OnlineBackend(api))
    bcp: Any = BcpBackend(ReplicaLookups(terminal.store), ReplicaSearch(terminal.store), terminal.outbox,
                          terminal.issuer)
    router.register("bcp", bcp)
    router.use("bcp")
    service = CounterService(router, municipality_code=CITY, terminal_id="T001", out_dir=out_dir,
                             printer_id="P001")
    service.sign_in(*CLERK)
    return service


def request_to_pdf(ctx: Context) -> list[Measurement]:
    from client.services.backend import BackendRouter, OnlineBackend
    from client.services.counter import CounterService
    from client.services.online_api import OnlineApi

    n = max(20, ctx.sizes.iterations // 2)
    subjects = _subjects(ctx, n + 5)
    def one(kind: str) -> list[Measurement]:
        api = OnlineApi([ctx.server(kind).base_url], timeout=10.0)
        service = CounterService(BackendRouter(OnlineBackend(api)), municipality_code=CITY, terminal_id="T001",
                                 out_dir=ctx.workdir / f"pdf-online-{kind}", printer_id="P001")
        service.sign_in(*CLERK)
        service.issue(_juminhyo(subjects[-1]))  # warm-up: fonts, forms, connection
        ms: list[float] = []
        for atena in subjects[:n]:
            t0 = time.perf_counter()
            outcome = service.issue(_juminhyo(atena))
            ms.append((time.perf_counter() - t0) * 1000)
            assert outcome.certificates and outcome.certificates[0].pdf_path is not None
        return [latency(f"request → PDF bytes online ({kind})", ms, ONLINE_PDF_MS,
                        notes="CounterService.issue: server issue over HTTP + render + PDF written; 住民票 1 copy")]

    rows = for_each_kind("request → PDF bytes online", one)
    terminal = _bcp_terminal(ctx)
    terminal.lease(n + 10)
    service = _bcp_service(ctx, terminal, ctx.workdir / "pdf-bcp")
    service.issue(_juminhyo(subjects[-2]))
    ms = []
    for atena in subjects[:n]:
        t0 = time.perf_counter()
        outcome = service.issue(_juminhyo(atena))
        ms.append((time.perf_counter() - t0) * 1000)
        assert outcome.certificates and outcome.certificates[0].pdf_path is not None
    rows.append(latency("request → PDF bytes in BCP mode", ms, BCP_PDF_MS,
                        notes="CounterService.issue on the replica: rules + leased serial + signature + outbox "
                              "write + render + PDF written"))
    return rows


def syncback(ctx: Context) -> list[Measurement]:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from client.outbox.push import BATCH_SIZE, OutboxPusher
    from server_stub.db import make_engine
    from server_stub.models import Issuance, IssuedCopy

    terminal = _bcp_terminal(ctx)
    target = ctx.sizes.syncback
    subjects = _subjects(ctx, min(2000, max(50, target // 5)))
    pending = terminal.outbox.count_pending()
    need = max(0, target - pending)
    left = need
    while left > 0:
        size = min(10_000, left)
        terminal.lease(size)
        left -= size
    t0 = time.perf_counter()
    cycle = itertools.cycle(subjects)
    for _ in range(need):
        terminal.issuer.issue(_juminhyo(next(cycle)), user_id=CLERK[0], printer_id="P001", now=datetime.now(UTC))
    prep = time.perf_counter() - t0
    total = terminal.outbox.count_pending()

    engine = make_engine(ctx.db_url("sqlite"))

    def server_counts() -> tuple[int, int, int]:
        with Session(engine) as s:
            n_iss = s.scalar(select(func.count()).select_from(Issuance).where(
                Issuance.mode == "bcp", Issuance.municipality_code == CITY)) or 0
            n_copies = s.scalar(select(func.count()).select_from(IssuedCopy).join(
                Issuance, Issuance.id == IssuedCopy.issuance_id).where(Issuance.mode == "bcp")) or 0
            distinct = s.scalar(select(func.count(func.distinct(IssuedCopy.serial))).select_from(IssuedCopy).where(
                IssuedCopy.municipality_code == CITY)) or 0
            return int(n_iss), int(n_copies), int(distinct)

    try:
        before = server_counts()
        t1 = time.perf_counter()
        result = OutboxPusher(terminal.outbox, terminal.remote).push(lambda: datetime.now(UTC))
        seconds = time.perf_counter() - t1
        after = server_counts()
        all_copies = _copies(engine)
    finally:
        engine.dispose()
    added = after[0] - before[0]
    still_pending = terminal.outbox.count_pending()
    lost = max(0, total - added) + still_pending
    duplicated = max(0, added - total) + (all_copies - after[2])  # extra rows, or copies sharing a serial
    notes = (f"{total:,} issuances pushed in batches of {BATCH_SIZE} (OutboxPusher default): stored {result.stored}, "
             f"duplicates {result.duplicates}, rejected {result.rejected}, conflicts {len(result.conflicts)}; "
             f"{total / seconds:,.0f}/s; preparing them offline took {prep:.0f} s ({need / max(prep, 1e-9):,.0f}/s)")
    return [
        Measurement(f"sync back {total:,} BCP issuances", round(seconds, 1), "s", SYNCBACK_S, notes=notes,
                    extra={"stored": result.stored, "duplicates": result.duplicates, "rejected": result.rejected,
                           "prep_seconds": prep, "pending_after": still_pending}),
        Measurement("sync back: lost", float(lost), "issuances", 0.0,
                    notes="outbox records without a server issuance afterwards (or still pending)"),
        Measurement("sync back: duplicated", float(duplicated), "issuances", 0.0,
                    notes="server BCP issuances beyond the records pushed, plus copies sharing a serial"),
    ]


def _copies(engine: Any) -> int:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from server_stub.models import IssuedCopy

    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(IssuedCopy).where(IssuedCopy.municipality_code == CITY))
                   or 0)
