"""Pieces of the bootstrap pipeline: which kinds a page completes, and the prefetch thread."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from client.replica.schema import INDEXES, KIND_TABLES, _index_table
from client.replica.sync import PagePrefetcher, _completed_kinds


def _recs(*kinds: str) -> list[tuple[str, str, str, Any, str]]:
    return [(k, str(i), "upsert", None, "{}") for i, k in enumerate(kinds)]


def test_completed_kinds() -> None:
    assert _completed_kinds(_recs("resident", "resident"), last_page=False) == []
    assert _completed_kinds(_recs("resident", "resident"), last_page=True) == ["resident"]
    assert _completed_kinds(_recs("household", "resident", "resident"), last_page=False) == ["household"]
    assert _completed_kinds(_recs("municipality", "staff", "household"), last_page=False) == ["municipality", "staff"]
    dicts = [{"kind": "seal"}, {"kind": "tax"}]
    assert _completed_kinds(dicts, last_page=True) == ["seal", "tax"]
    assert _completed_kinds([], last_page=True) == []


def test_every_index_belongs_to_a_kind_table() -> None:
    tables = set(KIND_TABLES.values()) | {"resident_keys", "support_measure_persons"}
    assert {_index_table(ddl) for ddl in INDEXES} <= tables


def _pages(n: int) -> dict[str | None, dict[str, Any]]:
    cursors: list[str | None] = [None] + [f"c{i}" for i in range(1, n)]
    return {c: {"records": [c], "next_cursor": cursors[i + 1] if i + 1 < n else None}
            for i, c in enumerate(cursors)}


def test_prefetcher_yields_pages_in_order_and_stops_at_the_last() -> None:
    pages = _pages(30)
    with PagePrefetcher(lambda c: pages[c], "", depth=3) as prefetch:
        got = []
        while True:
            page = prefetch.next()
            got.append(page["records"][0])
            if not page["next_cursor"]:
                break
    assert got == list(pages)


def test_prefetcher_raises_the_fetch_error_after_the_good_pages() -> None:
    pages = _pages(5)

    def fetch(c: str | None) -> dict[str, Any]:
        if c == "c3":
            raise ConnectionError("line down")
        return pages[c]

    with PagePrefetcher(fetch, "", depth=8) as prefetch:
        assert [prefetch.next()["records"][0] for _ in range(3)] == [None, "c1", "c2"]
        with pytest.raises(ConnectionError, match="line down"):
            prefetch.next()


def test_leaving_early_stops_the_thread_even_when_the_queue_is_full() -> None:
    pages = _pages(100)
    calls = []

    def fetch(c: str | None) -> dict[str, Any]:
        calls.append(c)
        return pages[c]

    with PagePrefetcher(fetch, "", depth=2) as prefetch:
        prefetch.next()
        time.sleep(0.3)  # the thread fills the queue and blocks
    assert not any(t.name == "replica-prefetch" and t.is_alive() for t in threading.enumerate())
    assert len(calls) <= 5
