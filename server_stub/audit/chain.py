"""The access log: append-only, hash-chained per municipality, sealed in batches.

Each entry stores ``entry_hash = sha256(prev_hash + canonical_json(entry))`` where the first entry's
``prev_hash`` is 64 zeros. Entries are *accepted* and then *sequenced* (docs/audit-log.md):

- :func:`append` accepts an entry in the caller's write transaction (an issuance, an enrolment, an
  uploaded BCP log): one row in ``access_log_pending``, durable with the action, without the
  chain's lock. After the commit the session's ``after_commit`` hook has it sealed (by the
  process's :class:`~server_stub.audit.writer.LogWriter`, or inline) before the request answers.
- :func:`record` logs a read (search, view, evaluate): the entry goes straight to the group
  commit of the LogWriter, which seals it with every other entry waiting, in one short write
  transaction; the request answers when that transaction has committed.
- :func:`seal` is the sequencer: under the ``access_seq`` counter's lock it gives the pending
  entries (in acceptance order) and the group's entries their seq numbers, chains them, writes them
  to ``access_log``, deletes the pending rows and writes a batch head (``access_log_batches``:
  range, last entry hash, previous head's hash, Ed25519 signature of the municipality key).

:func:`verify_chain` finds the first broken link: an edited entry (hash mismatch), a deleted entry
(seq gap or prev_hash mismatch), a reordered pair (hash mismatch: the seq is hashed), a deleted tail
(the counter or the last batch head is ahead of the last entry), and a batch head that does not
match its entries or its predecessor.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from server_stub import counters
from server_stub.models import AccessLogBatch, AccessLogEntry, AccessLogPending, Counter, Municipality

GENESIS = "0" * 64
PENDING_KEY = "mdg_audit_pending"  # Session.info: municipality codes with entries accepted in this transaction
WRITER_KEY = "mdg_log_writer"  # Session.info (set by the app's sessionmaker): the process's LogWriter

_log = cast(Table, AccessLogEntry.__table__)
_pending = cast(Table, AccessLogPending.__table__)
_batches = cast(Table, AccessLogBatch.__table__)
_counters = cast(Table, Counter.__table__)
_munis = cast(Table, Municipality.__table__)

ENTRY_FIELDS = ("at", "user_id", "terminal_id", "action", "subject", "mode", "outcome", "my_number_shown",
                "seal_printed", "issue_numbers", "detail_json")


def _ts(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds")


def _canonical(code: str, seq: int, v: Mapping[str, Any]) -> bytes:
    data: dict[str, Any] = {
        "municipality_code": code,
        "seq": int(seq),
        "at": _ts(v["at"]),
        "user_id": v["user_id"],
        "terminal_id": v["terminal_id"],
        "action": v["action"],
        "subject": v["subject"],
        "mode": v["mode"],
        "outcome": v["outcome"],
        "my_number_shown": bool(v["my_number_shown"]),
        "seal_printed": bool(v["seal_printed"]),
        "issue_numbers": v["issue_numbers"],
        "detail": v["detail_json"],
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def canonical(entry: AccessLogEntry) -> bytes:
    return _canonical(entry.municipality_code, entry.seq, {f: getattr(entry, f) for f in ENTRY_FIELDS})


def entry_hash(prev_hash: str, entry: AccessLogEntry) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical(entry)).hexdigest()


def _hash_values(prev_hash: str, code: str, seq: int, v: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + _canonical(code, seq, v)).hexdigest()


def entry_values(
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
    issue_numbers: Sequence[str] = (),
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The stored fields of an entry (everything but the municipality, seq and hashes)."""
    return {
        "at": now.astimezone(UTC) if now.tzinfo else now,
        "user_id": user_id[:64],
        "terminal_id": terminal_id[:64],
        "action": action,
        "subject": subject[:200],
        "mode": mode,
        "outcome": outcome[:32],
        "my_number_shown": my_number_shown,
        "seal_printed": seal_printed,
        "issue_numbers": ",".join(issue_numbers),
        "detail_json": json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
    }


def append(session: Session, municipality_code: str, **fields: Any) -> None:
    """Accept an entry in the caller's write transaction (durable with it; no chain lock).

    It is sealed into the chain after the commit (see the module doc); a rollback drops it with
    the action it recorded. Fields: those of :func:`entry_values`.
    """
    session.execute(insert(_pending), [{"municipality_code": municipality_code, **entry_values(**fields)}])
    session.info.setdefault(PENDING_KEY, set()).add(municipality_code)


def record(session: Session, municipality_code: str, **fields: Any) -> None:
    """Log a read-only request's entry; returns once the entry is durable (and sealed).

    Ends the session's (read) transaction first. With the process's LogWriter the entry joins the
    next group commit; without one (CLI, tests) it is written in a transaction of its own.
    """
    from server_stub.db import begin_write

    session.rollback()
    writer = session.info.get(WRITER_KEY)
    if writer is not None:
        writer.record(municipality_code, entry_values(**fields))
        return
    begin_write(session)
    append(session, municipality_code, **fields)
    session.commit()


# ---------------------------------------------------------------------------------------------
# The sequencer
# ---------------------------------------------------------------------------------------------

_LOCK_COUNTER = (update(_counters).where(_counters.c.municipality_code == bindparam("code"),
                                         _counters.c.name == counters.ACCESS_SEQ)
                 .values(value=_counters.c.value).returning(_counters.c.value))
_TAKE = (update(_counters).where(_counters.c.municipality_code == bindparam("code"),
                                 _counters.c.name == counters.ACCESS_SEQ)
         .values(value=_counters.c.value + bindparam("n")).returning(_counters.c.value))
_PENDING_ROWS = (select(_pending.c.id, *(_pending.c[f] for f in ENTRY_FIELDS))
                 .where(_pending.c.municipality_code == bindparam("code")).order_by(_pending.c.id))
_HASH_AT = select(_log.c.entry_hash).where(_log.c.municipality_code == bindparam("code"),
                                           _log.c.seq == bindparam("seq"))
_KEY = select(_munis.c.signing_private_key).where(_munis.c.code == bindparam("code"))
# The last head and the signing key in one statement (the key is still read every round).
_LAST_BATCH = (select(_batches.c.batch_no, _batches.c.batch_hash, _batches.c.last_seq, _batches.c.last_entry_hash,
                      _KEY.scalar_subquery().label("signing_key"))
               .where(_batches.c.municipality_code == bindparam("code"))
               .order_by(_batches.c.batch_no.desc()).limit(1))


def _signing_key(conn: Connection, code: str) -> bytes:
    """Read each round (one primary-key read; nothing about keys is kept in process memory)."""
    return bytes(conn.execute(_KEY, {"code": code}).scalar_one())


def batch_head_text(code: str, batch_no: int, first_seq: int, last_seq: int, last_entry_hash: str,
                    prev_batch_hash: str, sealed_at: datetime) -> bytes:
    return (f"madoguchi-access-log-batch|{code}|{batch_no}|{first_seq}|{last_seq}|{last_entry_hash}|"
            f"{prev_batch_hash}|{_ts(sealed_at)}").encode("ascii")


def batch_hash_of(code: str, batch_no: int, first_seq: int, last_seq: int, last_entry_hash: str,
                  prev_batch_hash: str, sealed_at: datetime) -> str:
    return hashlib.sha256(batch_head_text(code, batch_no, first_seq, last_seq, last_entry_hash, prev_batch_hash,
                                          sealed_at)).hexdigest()


@functools.lru_cache(maxsize=64)
def _private(raw: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(raw)


def head_row(code: str, batch_no: int, first_seq: int, last_seq: int, last_entry_hash: str, prev_batch_hash: str,
             sealed_at: datetime, private_key: bytes) -> dict[str, Any]:
    """A batch head row, hashed and signed."""
    digest = batch_hash_of(code, batch_no, first_seq, last_seq, last_entry_hash, prev_batch_hash, sealed_at)
    signature = _private(private_key).sign(digest.encode("ascii"))
    return {"municipality_code": code, "batch_no": batch_no, "first_seq": first_seq, "last_seq": last_seq,
            "last_entry_hash": last_entry_hash, "prev_batch_hash": prev_batch_hash, "batch_hash": digest,
            "signature": base64.b64encode(signature).decode("ascii"), "sealed_at": sealed_at}


def seal(conn: Connection, code: str, now: datetime, extra: Iterable[Mapping[str, Any]] = ()) -> int:
    """Sequence the municipality's pending entries, then ``extra`` (entries given directly), as one batch.

    The caller has begun a write transaction on ``conn`` (BEGIN IMMEDIATE on SQLite) and commits.
    The ``access_seq`` counter row is locked first, so sealers of one municipality take turns
    (on PostgreSQL a waiting sealer's next read sees the pending rows the previous one deleted).
    Returns the number of entries sealed.

    On SQLite the transaction's BEGIN IMMEDIATE already holds the database's only write lock, so
    the counter row is not locked separately (one statement less per round); the missing-counter
    check then comes with the take.
    """
    sqlite = conn.dialect.name == "sqlite"
    if not sqlite and conn.execute(_LOCK_COUNTER, {"code": code}).scalar_one_or_none() is None:
        raise counters.CounterMissingError(f"no counter access_seq for municipality {code}")
    pending = conn.execute(_PENDING_ROWS, {"code": code}).mappings().all()
    items: list[Mapping[str, Any]] = [*cast("Sequence[Mapping[str, Any]]", pending), *extra]
    if not items:
        return 0
    taken = conn.execute(_TAKE, {"code": code, "n": len(items)}).scalar_one_or_none()
    if taken is None:
        raise counters.CounterMissingError(f"no counter access_seq for municipality {code}")
    last = int(taken)
    first = last - len(items) + 1
    last_batch = conn.execute(_LAST_BATCH, {"code": code}).first()
    prev = GENESIS
    if last_batch is not None and int(last_batch.last_seq) == first - 1:
        prev = last_batch.last_entry_hash  # the usual case: the previous batch ends where this one starts
    elif first > 1:  # entries chained one by one before the batches (or by an older server version)
        prev = conn.execute(_HASH_AT, {"code": code, "seq": first - 1}).scalar_one_or_none() or GENESIS
    rows = []
    for i, item in enumerate(items):
        values = {f: item[f] for f in ENTRY_FIELDS}
        digest = _hash_values(prev, code, first + i, values)
        rows.append({"municipality_code": code, "seq": first + i, **values, "prev_hash": prev, "entry_hash": digest})
        prev = digest
    conn.execute(insert(_log), rows)
    if pending:
        conn.execute(delete(_pending).where(_pending.c.id.in_([p["id"] for p in pending])))
    batch_no, prev_batch_hash = (int(last_batch.batch_no) + 1, last_batch.batch_hash) if last_batch else (1, GENESIS)
    key = bytes(last_batch.signing_key) if last_batch is not None else _signing_key(conn, code)
    conn.execute(insert(_batches), [head_row(code, batch_no, first, last, prev, prev_batch_hash,
                                             now.astimezone(UTC), key)])
    return len(items)


def codes_with_pending(conn: Connection) -> list[str]:
    return [c for (c,) in conn.execute(select(_pending.c.municipality_code).distinct())]


def seal_all(engine: Any, now: datetime, codes: Iterable[str] | None = None) -> int:
    """Seal the pending entries of ``codes`` (default: every municipality with some), one write
    transaction. Used after a commit without a LogWriter, by the LogWriter's sweep (entries a
    killed process accepted but did not seal) and by ``audit verify``."""
    from server_stub.db import IMMEDIATE_OPTION

    with engine.connect() as probe:
        wanted = sorted(set(codes) if codes is not None else codes_with_pending(probe))
        probe.rollback()
    if not wanted:
        return 0
    with engine.connect() as raw:
        conn = raw.execution_options(**{IMMEDIATE_OPTION: True})
        with conn.begin():
            return sum(seal(conn, code, now) for code in wanted)


def pending_count(session: Session, municipality: str) -> int:
    return int(session.execute(select(func.count()).select_from(_pending).where(
        _pending.c.municipality_code == municipality)).scalar_one())


# ---------------------------------------------------------------------------------------------
# Verification
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BrokenLink:
    """Where the chain breaks: the seq of the first entry that does not check out, and why."""

    seq: int
    reason: str  # hash_mismatch | prev_hash_mismatch | missing_entry | missing_tail | batch_mismatch | unsealed_entry


def _batch_problem(session: Session, municipality: str, last_hashes: dict[int, str], last_seq: int
                   ) -> BrokenLink | None:
    """Check the batch heads against each other and against the entries' hashes."""
    public = session.execute(select(Municipality.signing_public_key).where(
        Municipality.code == municipality)).scalar_one_or_none()
    key = Ed25519PublicKey.from_public_bytes(bytes(public)) if public else None
    expected_no, expected_first, prev = 1, 1, GENESIS
    heads = session.scalars(select(AccessLogBatch).where(AccessLogBatch.municipality_code == municipality)
                            .order_by(AccessLogBatch.batch_no))
    for head in heads:
        at = head.first_seq
        if head.batch_no != expected_no or head.first_seq != expected_first or head.last_seq < head.first_seq:
            return BrokenLink(at, "batch_mismatch")
        if head.prev_batch_hash != prev:
            return BrokenLink(at, "batch_mismatch")
        digest = batch_hash_of(municipality, head.batch_no, head.first_seq, head.last_seq, head.last_entry_hash,
                               head.prev_batch_hash, head.sealed_at)
        if digest != head.batch_hash:
            return BrokenLink(head.last_seq, "batch_mismatch")
        try:
            if key is None:
                raise InvalidSignature
            key.verify(base64.b64decode(head.signature), digest.encode("ascii"))
        except (InvalidSignature, ValueError):
            return BrokenLink(head.last_seq, "batch_mismatch")
        actual = last_hashes.get(head.last_seq)
        if actual is None:
            return BrokenLink(head.last_seq, "missing_tail")
        if actual != head.last_entry_hash:
            return BrokenLink(head.last_seq, "batch_mismatch")
        expected_no, expected_first, prev = head.batch_no + 1, head.last_seq + 1, head.batch_hash
    return None if expected_first > last_seq else BrokenLink(expected_first, "unsealed_entry")


def verify_chain(session: Session, municipality: str) -> BrokenLink | None:
    """Walk the municipality's chain and its batch heads; the first broken link, or None when intact.

    Entries still pending (accepted, not yet sealed) are not part of the chain yet: seal them
    first (``audit verify`` does) or count them with :func:`pending_count`.
    """
    expected_seq = 1
    prev = GENESIS
    stmt = (
        select(AccessLogEntry)
        .where(AccessLogEntry.municipality_code == municipality)
        .order_by(AccessLogEntry.seq)
        .execution_options(yield_per=2000)
    )
    ends = set(session.scalars(select(AccessLogBatch.last_seq).where(AccessLogBatch.municipality_code == municipality)))
    hashes: dict[int, str] = {}  # the entries' hashes where a batch head says a batch ends
    for entry in session.scalars(stmt):
        if entry.seq != expected_seq:
            return BrokenLink(expected_seq, "missing_entry")
        if entry.prev_hash != prev:
            return BrokenLink(entry.seq, "prev_hash_mismatch")
        if entry_hash(prev, entry) != entry.entry_hash:
            return BrokenLink(entry.seq, "hash_mismatch")
        prev = entry.entry_hash
        if entry.seq in ends:
            hashes[entry.seq] = entry.entry_hash
        expected_seq += 1
    if counters.current(session, municipality, counters.ACCESS_SEQ) >= expected_seq:
        return BrokenLink(expected_seq, "missing_tail")
    return _batch_problem(session, municipality, hashes, expected_seq - 1)
