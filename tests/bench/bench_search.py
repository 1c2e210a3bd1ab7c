"""Search benchmarks: on the replica (and SQLCipher vs plain SQLite), and online incl. HTTP on the
SQLite and PostgreSQL servers, with one mixed list of queries a clerk types (kana prefix, full
kana, kanji name, birth date, address, 宛名番号) drawn from the seeded city."""

from __future__ import annotations

import random
import statistics
import time
from typing import Any

import httpx

from tests.bench.support import CITY, CLERK, Context, Measurement, for_each_kind, latency, ratio

REPLICA_P95_MS = 20.0
ONLINE_P95_MS = 100.0
CIPHER_RATIO = 1.3


def queries(ctx: Context, count: int = 60) -> list[tuple[str, str]]:
    """(kind, text) pairs from residents picked at random (fixed seed) in the seeded city."""
    if "queries" in ctx.cache:
        return list(ctx.cache["queries"])
    from sqlalchemy import create_engine, text

    engine = create_engine(ctx.db_url("sqlite"))
    try:
        with engine.connect() as conn:
            atenas = [r[0] for r in conn.execute(text(
                "SELECT atena_no FROM residents WHERE municipality_code = :c AND status = 'resident' "
                "ORDER BY atena_no"), {"c": CITY})]
            picked = random.Random(5).sample(atenas, min(count, len(atenas)))
            one = text("SELECT atena_no, name, kana, birth, address FROM residents "
                       "WHERE municipality_code = :c AND atena_no = :a")
            rows = [conn.execute(one, {"c": CITY, "a": a}).one() for a in picked]
    finally:
        engine.dispose()
    out: list[tuple[str, str]] = []
    for i, (atena, name, kana, birth, address) in enumerate(rows):
        kind = ("kana", "kana_full", "name", "birth", "address", "atena")[i % 6]
        if kind == "kana":
            out.append((kind, kana.split(" ")[0]))
        elif kind == "kana_full":
            out.append((kind, kana))
        elif kind == "name":
            out.append((kind, name))
        elif kind == "birth" and "?" not in birth:
            out.append((kind, birth))
        elif kind == "address":
            part = address.split("市", 1)[-1]
            out.append((kind, part.split("番")[0] + "番" if "番" in part else part))
        else:
            out.append(("atena", atena))
    ctx.cache["queries"] = out
    return list(out)


def latin_given_queries(ctx: Context, count: int = 8) -> list[str]:
    """Given names (lower case, as typed) of alphabet-named residents of the seeded city (issue 16)."""
    if "latin_queries" in ctx.cache:
        return list(ctx.cache["latin_queries"])
    from sqlalchemy import create_engine, text

    engine = create_engine(ctx.db_url("sqlite"))
    try:
        with engine.connect() as conn:
            names = [r[0] for r in conn.execute(text(
                "SELECT DISTINCT name FROM residents WHERE municipality_code = :c AND name_key >= 'A' "
                "AND name_key < '[' ORDER BY name"), {"c": CITY})]
    finally:
        engine.dispose()
    out = sorted({n.split(" ")[-1].lower() for n in names if " " in n})[:count]
    ctx.cache["latin_queries"] = out
    return list(out)


def _latin_rows(ctx: Context, run: Any, label: str, bar: float) -> list[Measurement]:
    """One latency row for the alphabet given-name search (``run(q)`` searches once)."""
    qs = latin_given_queries(ctx)
    if not qs:
        return []
    for q in qs:
        run(q)
    ms: list[float] = []
    for _ in range(_rounds(ctx, len(qs))):
        for q in qs:
            t0 = time.perf_counter()
            run(q)
            ms.append((time.perf_counter() - t0) * 1000)
    return [latency(label, ms, bar, notes=f"{len(qs)} given names of alphabet-named residents ({', '.join(qs)}); "
                                          "the Latin range of the name index, not a scan")]


def _per_kind(samples: list[tuple[str, float]]) -> dict[str, dict[str, float]]:
    from tests.bench.support import percentile

    kinds: dict[str, list[float]] = {}
    for kind, ms in samples:
        kinds.setdefault(kind, []).append(ms)
    return {k: {"p50": round(statistics.median(v), 2), "p95": round(percentile(v, 0.95), 2)}
            for k, v in kinds.items()}


def _rounds(ctx: Context, n_queries: int) -> int:
    return max(1, ctx.sizes.iterations // max(1, n_queries) + 1)


def replica_search(ctx: Context) -> list[Measurement]:
    from client.replica.search import ReplicaSearch
    from client.replica.store import ReplicaStore
    from tests.bench.bench_sync import ensure_replica

    data_dir = ensure_replica(ctx)
    qs = queries(ctx)
    store = ReplicaStore(data_dir, CITY, ctx.keystore())
    try:
        search = ReplicaSearch(store)
        hits = 0
        for _, q in qs:  # warm-up: page cache, statement cache, municipality name
            hits += len(search.search(q))
        samples: list[tuple[str, float]] = []
        for _ in range(_rounds(ctx, len(qs))):
            for kind, q in qs:
                t0 = time.perf_counter()
                search.search(q)
                samples.append((kind, (time.perf_counter() - t0) * 1000))
        ms = [s for _, s in samples]
        ctx.cache["replica_search_ms"] = ms
        rows = [latency(f"search on the replica ({ctx.sizes.city:,} residents, mixed queries)", ms, REPLICA_P95_MS,
                        notes=f"{len(qs)} queries × {len(ms) // len(qs)} rounds, {hits / len(qs):.1f} hits/query; "
                              "ReplicaSearch.search incl. classify and result decoding",
                        per_kind=_per_kind(samples))]
        rows += _latin_rows(ctx, search.search, f"search on the replica by an alphabet given name "
                                                f"({ctx.sizes.city:,} residents)", REPLICA_P95_MS)
        rows.append(_cipher_vs_plain(ctx, store, qs))
    finally:
        store.close()
    return rows


def _cipher_vs_plain(ctx: Context, store: Any, qs: list[tuple[str, str]]) -> Measurement:
    """The same queries through the same SQL on the SQLCipher replica and a plain export of it."""
    from client.local.secure_db import raw_connect
    from client.replica.search import ReplicaSearch
    from tests.bench.bench_sync import _plain_engine

    plain_path = ctx.workdir / "replica-plain.db"
    if plain_path.exists():
        plain_path.unlink()
    from client.local.secure_db import PROFILES, cipher_profile

    conn = raw_connect(store.path, store.key())
    try:
        conn.execute(f"ATTACH DATABASE '{plain_path}' AS plain KEY ''")
        # the plain copy gets the replica's page size: only the encryption differs
        conn.execute(f"PRAGMA plain.page_size = {PROFILES[cipher_profile(store.path) or 1][0]}")
        conn.execute("SELECT sqlcipher_export('plain')")
        conn.execute("DETACH DATABASE plain")
    finally:
        conn.close()
    plain = _plain_engine(plain_path)
    classified = [ReplicaSearch(store).classify(q) for _, q in qs]
    times: dict[str, list[float]] = {"cipher": [], "plain": []}
    try:
        with store.read() as cconn, plain.connect() as pconn:
            for c in (cconn, pconn):  # warm-up
                for q in classified:
                    ReplicaSearch._run(c, q, 50)
            for i in range(2):  # both orders once: address queries scan the whole table
                order = (("cipher", cconn), ("plain", pconn)) if i % 2 == 0 else (("plain", pconn), ("cipher", cconn))
                for name, c in order:
                    for q in classified:
                        t0 = time.perf_counter()
                        ReplicaSearch._run(c, q, 50)
                        times[name].append((time.perf_counter() - t0) * 1000)
    finally:
        plain.dispose()
    c_sum, p_sum = sum(times["cipher"]), sum(times["plain"])
    return ratio("SQLCipher vs plain SQLite: search", c_sum, p_sum, CIPHER_RATIO,
                 notes=f"mean {c_sum / len(times['cipher']):.2f} ms vs {p_sum / len(times['plain']):.2f} ms per query "
                       f"(interleaved, same SQL, warm cache)",
                 cipher_p95=round(statistics.quantiles(times["cipher"], n=20)[-1], 2),
                 plain_p95=round(statistics.quantiles(times["plain"], n=20)[-1], 2))


def online_search(ctx: Context) -> list[Measurement]:
    qs = queries(ctx)
    p50s: dict[str, float] = {}

    def one(kind: str) -> list[Measurement]:
        server = ctx.server(kind)
        with httpx.Client(base_url=server.base_url, timeout=30.0, trust_env=False) as client:
            r = client.post("/api/v1/auth/login", json={"municipality_code": CITY, "user_id": CLERK[0],
                                                         "password": CLERK[1], "terminal_id": "T001"})
            r.raise_for_status()
            client.headers["Authorization"] = f"Bearer {r.json()['token']}"
            for _, q in qs:
                client.get("/api/v1/residents/search", params={"q": q}).raise_for_status()
            samples: list[tuple[str, float]] = []
            for _ in range(_rounds(ctx, len(qs))):
                for qkind, q in qs:
                    t0 = time.perf_counter()
                    resp = client.get("/api/v1/residents/search", params={"q": q})
                    resp.json()
                    samples.append((qkind, (time.perf_counter() - t0) * 1000))
                    resp.raise_for_status()
            ms = [s for _, s in samples]
            p50s[kind] = statistics.median(ms)
            out = [latency(f"search online incl. HTTP ({kind})", ms, ONLINE_P95_MS,
                           notes="GET /api/v1/residents/search, one keep-alive client, sequential",
                           per_kind=_per_kind(samples))]
            out += _latin_rows(ctx, lambda q: client.get("/api/v1/residents/search", params={"q": q}).raise_for_status(),
                               f"search online by an alphabet given name incl. HTTP ({kind})", ONLINE_P95_MS)
        return out

    rows = for_each_kind("search online incl. HTTP", one)
    if "sqlite" in p50s and "postgresql" in p50s:
        rows.append(ratio("online search median: PostgreSQL vs SQLite server", p50s["postgresql"], p50s["sqlite"]))
    replica = ctx.cache.get("replica_search_ms")
    if replica and "sqlite" in p50s:
        rows.append(ratio("search median: replica vs online (SQLite server)", statistics.median(replica),
                          p50s["sqlite"], notes="below 1 means the replica answers faster"))
    return rows
