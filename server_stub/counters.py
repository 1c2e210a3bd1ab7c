"""Per-municipality counters taken inside the caller's transaction.

``UPDATE counters SET value = value + n ... RETURNING value`` holds the row lock (PostgreSQL) or
runs under the writer lock taken by ``BEGIN IMMEDIATE`` (SQLite) until the transaction ends, so
concurrent processes get disjoint, gap-free ranges; a rolled-back transaction gives its range back.
Lock order, to avoid deadlocks: issue_serial → change_seq → access_seq.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from server_stub.models import Counter

ISSUE_SERIAL = "issue_serial"
CHANGE_SEQ = "change_seq"
ACCESS_SEQ = "access_seq"
ALL_COUNTERS = (ISSUE_SERIAL, CHANGE_SEQ, ACCESS_SEQ)


class CounterMissingError(LookupError):
    """The municipality has no such counter (not created through tenants.create_municipality)."""


def create_counters(session: Session, municipality_code: str) -> None:
    session.execute(
        insert(cast(Table, Counter.__table__)),
        [{"municipality_code": municipality_code, "name": n, "value": 0} for n in ALL_COUNTERS],
    )


def take(session: Session, municipality_code: str, name: str, n: int = 1) -> tuple[int, int]:
    """Advance the counter by ``n`` (≥ 1) and return the range ``(first, last)`` handed out."""
    if n < 1:
        raise ValueError(f"counter step must be positive, got {n}")
    table = cast(Table, Counter.__table__)
    stmt = (
        update(table)
        .where(table.c.municipality_code == municipality_code, table.c.name == name)
        .values(value=table.c.value + n)
        .returning(table.c.value)
    )
    last = session.execute(stmt).scalar_one_or_none()
    if last is None:
        raise CounterMissingError(f"no counter {name!r} for municipality {municipality_code}")
    return int(last) - n + 1, int(last)


def current(session: Session, municipality_code: str, name: str) -> int:
    """The last value handed out (0 when none)."""
    value = session.execute(
        select(Counter.value).where(Counter.municipality_code == municipality_code, Counter.name == name)
    ).scalar_one_or_none()
    return int(value or 0)
