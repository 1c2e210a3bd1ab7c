"""The counter backend in BCP mode, on a replica pulled from the real server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from client.local.keystore import KeyStore
from client.replica.lookups import ReplicaLookups
from client.replica.search import ReplicaSearch
from client.services.bcp_backend import BcpBackend
from client.services.errors import ProtectedResidentError, RejectedError, SignInError
from server_stub.migrate import upgrade
from tests.integration.bcp_env import CODE, Terminal, juminhyo, login, now_utc, plain_subjects, protect, seed


@pytest.fixture
def bcp(tmp_path: Path, server_factory, memory_keyring) -> Iterator[tuple[BcpBackend, Terminal, str]]:
    db_url = f"sqlite:///{tmp_path / 'server.db'}"
    upgrade(db_url)
    seed(db_url)
    server = server_factory(db_url)
    t = Terminal.build(tmp_path / "t", login(server.base_url), KeyStore())
    t.lease(10)
    t.bootstrap()
    backend = BcpBackend(ReplicaLookups(t.store), ReplicaSearch(t.store), t.outbox, t.issuer)
    yield backend, t, db_url
    t.close()


def test_offline_sign_in_uses_replicated_hashes_and_locks_after_five_failures(bcp) -> None:
    backend, t, _ = bcp
    signed = backend.sign_in(CODE, "clerk1", "clerk1pass", "T001")
    assert signed.user.user_id == "clerk1" and signed.municipality.code == CODE
    for _ in range(5):
        with pytest.raises(SignInError):
            backend.sign_in(CODE, "clerk2", "wrong", "T001")
    with pytest.raises(SignInError) as locked:
        backend.sign_in(CODE, "clerk2", "clerk2pass", "T001")
    assert "ロック" in locked.value.message_ja
    with pytest.raises(SignInError):
        backend.sign_in("113905", "clerk1", "clerk1pass", "T001")  # no replica of that town here


def test_search_issue_and_history_offline(bcp) -> None:
    backend, t, db_url = bcp
    backend.sign_in(CODE, "clerk1", "clerk1pass", "T001")
    subject = plain_subjects(db_url, 1)[0]
    detail = backend.resident(subject)
    hits = backend.search(detail.resident.kana.split(" ")[0])
    assert subject in [h.atena_no for h in hits]
    outcome = backend.issue(juminhyo(subject, copies=2), None, "P001")
    assert len(outcome.certificates) == 2
    assert outcome.certificates[0].content.persons[0].name == detail.resident.name
    history = backend.history(atena_no=subject)
    assert [h.status for h in history] == ["unsynced"] and history[0].copies == 2
    again = backend.reprint(outcome.issuance_id, "用紙詰まり")
    assert [c.issue_number for c in again.certificates] == [c.issue_number for c in outcome.certificates]
    with pytest.raises(RejectedError):
        backend.void(outcome.issuance_id, "誤発行")
    actions = [e["action"] for e in t.outbox.access_entries()]
    assert actions.count("view") == 1 and "search" in actions and "issue" in actions and "reprint" in actions
    assert t.outbox.verify_access_chain() is None


def test_protected_resident_is_neither_shown_nor_issued(bcp) -> None:
    backend, t, db_url = bcp
    backend.sign_in(CODE, "clerk1", "clerk1pass", "T001")
    subject = plain_subjects(db_url, 1)[0]
    protect(db_url, subject, start=(now_utc() - timedelta(days=2)).date())
    t.pull()
    with pytest.raises(ProtectedResidentError):
        backend.resident(subject)
    with pytest.raises(RejectedError):
        backend.issue(juminhyo(subject), None, "P001")
    assert t.outbox.count_pending() == 0


def test_no_decision_from_a_damaged_replica(bcp) -> None:
    """Issue 20: pages that fail their HMAC anywhere in the file stop every BCP decision (the
    damaged page might hold a 支援措置); the outbox is not touched."""
    backend, t, db_url = bcp
    first, second = plain_subjects(db_url, 2)
    backend.sign_in(CODE, "clerk1", "clerk1pass", "T001")
    backend.issue(juminhyo(first), None, "P001")
    assert t.outbox.count_pending() == 1
    t.store.close()
    size = t.store.path.stat().st_size
    with t.store.path.open("r+b") as f:
        f.seek((size // 2) // 4096 * 4096)
        f.write(b"\xa5" * 4096)
    for call in (lambda: backend.evaluate(juminhyo(second)), lambda: backend.issue(juminhyo(second), None, "P001"),
                 lambda: backend.resident(second), lambda: backend.search("ア")):
        with pytest.raises(RejectedError) as info:
            call()
        assert info.value.detail == "replica_damaged" and "破損" in info.value.message_ja
    assert t.outbox.count_pending() == 1
