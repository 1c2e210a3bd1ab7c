"""The encrypted outbox: serials from leases, one-transaction records, the access-log chain."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from client.outbox.store import Lease, NoSerialsError, Outbox

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def outbox(tmp_path: Path):
    box = Outbox.open(tmp_path / "outbox.db", os.urandom(32))
    yield box
    box.close()


def entry(subject: str = "000000001") -> dict:
    return {"at": NOW.isoformat(), "user_id": "clerk1", "action": "issue", "subject": subject, "mode": "bcp"}


def issue(box: Outbox, uuid: str, copies: int = 1, name: str = "山田 太郎") -> list[int]:
    got: list[int] = []

    def build(serials: list[int]) -> dict:
        got.extend(serials)
        return {"uuid": uuid, "serials": serials, "name": name}

    box.record_issuance(uuid=uuid, copies=copies, now=NOW, build=build, access_entry=entry())
    return got


def test_serials_come_in_order_across_leases(outbox: Outbox):
    outbox.add_lease(Lease("L1", 101, 102, NOW + timedelta(days=1)))
    outbox.add_lease(Lease("L2", 201, 205, NOW + timedelta(days=1)))
    assert issue(outbox, "u1", copies=3) == [101, 102, 201]
    assert issue(outbox, "u2") == [202]
    assert outbox.serials_available(NOW) == 3
    assert outbox.unused_ranges("L2") == [(203, 205)]
    assert outbox.unused_ranges("L1") == []


def test_not_enough_serials_writes_nothing(outbox: Outbox):
    outbox.add_lease(Lease("L1", 1, 2, NOW + timedelta(days=1)))
    with pytest.raises(NoSerialsError) as err:
        issue(outbox, "u1", copies=3)
    assert "発行番号" in err.value.message_ja
    assert outbox.count_pending() == 0
    assert outbox.serials_available(NOW) == 2
    assert outbox.access_entries() == []


def test_a_failing_build_uses_no_serial(outbox: Outbox):
    outbox.add_lease(Lease("L1", 1, 5, NOW + timedelta(days=1)))

    def build(_serials: list[int]) -> dict:
        raise RuntimeError("signing failed")

    with pytest.raises(RuntimeError):
        outbox.record_issuance(uuid="u1", copies=1, now=NOW, build=build, access_entry=entry())
    assert outbox.serials_available(NOW) == 5
    assert issue(outbox, "u2") == [1]


def test_expired_lease_is_not_used(outbox: Outbox):
    outbox.add_lease(Lease("old", 1, 10, NOW - timedelta(seconds=1)))
    outbox.add_lease(Lease("new", 11, 20, NOW + timedelta(hours=1)))
    assert issue(outbox, "u1") == [11]


def test_duplicate_uuid_is_refused_and_changes_nothing(outbox: Outbox):
    outbox.add_lease(Lease("L1", 1, 5, NOW + timedelta(days=1)))
    issue(outbox, "u1")
    with pytest.raises(IntegrityError):
        issue(outbox, "u1")
    assert outbox.count_pending() == 1
    assert outbox.serials_available(NOW) == 4


def test_sync_states(outbox: Outbox):
    outbox.add_lease(Lease("L1", 1, 5, NOW + timedelta(days=1)))
    for u in ("a", "b", "c"):
        issue(outbox, u)
    assert [r.uuid for r in outbox.pending()] == ["a", "b", "c"]
    outbox.mark_synced("a", "srv-1", NOW)
    outbox.mark_rejected("b", "serial_not_leased", "serial 2 is not leased to this terminal")
    assert [r.uuid for r in outbox.pending()] == ["c"]
    assert outbox.count_pending() == 1
    rejected = outbox.rejected()
    assert [(r.uuid, r.reject_code) for r in rejected] == [("b", "serial_not_leased")]


def test_access_chain_detects_an_edit_and_a_deletion(outbox: Outbox):
    outbox.add_lease(Lease("L1", 1, 5, NOW + timedelta(days=1)))
    for u in ("a", "b", "c"):
        issue(outbox, u)
    outbox.log_access({**entry("000000009"), "action": "view"})
    assert outbox.verify_access_chain() is None
    with outbox.engine.begin() as conn:
        conn.execute(text("UPDATE access_log SET subject = '999999999' WHERE seq = 2"))
    assert outbox.verify_access_chain() == 2
    with outbox.engine.begin() as conn:
        conn.execute(text("UPDATE access_log SET subject = '000000001' WHERE seq = 2"))
    assert outbox.verify_access_chain() is None
    with outbox.engine.begin() as conn:
        conn.execute(text("DELETE FROM access_log WHERE seq = 3"))
    assert outbox.verify_access_chain() == 4


def test_file_holds_no_plaintext(tmp_path: Path):
    path = tmp_path / "outbox.db"
    box = Outbox.open(path, os.urandom(32))
    box.add_lease(Lease("L1", 1, 5, NOW + timedelta(days=1)))
    issue(box, "u1", name="髙橋 﨑子")
    box.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert "髙橋".encode() not in raw
    assert b"SQLite format 3" not in raw


def test_wrong_key_is_told_apart(tmp_path: Path):
    from client.local.secure_db import WrongKeyError

    path = tmp_path / "outbox.db"
    box = Outbox.open(path, os.urandom(32))
    box.add_lease(Lease("L1", 1, 5, NOW + timedelta(days=1)))
    issue(box, "u1")
    box.close()
    before = path.read_bytes()
    with pytest.raises(WrongKeyError):
        Outbox.open(path, os.urandom(32), create=False)
    assert path.read_bytes() == before


def test_a_clock_set_back_before_the_lease_fails_closed(outbox: Outbox):
    """Found by the fault harness (clock_step): a certificate dated before its serials were leased
    was handed out and then refused by the server (serial_before_lease). Now it is never issued."""
    from client.outbox.store import ClockBehindLeaseError

    outbox.add_lease(Lease("L1", 1, 5, NOW + timedelta(days=1), leased_at=NOW + timedelta(minutes=20)))
    with pytest.raises(ClockBehindLeaseError) as err:
        issue(outbox, "u1")  # NOW is 20 minutes before the lease: the clock was set back
    assert "時計" in err.value.message_ja
    assert outbox.count_pending() == 0 and outbox.access_entries() == []
    assert outbox.serials_available(NOW) == 0 and outbox.serials_available(NOW + timedelta(hours=1)) == 5
    outbox.add_lease(Lease("L0", 11, 12, NOW + timedelta(days=1), leased_at=NOW - timedelta(hours=1)))
    assert issue(outbox, "u2") == [11]  # an older lease is usable at NOW


def test_an_outbox_written_before_leases_carried_their_time_is_upgraded(tmp_path: Path):
    key = os.urandom(32)
    box = Outbox.open(tmp_path / "old.db", key)
    box.add_lease(Lease("L1", 1, 5, NOW + timedelta(days=1)))
    with box.engine.begin() as conn:  # the schema of the previous version
        conn.execute(text("CREATE TABLE leases_old AS SELECT lease_id, first, last, next_serial, expires_at, status "
                          "FROM leases"))
        conn.execute(text("DROP TABLE leases"))
        conn.execute(text("ALTER TABLE leases_old RENAME TO leases"))
    box.close()
    box = Outbox.open(tmp_path / "old.db", key)
    try:
        assert issue(box, "u1") == [1]  # no leased_at: usable as before
    finally:
        box.close()
