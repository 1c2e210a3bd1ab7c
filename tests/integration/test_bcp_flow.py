"""BCP end to end on a real server (SQLite and PostgreSQL): offline issuance from the replica,
exactly-once sync back, reconciliation into conflicts, supervisor review."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from client.certificate.signing import verify_token
from client.domain.model import Outcome
from client.local.keystore import KeyStore
from client.outbox.issuer import BcpRefused
from client.outbox.store import NoSerialsError, records
from client.remote.errors import RemoteRejectedError
from server_stub.db import make_engine
from server_stub.models import Issuance, IssuedCopy
from tests.integration.bcp_env import (
    CODE,
    Terminal,
    juminhyo,
    login,
    now_utc,
    plain_subjects,
    protect,
    terminal_env,
    terminal_signed,
)


@pytest.fixture
def env(db_url: str, server_factory: Any, tmp_path: Path, memory_keyring: Any) -> Iterator[tuple[str, Any, Terminal]]:
    with terminal_env(db_url, server_factory, tmp_path, lease=30) as env:
        yield env


def server_counts(db_url: str) -> tuple[int, int, list[int]]:
    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            bcp = s.scalar(select(func.count()).select_from(Issuance).where(Issuance.mode == "bcp")) or 0
            copies = list(s.scalars(select(IssuedCopy.serial).where(IssuedCopy.municipality_code == CODE)))
            return int(bcp), len(copies), copies
    finally:
        engine.dispose()


def test_bcp_issuances_sync_back_exactly_once_with_conflicts(env) -> None:
    db_url, server, t = env
    subjects = plain_subjects(db_url, 4)
    now = now_utc()
    issued = [t.issuer.issue(juminhyo(a, copies=2 if i == 0 else 1), user_id="clerk1", printer_id="P001", now=now)
              for i, a in enumerate(subjects)]
    assert t.outbox.count_pending() == 4
    # Every copy carries its own number and a terminal signature that verifies locally.
    numbers = [c.issue_number for i in issued for c in i.certificates]
    assert len(numbers) == len(set(numbers)) == 5
    keys = t.remote.get("/api/v1/keys")["keys"]
    import base64
    pub = {k["key_id"]: base64.b64decode(k["public_key_b64"]) for k in keys}
    for i in issued:
        for c in i.certificates:
            assert verify_token(c.qr_token, pub, c.content).valid
            assert c.content.mode.value == "bcp" and c.content.data_as_of is not None
            assert c.content.seal_marks[0] == "v1" and "koin" in " ".join(c.content.seal_marks)  # signed placement

    # The data centre learns of a 支援措置 for subject[1] that started before the issue time.
    protect(db_url, subjects[1], start=(now - timedelta(days=1)).date())

    result = t.pusher().push(now_utc)
    assert not t.outbox.rejected(), [(r.reject_code, r.reject_message) for r in t.outbox.rejected()]
    assert (result.stored, result.duplicates, result.rejected, result.remaining) == (4, 0, 0, 0)
    assert [codes for _, codes in result.conflicts] == [["support_measure"]]
    bcp, _, serials = server_counts(db_url)
    assert bcp == 4
    assert len(serials) == len(set(serials))

    # A retry of everything (as after a crash before the local commit) stores nothing twice.
    with t.outbox.engine.begin() as conn:
        conn.execute(update(records).values(status="pending"))
    again = t.pusher().push(now_utc)
    assert (again.stored, again.duplicates) == (0, 4)
    assert server_counts(db_url)[0] == 4

    # The supervisor reviews the conflict: both sides are there; a resolution is recorded once.
    sup = login(server.base_url, "supervisor1", "supervisor1pass")
    conflicts = sup.get("/api/v1/bcp/conflicts")["conflicts"]
    assert len(conflicts) == 1
    conflict = conflicts[0]
    assert conflict["subject_atena_no"] == subjects[1]
    assert conflict["detail"]["bcp"]["content"]["persons"]
    assert conflict["detail"]["server"]["outcome"] != Outcome.ALLOW.value
    with pytest.raises(RemoteRejectedError):
        t.remote.get("/api/v1/bcp/conflicts")  # a clerk may not review
    with pytest.raises(RemoteRejectedError) as missing_note:
        sup.post(f"/api/v1/bcp/conflicts/{conflict['id']}/resolve", {"outcome": "other", "note": " "})
    assert missing_note.value.code == "note_required"
    done = sup.post(f"/api/v1/bcp/conflicts/{conflict['id']}/resolve", {"outcome": "recall", "note": "本人に連絡"})
    assert done["status"] == "resolved" and done["resolved_by"] == "supervisor1"
    assert sup.get("/api/v1/bcp/conflicts")["conflicts"] == []
    with pytest.raises(RemoteRejectedError):
        sup.post(f"/api/v1/bcp/conflicts/{conflict['id']}/resolve", {"outcome": "no_problem"})
    assert sup.get("/api/v1/bcp/summary") == {"bcp_issuances": 4, "open_conflicts": 0, "resolved_conflicts": 1}
    sup.close()


def test_protected_person_in_the_replica_is_refused_offline(env) -> None:
    db_url, _server, t = env
    subject = plain_subjects(db_url, 1)[0]
    protect(db_url, subject, start=(now_utc() - timedelta(days=3)).date())
    t.pull()
    with pytest.raises(BcpRefused) as refused:
        t.issuer.issue(juminhyo(subject), user_id="clerk1", printer_id="P001", now=now_utc())
    assert any(r.code.startswith("support_measure") for r in refused.value.decision.reasons)
    assert refused.value.message_ja
    assert t.outbox.count_pending() == 0
    assert t.outbox.serials_available(now_utc()) == 30


def test_serials_run_out_cleanly(env) -> None:
    db_url, _server, t = env
    subject = plain_subjects(db_url, 1)[0]
    t.issuer.issue(juminhyo(subject, copies=20), user_id="clerk1", printer_id="P001", now=now_utc())
    with pytest.raises(NoSerialsError):
        t.issuer.issue(juminhyo(subject, copies=11), user_id="clerk1", printer_id="P001", now=now_utc())
    assert t.outbox.count_pending() == 1
    assert t.outbox.serials_available(now_utc()) == 10


def test_tampered_or_foreign_records_are_rejected_and_kept(env, tmp_path: Path) -> None:
    db_url, server, t = env
    subject = plain_subjects(db_url, 1)[0]
    t.issuer.issue(juminhyo(subject), user_id="clerk1", printer_id="P001", now=now_utc())
    # Tamper with the stored record: the printed name no longer matches the signed digest.
    import json

    with t.outbox.engine.begin() as conn:
        row = conn.execute(select(records.c.uuid, records.c.record_json)).one()
        rec = json.loads(row.record_json)
        rec["content"]["persons"][0]["name"] = "改ざん 太郎"
        conn.execute(update(records).where(records.c.uuid == row.uuid).values(record_json=json.dumps(rec)))
    result = t.pusher().push(now_utc)
    assert result.rejected == 1 and result.stored == 0
    kept = t.outbox.rejected()
    assert [r.reject_code for r in kept] == ["signature_digest_mismatch"]
    assert server_counts(db_url)[0] == 0

    # Serials leased to another terminal cannot be claimed by this one.
    other = Terminal.build(tmp_path / "t2", login(server.base_url, "clerk2", "clerk2pass", "T002"), KeyStore(),
                           terminal_id="T002", terminal_name="本庁2")
    try:
        other.outbox.add_lease(next(iter(_leases_of(t))))
        other.store = t.store
        other.issuer.replica = t.issuer.replica
        other.issuer.issue(juminhyo(subject), user_id="clerk2", printer_id="P002", now=now_utc())
        pushed = other.pusher().push(now_utc)
        assert pushed.rejected == 1
        assert other.outbox.rejected()[0].reject_code == "serial_not_leased"
    finally:
        other.outbox.close()
        other.remote.close()
    assert server_counts(db_url)[0] == 0


def _leases_of(t: Terminal):
    from client.outbox.store import Lease, leases

    with t.outbox.engine.connect() as conn:
        for r in conn.execute(select(leases)).mappings():
            from datetime import datetime

            yield Lease(r["lease_id"], r["next_serial"], r["last"], datetime.fromisoformat(r["expires_at"]))


def test_terminal_pushes_with_its_own_signature_after_offline_sign_in(env) -> None:
    """Clerks signed in offline hold no token: the terminal authenticates the push itself."""
    from client.outbox.push import OutboxPusher
    from client.remote.http import DataCentreClient

    db_url, server, t = env
    subjects = plain_subjects(db_url, 2)
    t.issuer.issue(juminhyo(subjects[0]), user_id="clerk2", printer_id="P001", now=now_utc())
    t.issuer.issue(juminhyo(subjects[1]), user_id="nobody", printer_id="P001", now=now_utc())
    signed = terminal_signed(server.base_url)
    try:
        result = OutboxPusher(t.outbox, signed).push(now_utc)
    finally:
        signed.close()
    assert (result.stored, result.rejected) == (1, 1)
    assert [r.reject_code for r in t.outbox.rejected()] == ["unknown_user"]
    history = login(server.base_url, "supervisor1", "supervisor1pass").get("/api/v1/issuances",
                                                                            atena_no=subjects[0])
    rows = history if isinstance(history, list) else history.get("issuances", history.get("items", []))
    assert any(r.get("user_id") == "clerk2" and r.get("mode") == "bcp" for r in rows), rows
    unsigned = DataCentreClient(server.base_url)
    try:
        with pytest.raises(RemoteRejectedError):
            unsigned.post("/api/v1/bcp/issuances", {"records": [t.outbox.all_records()[0].record]})
    finally:
        unsigned.close()


def test_two_terminals_issuing_offline_at_once_never_collide(env, tmp_path: Path) -> None:
    import threading

    from client.outbox.push import OutboxPusher

    db_url, server, t1 = env
    t2 = Terminal.build(tmp_path / "t2", login(server.base_url, "clerk2", "clerk2pass", "T002"), KeyStore(),
                        terminal_id="T002", terminal_name="本庁2")
    try:
        t2.lease(30)
        t2.bootstrap()
        subjects = plain_subjects(db_url, 5)
        errors: list[BaseException] = []

        def work(t: Terminal, user: str) -> None:
            try:
                for i in range(10):
                    t.issuer.issue(juminhyo(subjects[i % 5]), user_id=user, printer_id="P001", now=now_utc())
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(t1, "clerk1")), threading.Thread(target=work, args=(t2, "clerk2"))]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert not errors
        for t in (t1, t2):
            result = OutboxPusher(t.outbox, t.remote).push(now_utc)
            assert (result.stored, result.rejected) == (10, 0)
        bcp, copies, serials = server_counts(db_url)
        assert bcp == 20 and copies == 20 and len(set(serials)) == 20
    finally:
        t2.close()
