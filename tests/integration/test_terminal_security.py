"""Issue 15 on real servers (SQLite and PostgreSQL): request integrity (body digest, nonces
remembered across server processes, tokens bound to their terminal) and terminal revocation
(API and CLI, fail closed, voided serials accounted for, the late push of pre-revocation
issuances accepted exactly once)."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from client.local.keystore import KeyStore
from client.remote.errors import RemoteRejectedError
from client.remote.http import DataCentreClient
from client.remote.terminal_auth import TerminalSigner
from server_stub.db import make_engine
from server_stub.models import AccessLogEntry, Issuance, SerialLease, Terminal, TerminalNonce
from server_stub.seed.demo import TOWN, demo_terminal_private_key
from tests.conftest import SERVER_BIN
from tests.integration.bcp_env import CODE, juminhyo, now_utc, plain_subjects, seed, terminal_signed
from tests.integration.bcp_env import Terminal as LocalTerminal

LEASE = "/api/v1/serials/lease"


def signer(terminal_id: str = "T001") -> TerminalSigner:
    return TerminalSigner(CODE, terminal_id,
                          Ed25519PrivateKey.from_private_bytes(demo_terminal_private_key(CODE, terminal_id)))


def signed_post(path: str, body: dict[str, Any], terminal_id: str = "T001") -> tuple[dict[str, str], bytes]:
    content = json.dumps(body, separators=(",", ":")).encode()
    headers = signer(terminal_id).headers("POST", path, {}, content)
    return {**headers, "Content-Type": "application/json"}, content


def detail(response: httpx.Response) -> dict[str, Any]:
    return dict(response.json()["detail"])


def count(db_url: str, model: Any, *where: Any) -> int:
    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)
    finally:
        engine.dispose()


def trust_revocations(db_url: str) -> list[tuple[str, str, str]]:
    """(key id, effective time as ISO UTC, actor) of every trust-list revocation."""
    from server_stub.clock import to_utc
    from server_stub.trust.models import TrustRevocation

    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            return [(r.kid, to_utc(r.effective_at).isoformat(), r.actor) for r in s.scalars(select(TrustRevocation))]
    finally:
        engine.dispose()


@pytest.fixture
def two_servers(db_url: str, server_factory: Any) -> tuple[str, Any, Any]:
    """One seeded database, two server processes on it."""
    seed(db_url)
    return db_url, server_factory(db_url), server_factory(db_url)


def test_replayed_push_is_refused_by_every_server_process(two_servers: tuple[str, Any, Any]) -> None:
    db_url, a, b = two_servers
    headers, content = signed_post(LEASE, {"size": 5})
    first = httpx.post(a.base_url + LEASE, content=content, headers=headers)
    assert first.status_code == 201, first.text
    for server in (a, b):  # the nonce lives in the database, not in one process
        again = httpx.post(server.base_url + LEASE, content=content, headers=headers)
        assert again.status_code == 409 and detail(again)["code"] == "replayed_request", again.text
    assert count(db_url, SerialLease, SerialLease.terminal_id == "T001") == 1
    assert count(db_url, TerminalNonce, TerminalNonce.terminal_id == "T001") == 1
    # a fresh signature (new nonce) for the same request is fine
    headers2, _ = signed_post(LEASE, {"size": 5})
    assert httpx.post(b.base_url + LEASE, content=content, headers=headers2).status_code == 201


def test_body_swapped_under_a_valid_signature_is_refused(two_servers: tuple[str, Any, Any]) -> None:
    db_url, a, _ = two_servers
    headers, _content = signed_post(LEASE, {"size": 5})
    swapped = json.dumps({"size": 500}).encode()
    r = httpx.post(a.base_url + LEASE, content=swapped, headers=headers)
    assert r.status_code == 401 and detail(r)["code"] == "body_mismatch", r.text
    # the digest header changed to match the new body: the signature no longer verifies
    forged = {**headers, "X-Madoguchi-Content-SHA256": __import__("hashlib").sha256(swapped).hexdigest()}
    r = httpx.post(a.base_url + LEASE, content=swapped, headers=forged)
    assert r.status_code == 401 and detail(r)["code"] == "bad_signature", r.text
    # a signature of the old format (no nonce, no digest) is refused
    old = {k: v for k, v in headers.items() if k not in ("X-Madoguchi-Nonce", "X-Madoguchi-Content-SHA256")}
    r = httpx.post(a.base_url + LEASE, content=_content, headers=old)
    assert r.status_code == 401 and detail(r)["code"] == "bad_signature", r.text
    assert count(db_url, SerialLease, SerialLease.terminal_id == "T001") == 0


def test_token_is_bound_to_the_terminal_it_was_issued_for(two_servers: tuple[str, Any, Any]) -> None:
    _, a, b = two_servers
    signed = DataCentreClient(a.base_url, signer=signer("T001"))
    signed.login(CODE, "clerk1", "clerk1pass", "T001")  # signed login: the token needs T001's signature
    try:
        assert signed.get("/api/v1/serials/leases") == {"leases": []}
        token = signed.token
        # the token alone, on another server process: refused
        r = httpx.get(b.base_url + "/api/v1/serials/leases", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401 and detail(r)["code"] == "signature_required", r.text
        # the token moved to another terminal (T002 signs): refused
        moved = DataCentreClient(b.base_url, token=token, signer=signer("T002"))
        with pytest.raises(RemoteRejectedError) as exc:
            moved.get("/api/v1/serials/leases")
        assert exc.value.code == "token_terminal_mismatch"
        moved.close()
        # a replica pull with the token alone is refused the same way
        r = httpx.get(b.base_url + "/api/v1/replica/changes", params={"since": 0, "limit": 1},
                      headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401 and detail(r)["code"] == "signature_required", r.text
    finally:
        signed.close()
    # a login signed by T002 that names T001 is refused outright
    headers, content = signed_post("/api/v1/auth/login", {"municipality_code": CODE, "user_id": "clerk1",
                                                          "password": "clerk1pass", "terminal_id": "T001"}, "T002")
    r = httpx.post(a.base_url + "/api/v1/auth/login", content=content, headers=headers)
    assert r.status_code == 403 and detail(r)["code"] == "token_terminal_mismatch", r.text
    # an unsigned login's token used with another terminal's signature: refused too
    plain = DataCentreClient(a.base_url)
    plain.login(CODE, "clerk1", "clerk1pass", "T001")
    moved = DataCentreClient(a.base_url, token=plain.token, signer=signer("T002"))
    with pytest.raises(RemoteRejectedError) as exc:
        moved.get("/api/v1/serials/leases")
    assert exc.value.code == "token_terminal_mismatch"
    plain.close()
    moved.close()


# -- revocation ---------------------------------------------------------------------------------


def admin(base_url: str) -> DataCentreClient:
    client = DataCentreClient(base_url)
    client.login(CODE, "admin1", "admin1pass", "")
    return client


def audit_actions(db_url: str) -> list[tuple[str, str, str]]:
    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            return [(r.action, r.user_id, r.subject) for r in s.scalars(
                select(AccessLogEntry).where(AccessLogEntry.municipality_code == CODE).order_by(AccessLogEntry.seq))]
    finally:
        engine.dispose()


@pytest.fixture
def local_terminal(db_url: str, server_factory: Any, tmp_path: Path, memory_keyring: Any
                   ) -> Iterator[tuple[str, Any, LocalTerminal]]:
    seed(db_url)
    server = server_factory(db_url)
    t = LocalTerminal.build(tmp_path / "t1", terminal_signed(server.base_url), KeyStore())
    try:
        t.lease(10)
        t.bootstrap()
        yield db_url, server, t
    finally:
        t.close()


def test_revoked_terminal_is_refused_everywhere_and_its_serials_are_voided(
        local_terminal: tuple[str, Any, LocalTerminal]) -> None:
    db_url, server, t = local_terminal
    subjects = plain_subjects(db_url, 3)
    before = now_utc()
    early = [t.issuer.issue(juminhyo(a), user_id="clerk1", printer_id="P001", now=before) for a in subjects[:2]]
    clerk = DataCentreClient(server.base_url)
    clerk.login(CODE, "clerk1", "clerk1pass", "T001")

    boss = admin(server.base_url)
    with pytest.raises(RemoteRejectedError) as exc:
        boss.post("/api/v1/terminals/T001/revoke", {"reason": "   "})
    assert exc.value.status == 422
    report = boss.post("/api/v1/terminals/T001/revoke", {"reason": "盗難届 stolen from the counter"})
    assert report["already_revoked"] is False and report["revoked_by"] == "admin1"
    assert report["leases_voided"] == 1 and report["serials_voided"] == 10 and report["tokens_revoked"] >= 1
    again = boss.post("/api/v1/terminals/T001/revoke", {"reason": "second time"})
    assert again["already_revoked"] is True and again["reason"] == "盗難届 stolen from the counter"
    actions = audit_actions(db_url)
    assert ("revoke_terminal", "admin1", "T001: 盗難届 stolen from the counter") in actions
    # its key is revoked in the trust list (docs/trust.md) as of the revocation, by the same admin
    revoked = trust_revocations(db_url)
    assert [(r[1], r[2]) for r in revoked] == [(report["revoked_at"], "admin1")], revoked
    assert [a for a, _, _ in actions].count("trust_revoke_terminal") == 1

    # every kind of request of the terminal is refused from now on
    for call in (lambda: t.remote.get("/api/v1/replica/changes", since=0, limit=1),
                 lambda: t.remote.post(LEASE, {"size": 5}),
                 lambda: clerk.get("/api/v1/serials/leases")):
        with pytest.raises(RemoteRejectedError) as exc:
            call()
        assert exc.value.status == 403 and exc.value.code == "terminal_revoked", exc.value
    with pytest.raises(RemoteRejectedError) as exc:
        DataCentreClient(server.base_url).login(CODE, "clerk1", "clerk1pass", "T001")
    assert exc.value.code == "terminal_revoked"
    standing = t.remote.get("/api/v1/terminal/standing")
    assert standing["status"] == "revoked" and standing["revoked_at"] == report["revoked_at"]

    # the late push: what was issued before the revocation is stored once; a later one is refused
    late = t.issuer.issue(juminhyo(subjects[2]), user_id="clerk1", printer_id="P001", now=now_utc())
    result = t.pusher().push(now_utc)
    assert (result.stored, result.rejected, result.remaining) == (2, 1, 0), [(r.reject_code, r.reject_message) for r in t.outbox.rejected()]
    [rejected] = t.outbox.rejected()
    assert rejected.uuid == late.record.uuid and rejected.reject_code == "issued_after_revocation"
    # exactly once: a retry of the same records (an answer lost on a flapping line) is a duplicate
    retry = t.remote.post("/api/v1/bcp/issuances", {"records": [i.record.record for i in early]})
    assert [r["status"] for r in retry["results"]] == ["duplicate", "duplicate"]
    assert count(db_url, Issuance, Issuance.mode == "bcp") == 2
    accounting = boss.get("/api/v1/terminals/T001/standing")["leases"]
    assert accounting == [{**accounting[0], "status": "voided", "used": 2, "voided": 8,
                           "used_after_revocation": 2}]
    boss.close()
    clerk.close()


def test_cli_revoke_and_fail_closed_standing(two_servers: tuple[str, Any, Any], tmp_path: Path) -> None:
    db_url, a, _ = two_servers
    import os

    log_env = {**os.environ, "MADOGUCHI_SERVER_LOG_DIR": str(tmp_path / "ops-logs")}
    # T002 also holds a lease from a mutual-backup partner's counter (named "<home>/<id>" there)
    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            now = datetime.now(UTC)
            s.add(SerialLease(lease_id=str(uuid.uuid4()), municipality_code=TOWN.code, terminal_id=f"{CODE}/T002",
                              first=900, last=904, leased_at=now, expires_at=now + timedelta(days=30),
                              status="active", unused_json="[]"))
            s.commit()
    finally:
        engine.dispose()
    out = subprocess.run([str(SERVER_BIN), "terminal", "revoke", "--db", db_url, "--municipality", CODE,
                          "--terminal", "T002", "--reason", "紛失 lost on the way to the branch", "--by", "dc-ops"],
                         capture_output=True, text=True, timeout=60, env=log_env)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["revoked_by"] == "dc-ops" and report["terminal_id"] == "T002"
    assert report["leases_voided"] == 1 and report["serials_voided"] == 5  # the partner's lease too
    ops_log = (tmp_path / "ops-logs" / "server.log").read_text(encoding="utf-8")
    assert "terminal revoked" in ops_log and "dc-ops" in ops_log and "紛失" in ops_log  # the operations log
    standing = subprocess.run([str(SERVER_BIN), "terminal", "standing", "--db", db_url, "--municipality", CODE,
                               "--terminal", "T002"], capture_output=True, text=True, timeout=60, env=log_env)
    shown = json.loads(standing.stdout)
    assert shown["status"] == "revoked"
    assert [(row["municipality_code"], row["status"], row["used"], row["voided"]) for row in shown["leases"]] == [
        (TOWN.code, "voided", 0, 5)]
    assert count(db_url, SerialLease, SerialLease.status == "active") == 0
    client = DataCentreClient(a.base_url, signer=signer("T002"))
    with pytest.raises(RemoteRejectedError) as exc:
        client.get("/api/v1/replica/changes", since=0, limit=1)
    assert exc.value.code == "terminal_revoked"
    assert ("revoke_terminal", "dc-ops", "T002: 紛失 lost on the way to the branch") in audit_actions(db_url)
    bad = subprocess.run([str(SERVER_BIN), "terminal", "revoke", "--db", db_url, "--municipality", CODE,
                          "--terminal", "T404", "--reason", "x"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "登録されていません" in bad.stderr
    missing = subprocess.run([str(SERVER_BIN), "terminal", "revoke", "--db", db_url, "--municipality", CODE,
                              "--terminal", "T001"], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "理由" in missing.stderr

    # fail closed: a status the server does not know is not "active"
    engine = make_engine(db_url)
    try:
        for status in ("suspended", "ACTIVE", ""):
            with Session(engine) as s:
                s.execute(update(Terminal).where(Terminal.terminal_id == "T001").values(status=status))
                s.commit()
            t1 = DataCentreClient(a.base_url, signer=signer("T001"))
            with pytest.raises(RemoteRejectedError) as exc:
                t1.get("/api/v1/replica/changes", since=0, limit=1)
            assert exc.value.status == 403 and exc.value.code == "terminal_not_active", status
            t1.close()
            with pytest.raises(RemoteRejectedError) as exc:  # nobody signs in there either
                DataCentreClient(a.base_url).login(CODE, "clerk1", "clerk1pass", "T001")
            assert exc.value.status == 403, status
    finally:
        engine.dispose()
    client.close()
