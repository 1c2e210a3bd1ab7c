"""An alphabet (foreign resident) name found by its given name reads the Latin range of the name
index, on the replica and on the server — not every resident of the municipality (issue 16).

The query plans are asserted (SQLite's EXPLAIN QUERY PLAN on the real schemas); the timings at
the 400,000 city are in docs/performance.md, not here.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.orm import Session

from client.domain.kana import name_search_keys
from client.domain.search_query import classify_query, name_search_key
from client.replica.schema import INDEXES, TABLES
from client.replica.search import _match_sql
from server_stub.models import Base
from server_stub.register.search import classify, search

LATIN = ["NGUYEN VAN AN", "REYES JOSE", "SANTOS MARIA CRUZ", "JOSEPH ANNA", "SMITH JOHN"]


def _replica() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    for stmt in TABLES:
        if "TABLE IF NOT EXISTS resident_keys" in stmt:
            conn.execute(stmt)
    for stmt in INDEXES:
        if "resident_keys" in stmt:
            conn.execute(stmt)
    rows = []
    for i in range(3000):  # Japanese residents: the name keys a clerk's given-name query must not read
        name, kana = f"山田{chr(0x4E00 + i)}", f"ヤマダ タロウ{i}"
        keys = name_search_keys(kana)
        rows.append((f"{i:08d}", "h", "resident", keys[0], keys[1], name_search_key(name), "", "東京都", "1980-01-01"))
    for i, name in enumerate(LATIN):
        kana = f"ラテン {i}"
        keys = name_search_keys(kana)
        rows.append((f"9{i:07d}", "h", "resident", keys[0], keys[1], name_search_key(name), "", "東京都", "1990-01-01"))
    conn.executemany("INSERT INTO resident_keys VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("ANALYZE")
    return conn


def test_replica_given_name_search_reads_only_the_latin_range_of_the_name_index() -> None:
    conn = _replica()
    sql, params = _match_sql(classify_query("jose"), 50)
    found = [k for (k,) in conn.execute(sql, params)]
    assert sorted(found) == ["90000001", "90000003"]  # REYES JOSE, JOSEPH ANNA — any case typed
    plan = [row[-1] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
    reads = [p for p in plan if "resident_keys" in p]
    assert reads and all(p.startswith("SEARCH") for p in reads), plan  # no SCAN of every resident
    assert sum("ix_residents_name (name_key>? AND name_key<?)" in p for p in reads) == 2, plan
    # a middle or last given name is found too, and a Japanese name is not a Latin name
    for q, want in (("an", {"90000000", "90000003"}), ("cruz", {"90000002"}), ("Smith John", {"90000004"})):
        sql, params = _match_sql(classify_query(q), 50)
        assert {k for (k,) in conn.execute(sql, params)} >= want, q


def test_server_given_name_search_reads_only_the_latin_range_of_the_name_index() -> None:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    statements: list[tuple[str, Any]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if "FROM residents" in statement and not statement.startswith("EXPLAIN"):
            statements.append((statement, parameters))

    with Session(engine) as session:
        assert search(session, "132403", classify("jose"), 50) == []
        statement, parameters = statements[0]
        plan = [row[-1] for row in session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
    engine.dispose()
    reads = [p for p in plan if "residents" in p]
    assert reads and all(p.startswith("SEARCH") for p in reads), plan
    # the name prefix and the given-name part both read a name_key range, never the whole municipality
    ranges = [p for p in reads if "name_key>? AND name_key<?" in p and "alias" not in p]
    assert len(ranges) == 2, plan
    assert not [p for p in reads if p.endswith("(municipality_code=?)")], plan
