"""Change feed: every data change writes a change_log row in the same transaction.

The replica pulls ``change_log`` rows with ``seq > cursor`` for its municipality; ``seq`` comes
from the ``change_seq`` counter and is strictly increasing per municipality.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from server_stub import counters
from server_stub.models import ChangeLogEntry

UPSERT = "upsert"
DELETE = "delete"
KINDS = (
    "municipality",
    "household",
    "resident",
    "seal",
    "tax",
    "support_measure",
    "suppression",
    "staff",
    "terminal",
    "form_parameter",
)


def record_change(session: Session, municipality_code: str, kind: str, key: str, op: str,
                  now: datetime) -> int:
    """Record one change; returns its seq."""
    return record_changes(session, municipality_code, [(kind, key, op)], now)[0]


def record_changes(session: Session, municipality_code: str, items: Sequence[tuple[str, str, str]],
                   now: datetime) -> list[int]:
    """Record many changes (kind, key, op) with consecutive seqs; returns the seqs."""
    if not items:
        return []
    for kind, _key, op in items:
        if kind not in KINDS or op not in (UPSERT, DELETE):
            raise ValueError(f"bad change record: {kind!r} {op!r}")
    first, _last = counters.take(session, municipality_code, counters.CHANGE_SEQ, len(items))
    rows: list[dict[str, Any]] = [
        {"municipality_code": municipality_code, "seq": first + i, "kind": kind, "key": key, "op": op, "at": now}
        for i, (kind, key, op) in enumerate(items)
    ]
    session.execute(insert(cast(Table, ChangeLogEntry.__table__)), rows)
    return [r["seq"] for r in rows]
