"""The access log: append-only and hash-chained per municipality.

Each entry stores ``entry_hash = sha256(prev_hash + canonical_json(entry))`` where the first entry's
``prev_hash`` is 64 zeros. :func:`verify_chain` finds the first broken link: an edited entry (hash
mismatch), a deleted entry (seq gap or prev_hash mismatch) or a deleted tail (the access_seq
counter is ahead of the last entry).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server_stub import counters
from server_stub.models import AccessLogEntry

GENESIS = "0" * 64


def _ts(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds")


def canonical(entry: AccessLogEntry) -> bytes:
    data: dict[str, Any] = {
        "municipality_code": entry.municipality_code,
        "seq": int(entry.seq),
        "at": _ts(entry.at),
        "user_id": entry.user_id,
        "terminal_id": entry.terminal_id,
        "action": entry.action,
        "subject": entry.subject,
        "mode": entry.mode,
        "outcome": entry.outcome,
        "my_number_shown": bool(entry.my_number_shown),
        "seal_printed": bool(entry.seal_printed),
        "issue_numbers": entry.issue_numbers,
        "detail": entry.detail_json,
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def entry_hash(prev_hash: str, entry: AccessLogEntry) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical(entry)).hexdigest()


def append(
    session: Session,
    municipality_code: str,
    *,
    now: datetime,
    user_id: str,
    terminal_id: str,
    action: str,
    subject: str = "",
    mode: str = "online",
    outcome: str = "ok",
    my_number_shown: bool = False,
    seal_printed: bool = False,
    issue_numbers: list[str] | tuple[str, ...] = (),
    detail: dict[str, Any] | None = None,
) -> AccessLogEntry:
    """Append an entry in the caller's (write) transaction. Take it last: after other counters."""
    seq, _ = counters.take(session, municipality_code, counters.ACCESS_SEQ, 1)
    prev = GENESIS
    if seq > 1:
        prev_hash = session.execute(
            select(AccessLogEntry.entry_hash).where(
                AccessLogEntry.municipality_code == municipality_code, AccessLogEntry.seq == seq - 1
            )
        ).scalar_one_or_none()
        prev = prev_hash or GENESIS  # a missing predecessor is caught by verify_chain
    entry = AccessLogEntry(
        municipality_code=municipality_code,
        seq=seq,
        at=now.astimezone(UTC) if now.tzinfo else now,
        user_id=user_id[:64],
        terminal_id=terminal_id[:64],
        action=action,
        subject=subject[:200],
        mode=mode,
        outcome=outcome[:32],
        my_number_shown=my_number_shown,
        seal_printed=seal_printed,
        issue_numbers=",".join(issue_numbers),
        detail_json=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
        prev_hash=prev,
    )
    entry.entry_hash = entry_hash(prev, entry)
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class BrokenLink:
    """Where the chain breaks: the seq of the first entry that does not check out, and why."""

    seq: int
    reason: str  # hash_mismatch | prev_hash_mismatch | missing_entry | missing_tail


def verify_chain(session: Session, municipality: str) -> BrokenLink | None:
    """Walk the municipality's chain from the start; the first broken link, or None when intact."""
    expected_seq = 1
    prev = GENESIS
    stmt = (
        select(AccessLogEntry)
        .where(AccessLogEntry.municipality_code == municipality)
        .order_by(AccessLogEntry.seq)
        .execution_options(yield_per=2000)
    )
    for entry in session.scalars(stmt):
        if entry.seq != expected_seq:
            return BrokenLink(expected_seq, "missing_entry")
        if entry.prev_hash != prev:
            return BrokenLink(entry.seq, "prev_hash_mismatch")
        if entry_hash(prev, entry) != entry.entry_hash:
            return BrokenLink(entry.seq, "hash_mismatch")
        prev = entry.entry_hash
        expected_seq += 1
    if counters.current(session, municipality, counters.ACCESS_SEQ) >= expected_seq:
        return BrokenLink(expected_seq, "missing_tail")
    return None
