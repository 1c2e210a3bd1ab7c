"""Replica benchmarks: bootstrap of the city (time, peak RSS), delta sync of 1,000 changes, bytes
on the wire (delta vs snapshot, wire vs gzip of the same rows) and SQLCipher vs plain SQLite apply.

The bootstrap runs in a fresh client process (``worker_bootstrap``) so its peak RSS is the whole
client's, read with ``wait4``; the replica it builds is kept for the search and BCP benchmarks.
"""

from __future__ import annotations

import gzip
import inspect
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.bench.support import CITY, REPO, TOWN, Context, CountingTransport, Measurement, ratio

BOOTSTRAP_S = 30.0
BOOTSTRAP_RSS_MB = 400.0
DELTA_S = 2.0
CIPHER_RATIO = 1.3


def run_bootstrap_worker(ctx: Context, data_dir: Path, code: str = CITY) -> tuple[dict[str, Any], float]:
    """Bootstrap ``code`` into ``data_dir`` in a child process; returns (its JSON, peak RSS in MB)."""
    server = ctx.server("sqlite")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.bench.worker_bootstrap", server.base_url, str(data_dir),
         str(ctx.keyring_path), code],
        cwd=str(REPO), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"bootstrap worker failed ({proc.returncode}): {err.decode(errors='replace')[-2000:]}")
    return json.loads(out.decode().strip().splitlines()[-1]), usage.ru_maxrss / 1024.0


def ensure_replica(ctx: Context) -> Path:
    """The city's replica (built by the bootstrap benchmark, or now, unmeasured)."""
    if ctx.replica_dir is None:
        data_dir = ctx.workdir / "terminal"
        result, rss = run_bootstrap_worker(ctx, data_dir)
        ctx.cache["bootstrap"] = {**result, "rss_mb": rss}
        ctx.replica_dir = data_dir
    return ctx.replica_dir


def bootstrap(ctx: Context) -> list[Measurement]:
    if ctx.replica_dir is not None:
        raise RuntimeError("the replica was already built by another benchmark")
    ensure_replica(ctx)
    r = ctx.cache["bootstrap"]
    n = ctx.sizes.city
    return [
        Measurement(f"replica bootstrap, {n:,} residents over loopback", round(r["seconds"], 1), "s", BOOTSTRAP_S,
                    notes=f"{r['records']:,} records in {r['pages']} pages, {r['records'] / r['seconds']:,.0f} "
                          f"records/s; server SQLite on the same 2 cores", extra=r),
        Measurement("replica bootstrap: peak client RSS", round(r["rss_mb"], 1), "MB", BOOTSTRAP_RSS_MB,
                    notes="whole client process (interpreter + SQLAlchemy + SQLCipher), ru_maxrss via wait4"),
        Measurement("replica snapshot bytes on the wire (gzip)", round(r["wire_bytes"] / 1e6, 2), "MB",
                    notes=f"{r['wire_bytes'] / max(1, r['records']):.0f} bytes/record"),
    ]


def delta(ctx: Context) -> list[Measurement]:
    from client.replica.store import ReplicaStore
    from client.replica.sync import ReplicaSync
    from tests.faults.replica_support import ServerMutator

    data_dir = ensure_replica(ctx)
    n = ctx.sizes.delta_changes
    server = ctx.server("sqlite")
    mutator = ServerMutator(ctx.db_url("sqlite"), CITY, seed_value=11)
    try:
        atenas = mutator.atena_nos(limit=max(n * 5, 5000))
        picked = mutator.rng.sample(atenas, min(n, len(atenas)))
        for i, atena in enumerate(picked):
            mutator.update_address(atena, f"東京都桜ヶ丘市本町{1 + i % 5}丁目{1 + i % 30}番{1 + i % 20}号")
    finally:
        mutator.close()
    transport = CountingTransport()
    remote = ctx.login(server.base_url, transport=transport)
    store = ReplicaStore(data_dir, CITY, ctx.keystore())
    try:
        sync = ReplicaSync(store, remote)
        before = transport.received
        t0 = time.perf_counter()
        result = sync.pull()
        seconds = time.perf_counter() - t0
        delta_bytes = transport.received - before
        t1 = time.perf_counter()
        noop = sync.pull()
        noop_s = time.perf_counter() - t1
        noop_bytes = transport.received - before - delta_bytes
    finally:
        store.close()
        remote.close()
    if result.applied < n:
        raise RuntimeError(f"delta applied {result.applied} of {n} changes")
    snapshot_bytes = ctx.cache.get("bootstrap", {}).get("wire_bytes")
    rows = [
        Measurement(f"delta sync, {n:,} changes", round(seconds, 2), "s", DELTA_S,
                    notes=f"{result.applied} records in {result.pages} pages, {delta_bytes / 1e3:.0f} kB; "
                          f"a no-op poll afterwards: {noop_s * 1000:.0f} ms, {noop_bytes} bytes ({noop.action})",
                    extra={"bytes": delta_bytes, "noop_bytes": noop_bytes, "noop_seconds": noop_s}),
    ]
    if snapshot_bytes:
        rows.append(ratio(f"delta ({n:,} changes) vs full snapshot bytes", delta_bytes, snapshot_bytes,
                          notes=f"{delta_bytes / 1e3:.0f} kB vs {snapshot_bytes / 1e6:.1f} MB",
                          delta_bytes=delta_bytes, snapshot_bytes=snapshot_bytes))
    return rows


# ---------------------------------------------------------------------------------------------
# Wire bytes vs gzip, SQLCipher vs plain SQLite apply (on the town: the same pages both ways)
# ---------------------------------------------------------------------------------------------


def _town_pages(ctx: Context) -> tuple[list[list[dict[str, Any]]], int]:
    """The town's snapshot pages as the client pages through them (same endpoint, same page size,
    gzip accepted), and their bytes on the wire."""
    from client.replica.sync import DEFAULT_PAGE_SIZE

    server = ctx.town_server()
    transport = CountingTransport()
    remote = ctx.login(server.base_url, code=TOWN, transport=transport)
    pages: list[list[dict[str, Any]]] = []
    try:
        before = transport.received
        cursor: str | None = None
        while True:
            page = remote.replica_snapshot(cursor, DEFAULT_PAGE_SIZE)
            pages.append(page["records"])
            cursor = page.get("next_cursor")
            if not cursor:
                break
        wire = transport.received - before
    finally:
        remote.close()
    return pages, wire


def _plain_engine(path: Path) -> Any:
    """A plain (unencrypted) SQLite file through the same sqlcipher3 library and pragmas, with the
    page size and page cache of the SQLCipher files (cipher profile 2): only the encryption differs."""
    from sqlalchemy import create_engine, event
    from sqlcipher3 import dbapi2

    from client.local.secure_db import CACHE_PAGES, NEW_PROFILE, PROFILES

    def creator() -> Any:
        conn = dbapi2.connect(str(path), timeout=30, check_same_thread=False, isolation_level=None)
        conn.execute(f"PRAGMA page_size = {PROFILES[NEW_PROFILE][0]}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(f"PRAGMA cache_size = {CACHE_PAGES}")
        return conn

    engine = create_engine("sqlite://", module=dbapi2, creator=creator)

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


def _apply_all(engine: Any, pages: list[list[dict[str, Any]]]) -> tuple[float, float]:
    """Load the pages into an empty replica schema the way a bootstrap does (the raw-page bulk
    path when the client has one) and index it; then re-apply them record by record as the change
    feed does (upserts on indexed tables). Returns (load + index seconds, re-apply seconds)."""
    from client.replica import apply as apply_mod
    from client.replica.schema import create_indexes, create_tables

    raw_pages = [json.dumps(p, ensure_ascii=False, separators=(",", ":")) for p in pages]
    bulk = getattr(apply_mod, "apply_raw_snapshot", None)
    # the bootstrap applies snapshot pages with unique=True (no dedupe) where the client has it
    unique = {"unique": True} if "unique" in inspect.signature(apply_mod.apply_records).parameters else {}
    t0 = time.perf_counter()
    with engine.begin() as conn:
        create_tables(conn)
    for records, raw in zip(pages, raw_pages, strict=True):
        with engine.begin() as conn:
            if bulk is not None:
                bulk(conn, raw)
            else:
                apply_mod.apply_records(conn, records, **unique)
    with engine.begin() as conn:
        create_indexes(conn)
    load = time.perf_counter() - t0
    t1 = time.perf_counter()
    for records in pages:
        with engine.begin() as conn:
            apply_mod.apply_records(conn, records)
    return load, time.perf_counter() - t1


def wire_and_apply(ctx: Context) -> list[Measurement]:
    from client.local.secure_db import open_encrypted

    pages, wire = _town_pages(ctx)
    records = [r for page in pages for r in page]
    body = json.dumps(records, ensure_ascii=False, separators=(",", ":")).encode()
    gz6 = len(gzip.compress(body, compresslevel=6))
    gz9 = len(gzip.compress(body, compresslevel=9))
    rows = [
        ratio("bytes on the wire vs gzip -6 of the same rows (town snapshot)", wire, gz6,
              notes=f"wire {wire / 1e3:.0f} kB (gzip -1 per page of {len(pages)}), gzip -6 of all rows "
                    f"{gz6 / 1e3:.0f} kB, gzip -9 {gz9 / 1e3:.0f} kB, raw JSON {len(body) / 1e3:.0f} kB",
              wire=wire, gzip6=gz6, gzip9=gz9, raw=len(body), records=len(records)),
    ]
    loads: dict[str, list[float]] = {"cipher": [], "plain": []}
    reapply: dict[str, list[float]] = {"cipher": [], "plain": []}
    rounds = 2 if ctx.quick else 7  # a town load takes 0.1 s: take the best of several
    for i in range(rounds):
        for kind in ("cipher", "plain") if i % 2 == 0 else ("plain", "cipher"):
            path = ctx.workdir / f"apply-{kind}-{i}.db"
            engine = (open_encrypted(path, os.urandom(32), create=True) if kind == "cipher"
                      else _plain_engine(path))
            try:
                load, again = _apply_all(engine, pages)
            finally:
                engine.dispose()
            loads[kind].append(load)
            reapply[kind].append(again)
    best = {k: min(v) for k, v in loads.items()}
    best_again = {k: min(v) for k, v in reapply.items()}
    rows.append(ratio("SQLCipher vs plain SQLite: apply snapshot (load + index)", best["cipher"], best["plain"],
                      CIPHER_RATIO, notes=f"{len(records):,} records: {best['cipher']:.2f} s vs "
                                          f"{best['plain']:.2f} s (best of {rounds}, same sqlcipher3 library)",
                      cipher=loads["cipher"], plain=loads["plain"]))
    rows.append(ratio("SQLCipher vs plain SQLite: re-apply as upserts (delta-like)", best_again["cipher"],
                      best_again["plain"], CIPHER_RATIO,
                      notes=f"{best_again['cipher']:.2f} s vs {best_again['plain']:.2f} s",
                      cipher=reapply["cipher"], plain=reapply["plain"]))
    return rows


def cipher_owner(ctx: Context) -> list[Measurement]:
    """The replica owner's SQLCipher-vs-plain measurement (tests/bench/bench_replica.py), wrapped:
    the first city pages applied with the indexes in place (steady state), then 300 searches."""
    from tests.bench.bench_replica import bench_cipher_ratio

    pages = 4 if ctx.quick else 40
    r = bench_cipher_ratio(ctx.server("sqlite"), ctx.workdir / "cipher-owner", pages=pages)
    n = r["records"]
    return [
        ratio(f"SQLCipher vs plain SQLite: apply {n:,} city records, indexes in place (bench_replica)",
              r["sqlcipher_apply_s"], r["plain_apply_s"], CIPHER_RATIO,
              notes=f"{r['sqlcipher_apply_s']:.2f} s vs {r['plain_apply_s']:.2f} s (best of 3, fresh files); plain = "
                    "stdlib sqlite3 with the same page size and cache", **{k: v for k, v in r.items() if k.endswith("_s")}),
        ratio(f"SQLCipher vs plain SQLite: load {n:,} city records + build the indexes (bench_replica)",
              r["sqlcipher_load_s"], r["plain_load_s"], CIPHER_RATIO,
              notes=f"{r['sqlcipher_load_s']:.1f} s vs {r['plain_load_s']:.1f} s; empty files, the bootstrap's "
                    "order (pages, then indexes); same page size and cache"),
        ratio("SQLCipher vs plain SQLite: search p95 (bench_replica)", r["sqlcipher_search"]["p95_ms"],
              r["plain_search"]["p95_ms"], CIPHER_RATIO,
              notes=f"{r['sqlcipher_search']['p95_ms']:.2f} ms vs {r['plain_search']['p95_ms']:.2f} ms p95, "
                    "300 queries", sqlcipher=r["sqlcipher_search"], plain=r["plain_search"]),
    ]
