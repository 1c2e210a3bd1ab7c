"""The encrypted outbox: BCP issuances waiting to sync, the serial leases they draw on, and the
terminal's hash-chained access log for BCP mode.

A separate SQLCipher file from the replica: rebuilding the replica never touches it. Every
issuance is written in ONE transaction that takes the serials from a lease, stores the record
and appends the access-log entry, so a crash leaves either all of it or none of it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine

from client.errors import ClerkError
from client.local.files import partner_outbox_key_name, partner_outbox_path
from client.local.secure_db import open_encrypted
from client.wire.bcp import BcpIssuanceRecord

metadata = MetaData()

leases = Table(
    "leases",
    metadata,
    Column("lease_id", String(36), primary_key=True),
    Column("first", Integer, nullable=False),
    Column("last", Integer, nullable=False),
    Column("next_serial", Integer, nullable=False),
    Column("expires_at", String(40), nullable=False),
    Column("status", String(16), nullable=False, default="active"),  # active | returned | expired
    Column("leased_at", String(40)),  # the server's time of the lease (None: leased by an older client)
)

records = Table(
    "records",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("uuid", String(36), nullable=False, unique=True),
    Column("created_at", String(40), nullable=False),
    Column("status", String(16), nullable=False, default="pending"),  # pending | synced | rejected
    Column("record_json", Text, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("synced_at", String(40)),
    Column("server_issuance_id", String(36)),
    Column("reject_code", String(64)),
    Column("reject_message", Text),
)

serials_used = Table(
    "serials_used",
    metadata,
    Column("serial", Integer, primary_key=True),
    Column("lease_id", String(36), nullable=False),
    Column("record_uuid", String(36), nullable=False),
)

access_log = Table(
    "access_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("subject", String(32), nullable=False),
    Column("detail_json", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("uploaded", Integer, nullable=False, default=0),
)

offline_signin = Table(
    "offline_signin",
    metadata,
    Column("user_id", String(64), primary_key=True),
    Column("failures", Integer, nullable=False, default=0),
    Column("locked", Integer, nullable=False, default=0),
)

GENESIS = "0" * 64


# the offline sign-in failure counter of the whole terminal (user ids never hold '#'), issue 15
TERMINAL_WIDE = "#terminal"
MAX_TERMINAL_OFFLINE_FAILURES = 20

class OutboxError(ClerkError):
    """Base of the outbox's refusals (issuing in BCP mode)."""


class NoSerialsError(OutboxError):
    """No active lease holds enough unused serials for the copies asked for."""

    def __init__(self, needed: int, available: int) -> None:
        super().__init__(
            f"BCP用の発行番号が不足しています(必要 {needed}、残り {available})。"
            "回線復旧後に番号を補充してください。",
            f"not enough leased serials: need {needed}, have {available}",
        )


class ClockBehindLeaseError(NoSerialsError):
    """The terminal's clock says it is earlier than the moment its serials were leased: the
    clock is wrong, and the data centre would refuse a certificate dated so (fail closed)."""

    def __init__(self, now: datetime, leased_at: datetime) -> None:
        OutboxError.__init__(
            self,
            "端末の時計が発行番号の貸出時刻より前になっています。時計を確認してから発行してください。",
            f"the terminal clock ({now.isoformat()}) is earlier than the lease of its serials "
            f"({leased_at.isoformat()}): fix the clock before issuing",
        )
        self.needed, self.available = 1, 0


@dataclass(frozen=True)
class Lease:
    lease_id: str
    first: int
    last: int
    expires_at: datetime
    leased_at: datetime | None = None  # the server's time; issuance dated earlier is refused


@dataclass(frozen=True)
class OutboxRecord:
    uuid: str
    seq: int
    created_at: datetime
    status: str
    record: BcpIssuanceRecord
    attempts: int = 0
    reject_code: str | None = None
    reject_message: str | None = None


def entry_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    """The chain link: SHA-256 of the previous hash and the canonical entry."""
    canonical = json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


class Outbox:
    """Thread-safe through SQLite's own locking; the client uses one writer thread anyway."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        metadata.create_all(engine)
        with engine.begin() as conn:  # an outbox written before leases carried their time
            columns = {row[1] for row in conn.exec_driver_sql("PRAGMA table_info(leases)")}
            if "leased_at" not in columns:
                conn.exec_driver_sql("ALTER TABLE leases ADD COLUMN leased_at VARCHAR(40)")

    @classmethod
    def open(cls, path: Path, key: bytes, *, create: bool = True) -> Outbox:
        return cls(open_encrypted(path, key, create=create, begin_statement="BEGIN IMMEDIATE"))

    def close(self) -> None:
        self.engine.dispose()

    # -- leases ----------------------------------------------------------------------------

    def add_lease(self, lease: Lease) -> None:
        with self.engine.begin() as conn:
            exists = conn.execute(select(leases.c.lease_id).where(leases.c.lease_id == lease.lease_id)).first()
            if exists:
                return
            conn.execute(
                insert(leases).values(
                    lease_id=lease.lease_id,
                    first=lease.first,
                    last=lease.last,
                    next_serial=lease.first,
                    expires_at=lease.expires_at.isoformat(),
                    status="active",
                    leased_at=lease.leased_at.isoformat() if lease.leased_at is not None else None,
                )
            )

    def serials_available(self, now: datetime) -> int:
        with self.engine.connect() as conn:
            return sum(last - nxt + 1 for _, nxt, last in self._usable_leases(conn, now))

    def unused_ranges(self, lease_id: str) -> list[tuple[int, int]]:
        """Serials of a lease never used (to be reported when it is returned or expires)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(leases).where(leases.c.lease_id == lease_id)).mappings().first()
            if row is None:
                return []
            used = {
                s for (s,) in conn.execute(select(serials_used.c.serial).where(serials_used.c.lease_id == lease_id))
            }
        ranges: list[tuple[int, int]] = []
        start: int | None = None
        for serial in range(row["first"], row["last"] + 1):
            if serial not in used:
                start = serial if start is None else start
            elif start is not None:
                ranges.append((start, serial - 1))
                start = None
        if start is not None:
            ranges.append((start, row["last"]))
        return ranges

    def close_lease(self, lease_id: str, status: str = "returned") -> None:
        with self.engine.begin() as conn:
            conn.execute(update(leases).where(leases.c.lease_id == lease_id).values(status=status))

    def active_leases(self, now: datetime) -> list[str]:
        with self.engine.connect() as conn:
            return [lease_id for lease_id, _, _ in self._usable_leases(conn, now)]

    @staticmethod
    def _usable_leases(conn: Connection, now: datetime, *, clock_check: bool = False) -> list[tuple[str, int, int]]:
        """Active leases with serials left, not expired at ``now`` and not leased after ``now``.

        ``clock_check``: raise :class:`ClockBehindLeaseError` when nothing is usable only because
        ``now`` is before the leases were granted (a clock set back)."""
        rows = conn.execute(
            select(leases.c.lease_id, leases.c.next_serial, leases.c.last, leases.c.expires_at, leases.c.leased_at)
            .where(leases.c.status == "active")
            .order_by(leases.c.first)
        ).all()
        usable, too_early = [], []
        for r in rows:
            if r.next_serial > r.last or datetime.fromisoformat(r.expires_at) <= now:
                continue
            leased_at = datetime.fromisoformat(r.leased_at) if r.leased_at else None
            if leased_at is not None and leased_at > now:
                too_early.append(leased_at)
                continue
            usable.append((r.lease_id, r.next_serial, r.last))
        if clock_check and not usable and too_early:
            raise ClockBehindLeaseError(now, min(too_early))
        return usable

    def cede_serials(self, count: int, now: datetime, *, keep: int = 0) -> tuple[str, int, int, datetime] | None:
        """Give up the unused tail of ``count`` serials of the active lease with the most left (issue 18:
        a peer low on serials is handed them). None when no lease has ``count + keep`` unused serials.

        Returns (lease_id, first, last, expires_at) of the range ceded; this terminal never uses it.
        """
        if count < 1:
            raise ValueError("count must be at least 1")
        with self.engine.begin() as conn:
            usable = [u for u in self._usable_leases(conn, now) if u[2] - u[1] + 1 >= count + keep]
            if not usable:
                return None
            lease_id, _nxt, last = max(usable, key=lambda u: u[2] - u[1])
            first = last - count + 1
            conn.execute(update(leases).where(leases.c.lease_id == lease_id).values(last=first - 1))
            expires = conn.execute(select(leases.c.expires_at).where(leases.c.lease_id == lease_id)).scalar_one()
        return lease_id, first, last, datetime.fromisoformat(expires)

    # -- issuance ----------------------------------------------------------------------------

    def record_issuance(
        self,
        *,
        uuid: str,
        copies: int,
        now: datetime,
        build: Callable[[list[int]], BcpIssuanceRecord],
        access_entry: dict[str, Any],
    ) -> OutboxRecord:
        """Take ``copies`` serials, build the record from them, store it and log — one transaction.

        ``build`` receives the serials and returns the JSON-safe record (it formats the 発行番号
        and signs each copy). If it raises, nothing is written and no serial is used.
        """
        if copies < 1:
            raise ValueError("copies must be at least 1")
        with self.engine.begin() as conn:
            serials: list[tuple[int, str]] = []
            for lease_id, nxt, last in self._usable_leases(conn, now, clock_check=True):
                while nxt <= last and len(serials) < copies:
                    serials.append((nxt, lease_id))
                    nxt += 1
                conn.execute(update(leases).where(leases.c.lease_id == lease_id).values(next_serial=nxt))
                if len(serials) == copies:
                    break
            if len(serials) < copies:
                raise NoSerialsError(copies, len(serials))
            record = build([s for s, _ in serials])
            conn.execute(
                insert(records).values(
                    uuid=uuid,
                    created_at=now.isoformat(),
                    status="pending",
                    record_json=json.dumps(record, ensure_ascii=False, sort_keys=True),
                    attempts=0,
                )
            )
            conn.execute(insert(serials_used), [{"serial": s, "lease_id": lid, "record_uuid": uuid} for s, lid in serials])
            self._append_log(conn, access_entry)
            seq = conn.execute(select(records.c.seq).where(records.c.uuid == uuid)).scalar_one()
        return OutboxRecord(uuid=uuid, seq=seq, created_at=now, status="pending", record=record)

    # -- access log (BCP 照会 and 発行 on this terminal) -------------------------------------

    def log_access(self, entry: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            self._append_log(conn, entry)

    @staticmethod
    def _append_log(conn: Connection, entry: dict[str, Any]) -> None:
        for key in ("at", "user_id", "action", "subject"):
            if key not in entry:
                raise ValueError(f"access-log entry lacks {key!r}")
        prev = conn.execute(select(access_log.c.hash).order_by(access_log.c.seq.desc()).limit(1)).scalar()
        prev_hash = prev or GENESIS
        detail = {k: v for k, v in entry.items() if k not in ("at", "user_id", "action", "subject")}
        canonical = {**detail, "at": entry["at"], "user_id": entry["user_id"], "action": entry["action"],
                     "subject": entry["subject"]}
        conn.execute(
            insert(access_log).values(
                at=entry["at"],
                user_id=entry["user_id"],
                action=entry["action"],
                subject=entry["subject"],
                detail_json=json.dumps(detail, ensure_ascii=False, sort_keys=True),
                prev_hash=prev_hash,
                hash=entry_hash(prev_hash, canonical),
                uploaded=0,
            )
        )

    def count_access_pending(self) -> int:
        """BCP access-log entries (sign-ins, views, refusals, issuances) not yet uploaded."""
        return len(self.access_entries(only_pending_upload=True))

    def access_entries(self, *, only_pending_upload: bool = False) -> list[dict[str, Any]]:
        stmt = select(access_log).order_by(access_log.c.seq)
        if only_pending_upload:
            stmt = stmt.where(access_log.c.uploaded == 0)
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).mappings().all()
        return [
            {"seq": r["seq"], "at": r["at"], "user_id": r["user_id"], "action": r["action"], "subject": r["subject"],
             **json.loads(r["detail_json"]), "prev_hash": r["prev_hash"], "hash": r["hash"]}
            for r in rows
        ]

    def mark_access_uploaded(self, up_to_seq: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(access_log).where(access_log.c.seq <= up_to_seq).values(uploaded=1))

    def verify_access_chain(self) -> int | None:
        """The seq of the first broken link, or None when the chain is intact."""
        prev = GENESIS
        for e in self.access_entries():
            canonical = {k: v for k, v in e.items() if k not in ("seq", "prev_hash", "hash")}
            if e["prev_hash"] != prev or entry_hash(prev, canonical) != e["hash"]:
                return int(e["seq"])
            prev = e["hash"]
        return None

    # -- sync state ----------------------------------------------------------------------------

    def pending(self, limit: int = 100) -> list[OutboxRecord]:
        return self._records(records.c.status == "pending", limit)

    def rejected(self) -> list[OutboxRecord]:
        return self._records(records.c.status == "rejected", 10_000)

    def all_records(self) -> list[OutboxRecord]:
        return self._records(None, 1_000_000)

    def get(self, uuid: str) -> OutboxRecord | None:
        found = self._records(records.c.uuid == uuid, 1)
        return found[0] if found else None

    def _records(self, where: Any, limit: int) -> list[OutboxRecord]:
        stmt = select(records).order_by(records.c.seq).limit(limit)
        if where is not None:
            stmt = stmt.where(where)
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).mappings().all()
        return [
            OutboxRecord(
                uuid=r["uuid"],
                seq=r["seq"],
                created_at=datetime.fromisoformat(r["created_at"]),
                status=r["status"],
                record=json.loads(r["record_json"]),
                attempts=r["attempts"],
                reject_code=r["reject_code"],
                reject_message=r["reject_message"],
            )
            for r in rows
        ]

    def count_pending(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(records).where(records.c.status == "pending")).scalar_one())

    def note_attempt(self, uuid: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(records).where(records.c.uuid == uuid).values(attempts=records.c.attempts + 1))

    def mark_synced(self, uuid: str, server_issuance_id: str, now: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(records)
                .where(records.c.uuid == uuid)
                .values(status="synced", synced_at=now.isoformat(), server_issuance_id=server_issuance_id)
            )

    def mark_rejected(self, uuid: str, code: str, message: str) -> None:
        """A 4xx from the server: kept and shown to a supervisor, never dropped."""
        with self.engine.begin() as conn:
            conn.execute(
                update(records)
                .where(records.c.uuid == uuid)
                .values(status="rejected", reject_code=code, reject_message=message)
            )

    # -- offline sign-in lockout (BCP mode) ---------------------------------------------------

    def offline_locked(self, user_id: str) -> bool:
        with self.engine.connect() as conn:
            return bool(conn.execute(select(offline_signin.c.locked).where(offline_signin.c.user_id == user_id)).scalar())

    def note_offline_failure(self, user_id: str, *, lock_after: int) -> int:
        with self.engine.begin() as conn:
            failures = conn.execute(
                select(offline_signin.c.failures).where(offline_signin.c.user_id == user_id)
            ).scalar()
            if failures is None:
                conn.execute(insert(offline_signin).values(user_id=user_id, failures=1, locked=int(lock_after <= 1)))
                return 1
            failures += 1
            conn.execute(update(offline_signin).where(offline_signin.c.user_id == user_id)
                         .values(failures=failures, locked=int(failures >= lock_after)))
            return int(failures)

    def clear_offline_failures(self, user_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(offline_signin).where(offline_signin.c.user_id == user_id).values(failures=0, locked=0))


def count_partner_pending(data_dir: Path, keystore: Any, code: str) -> int:
    """Unsynced issuances in a partner municipality's outbox on this terminal (相互バックアップ)."""
    outbox = Outbox.open(partner_outbox_path(data_dir, code), keystore.database_key(partner_outbox_key_name(code)),
                         create=False)
    try:
        return outbox.count_pending()
    finally:
        outbox.close()
