"""The replica wrapping-key lease in the KeyStore (issue 15), with the real in-memory keyring
backend class and an injected clock (no server: the lease is written as the server would)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from client.local.keystore import KeyStore, MissingKeyError
from client.local.secure_db import open_encrypted
from client.local.wrapping import (
    LEASE_ENTRY,
    ClockRolledBackError,
    ReplicaKeyExpiredError,
    WrappingKeeper,
    WrappingLease,
    unwrap,
    wrap,
)
from tests.keyring_memory import MemoryKeyring

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
W = os.urandom(32)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def leased(backend: MemoryKeyring, clock: Clock, days: int = 14) -> KeyStore:
    ks = KeyStore(backend, clock=clock)
    ks._set(LEASE_ENTRY, WrappingLease(W, T0 + timedelta(days=days), T0, T0).to_json())
    return ks


def test_replica_keys_are_held_only_wrapped_and_outbox_keys_plain() -> None:
    backend, clock = MemoryKeyring(), Clock()
    ks = leased(backend, clock)
    replica = ks.create_database_key("replica-132403")
    outbox = ks.create_database_key("outbox-132403")
    names = {n for (_s, n) in backend.entries}
    assert "dbw:replica-132403" in names and "db:replica-132403" not in names
    assert "db:outbox-132403" in names and "dbw:outbox-132403" not in names
    assert ks.database_key("replica-132403") == replica and ks.database_key("outbox-132403") == outbox
    assert ks.has_database_key("replica-132403")
    ks.delete_database_key("replica-132403")
    assert not ks.has_database_key("replica-132403")


def test_expired_lease_is_erased_and_nothing_plain_is_created_in_its_place() -> None:
    backend, clock = MemoryKeyring(), Clock()
    ks = leased(backend, clock)
    key = ks.create_database_key("replica-132403")
    clock.now = T0 + timedelta(days=14)
    with pytest.raises(ReplicaKeyExpiredError) as exc:
        ks.database_key("replica-132403")
    assert "利用期限" in exc.value.message_ja
    assert ("madoguchi", LEASE_ENTRY) not in backend.entries
    # a rebuild that asks for a fresh key is refused too: no plain key slips in
    with pytest.raises(ReplicaKeyExpiredError):
        ks.create_database_key("replica-132403", replace=True)
    assert ("madoguchi", "db:replica-132403") not in backend.entries
    # the outbox key never depends on the lease
    assert len(ks.ensure_database_key("outbox-132403")) == 32
    # the same wrapping key leased again: the very same replica key comes back
    leased(backend, clock, days=30)
    assert ks.database_key("replica-132403") == key


def test_clock_set_back_is_refused_without_erasing() -> None:
    backend, clock = MemoryKeyring(), Clock()
    ks = leased(backend, clock)
    ks.create_database_key("replica-132403")
    clock.now = T0 + timedelta(days=6)  # an outage of days: fine, and last_seen moves on
    ks.database_key("replica-132403")
    clock.now = T0 + timedelta(days=2)  # set back four days
    with pytest.raises(ClockRolledBackError) as exc:
        ks.database_key("replica-132403")
    assert "時計" in exc.value.message_ja
    assert ("madoguchi", LEASE_ENTRY) in backend.entries
    clock.now = T0 + timedelta(days=5, hours=12)  # within a day of what was seen: tolerated
    ks.database_key("replica-132403")


def test_a_wrapped_key_is_bound_to_its_name_and_its_wrapping_key() -> None:
    blob = wrap(b"k" * 32, W, "replica-132403")
    assert unwrap(blob, W, "replica-132403") == b"k" * 32
    with pytest.raises(MissingKeyError):
        unwrap(blob, W, "replica-113905")  # moved to another entry
    with pytest.raises(MissingKeyError):
        unwrap(blob, os.urandom(32), "replica-132403")


class FakeLeaseServer:
    """Answers POST /api/v1/terminal/wrapping-key like the server (the integration tests use the real one)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.calls = 0

    def post(self, path: str, body: object) -> dict[str, str]:
        import base64

        assert path == "/api/v1/terminal/wrapping-key"
        self.calls += 1
        now = self.clock()
        return {"key_b64": base64.b64encode(W).decode(), "issued_at": now.isoformat(),
                "valid_until": (now + timedelta(days=14)).isoformat()}


def test_renewal_wraps_existing_plain_keys_and_runs_at_most_daily(tmp_path: Path) -> None:
    backend, clock = MemoryKeyring(), Clock()
    ks = KeyStore(backend, clock=clock)
    plain = ks.create_database_key("replica-132403")  # a terminal enrolled before this scheme
    engine = open_encrypted(tmp_path / "replica-132403.db", plain, create=True)
    engine.dispose()
    server = FakeLeaseServer(clock)
    contacts: list[int] = []
    keeper = WrappingKeeper(ks, server, tmp_path, clock=clock, on_contact=lambda: contacts.append(1))
    assert keeper.renew() is not None
    assert ("madoguchi", "db:replica-132403") not in backend.entries
    assert ks.database_key("replica-132403") == plain
    clock.now = T0 + timedelta(hours=5)
    assert keeper.renew() is None and server.calls == 1  # not due
    clock.now = T0 + timedelta(days=1, minutes=1)
    assert keeper.renew() is not None and server.calls == 2 and len(contacts) == 2
