"""Certificates anyone can verify (issue 14), end to end on a real server (SQLite and PostgreSQL):
the key hierarchy from the root file, the public trust list, BCP countersignature on sync back,
recall (誤発行 処分), and the key compromise drill — through the server endpoint and the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from client.certificate.signing import decode_token, generate_keypair, key_id_for, sign_certificate
from client.domain.model import CertificateContent
from client.local.keystore import KeyStore
from client.printing.render import render_certificate
from client.remote.errors import RemoteRejectedError
from server_stub.db import make_engine
from server_stub.models import Municipality
from server_stub.models import Terminal as TerminalRow
from server_stub.seed.demo import demo_terminal_private_key
from server_stub.trust.models import TrustCountersignature, TrustKeyCertificate
from tests.fixtures.trust_pdf import two_qr_pdf
from tests.integration.bcp_env import CODE, Terminal, juminhyo, login, now_utc, plain_subjects, terminal_env
from tests.integration.trust_env import fetch_list, init_trust, server_cli, server_verdict, verify_cli


@pytest.fixture
def env(db_url: str, server_factory: Any, tmp_path: Path, memory_keyring: Any) -> Iterator[tuple[str, Any, Terminal]]:
    with terminal_env(db_url, server_factory, tmp_path, lease=10) as env:
        yield env


def _online(t: Terminal, atena: str) -> dict[str, Any]:
    body = t.remote.post("/api/v1/issuances", {"request": {
        "cert_type": "juminhyo", "subject_atena_no": atena,
        "requester": {"kind": "self", "name": "本人", "identity_document": "drivers_license"}, "copies": 1}})
    return body["certificates"][0]  # type: ignore[no-any-return]


def _pdf(tmp_path: Path, name: str, cert: dict[str, Any]) -> Path:
    content = CertificateContent.from_dict(cert["content"]) if isinstance(cert.get("content"), dict) else cert["content"]
    path = tmp_path / name
    path.write_bytes(render_certificate(content, cert["qr_token"]).pdf)
    return path


def test_trust_list_is_public_cacheable_and_answers_304(env, tmp_path: Path) -> None:
    db_url, server, _t = env
    before = httpx.get(f"{server.base_url}/trust/v1/list", timeout=10)
    assert before.status_code == 404 and before.json()["detail"]["code"] == "trust_not_initialised"
    init_trust(db_url, tmp_path)
    hour = now_utc().hour
    first = httpx.get(f"{server.base_url}/trust/v1/list", timeout=10)  # no login
    assert first.status_code == 200
    assert "max-age=" in first.headers["cache-control"] and first.headers["etag"]
    again = httpx.get(f"{server.base_url}/trust/v1/list", headers={"If-None-Match": first.headers["etag"]}, timeout=10)
    assert again.status_code == 304 and again.content == b""
    doc = json.loads(first.content)
    assert set(doc) == {"payload", "sig", "kid"}
    # certify again changes nothing; the exported list is byte for byte the served one (deterministic)
    assert server_cli("trust", "certify", "--db", db_url, "--root-key", str(tmp_path / "root-key.json")).code == 0
    exported = server_cli("trust", "export-list", "--db", db_url, "--out", str(tmp_path / "exported.json"))
    assert exported.code == 0, exported.err
    served = httpx.get(f"{server.base_url}/trust/v1/list", timeout=10)
    if now_utc().hour == hour:  # the list is re-issued at the turn of the hour
        assert served.headers["etag"] == first.headers["etag"]
        assert (tmp_path / "exported.json").read_bytes() == served.content
    # the root's private key never reaches the database or the list
    root = json.loads((tmp_path / "root-key.json").read_text())
    assert root["private_key"] not in first.text
    # staff signing in on the terminal renews its BCP key's period (once an hour at most)
    engine = make_engine(db_url)

    def certs() -> list[TrustKeyCertificate]:
        with Session(engine) as s:
            kid = s.scalars(select(TerminalRow.key_id).where(TerminalRow.municipality_code == CODE,
                                                             TerminalRow.terminal_id == "T001")).one()
            return list(s.scalars(select(TrustKeyCertificate).where(TrustKeyCertificate.kid == kid)
                                  .order_by(TrustKeyCertificate.id)))

    try:
        assert len(certs()) == 1
        login(server.base_url, "supervisor1", "supervisor1pass").close()
        assert len(certs()) == 1  # renewed within the hour: nothing added
        with Session(engine) as s, s.begin():  # 13 days later: one day of the period left
            row = s.get(TrustKeyCertificate, certs()[0].id)
            assert row is not None
            row.not_after = now_utc() + timedelta(days=1)
        login(server.base_url, "supervisor1", "supervisor1pass").close()
        first_cert, renewed = certs()
        assert renewed.not_before == first_cert.not_before  # the same continuous period, extended
        assert renewed.not_after.replace(tzinfo=None) > (now_utc() + timedelta(days=13)).replace(tzinfo=None)
    finally:
        engine.dispose()
    # a second init-root never overwrites the operator's file
    assert server_cli("trust", "init-root", "--out", str(tmp_path / "root-key.json")).code == 2
    # a foreign root file is refused for commands that need the root
    other = tmp_path / "other-root.json"
    assert server_cli("trust", "init-root", "--out", str(other)).code == 0
    refused = server_cli("trust", "rollover", "--db", db_url, "--root-key", str(other), "--municipality", CODE)
    assert refused.code == 2 and "root" in refused.err


def test_online_and_bcp_certificates_through_endpoint_and_cli(env, tmp_path: Path) -> None:
    db_url, server, t = env
    init_trust(db_url, tmp_path)
    a, b, c = plain_subjects(db_url, 3)
    online = _online(t, a)
    payload = decode_token(online["qr_token"])
    assert payload.version == 2 and payload.persons and payload.issue_date_text
    content = CertificateContent.from_dict(online["content"])
    assert content.address not in online["qr_token"]
    v = server_verdict(server.base_url, online["qr_token"])
    assert (v["status"], v["reason_code"], v["signer_role"]) == ("valid", "ok", "municipality")
    assert v["payload"]["persons"][0]["name"] == content.persons[0].name

    # BCP: the lease renewed the terminal key's period; a certificate issued offline is provisional
    t.lease(10)
    bcp = t.issuer.issue(juminhyo(b), user_id="clerk1", printer_id="P001", now=now_utc()).certificates[0]
    # the outage the terminal reported covers the first issuance only
    start = now_utc() - timedelta(minutes=1)
    t.remote.post("/api/v1/terminals/outages", {"reports": [{
        "report_id": "6f1c2b7e-0000-4000-8000-000000000014", "started_at": start.isoformat(),
        "detected_at": start.isoformat(), "ended_at": (start + timedelta(minutes=2)).isoformat()}]})
    later = t.issuer.issue(juminhyo(c), user_id="clerk1", printer_id="P001",
                           now=now_utc() + timedelta(minutes=3)).certificates[0]
    # 20 days on without contact: the terminal key's 14-day period has lapsed (replica override needed too)
    lapsed = t.issuer.issue(juminhyo(c), user_id="clerk1", printer_id="P001", now=now_utc() + timedelta(days=20),
                            stale_override_reason="訓練", stale_override_by="supervisor1").certificates[0]
    v = server_verdict(server.base_url, lapsed.qr_token)
    assert (v["status"], v["reason_code"]) == ("invalid", "key_not_valid_at_issue_time"), v
    v = server_verdict(server.base_url, bcp.qr_token)
    assert (v["status"], v["reason_code"]) == ("provisional", "bcp_unconfirmed"), v
    # a serial never leased to that key fails, although the signature is the terminal's own
    forged_content = replace(bcp.content, issue_number=bcp.issue_number.rsplit(" ", 1)[0] + " 999999")
    forged = sign_certificate(forged_content, demo_terminal_private_key(CODE, "T001"),
                              decode_token(bcp.qr_token).key_id, version=2)
    v = server_verdict(server.base_url, forged)
    assert (v["status"], v["reason_code"]) == ("invalid", "serial_not_leased")

    # sync back: the data centre checks and countersigns
    pushed = t.pusher().push(now_utc)
    assert pushed.stored == 3
    v = server_verdict(server.base_url, bcp.qr_token)
    assert (v["status"], v["reason_code"]) == ("valid", "bcp_confirmed") and v["confirmed_at"]
    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            rows = {r.issue_number: r for r in s.scalars(select(TrustCountersignature))}
    finally:
        engine.dispose()
    assert rows[bcp.issue_number].outage is True and rows[later.issue_number].outage is False
    assert lapsed.issue_number not in rows  # stored for the supervisor, never countersigned
    v = server_verdict(server.base_url, lapsed.qr_token)
    assert (v["status"], v["reason_code"]) == ("invalid", "key_not_valid_at_issue_time"), v

    # the CLI with a trust list file (fetched once, then offline)
    home = tmp_path / "verifier"
    listing = fetch_list(server.base_url, tmp_path / "list.json")
    pdf = _pdf(tmp_path, "online.pdf", online)
    run = verify_cli(home, str(pdf), "--trust-list", str(listing))
    assert run.code == 0 and run.json()["status"] == "valid", run.out + run.err
    bcp_pdf = tmp_path / "bcp.pdf"
    bcp_pdf.write_bytes(render_certificate(bcp.content, bcp.qr_token).pdf)
    run = verify_cli(home, str(bcp_pdf), "--trust-list", str(listing))
    assert run.code == 0 and run.json()["reason_code"] == "bcp_confirmed"
    # --server: fetched, cached with its ETag, root pinned; then the cache is used
    run = verify_cli(home, str(pdf), "--server", server.base_url)
    assert run.code == 0, run.out + run.err
    assert (home / "trust-list.json").exists() and (home / "trust-root.txt").exists()
    run = verify_cli(home, str(pdf))
    assert run.code == 0 and run.json()["status"] == "valid"
    # staleness: a warning after 24 h, "cannot confirm" after 7 days (the verifier's clock moved)
    run = verify_cli(home, str(pdf), "--trust-list", str(listing), faketime="+2d")
    assert run.code == 0 and [w["code"] for w in run.json()["warnings"]] == ["trust_list_stale"]
    run = verify_cli(home, str(pdf), "--trust-list", str(listing), faketime="+8d")
    assert run.code == 3 and run.json()["status"] == "cannot_confirm"
    assert run.json()["reason_code"] == "trust_list_expired"

    # 誤発行 処分: the supervisor records it against the 交付履歴; the list names the 発行番号
    sup = login(server.base_url, "supervisor1", "supervisor1pass")
    with pytest.raises(RemoteRejectedError) as clerk_refused:
        t.remote.post("/api/v1/trust/recalls", {"issue_number": online["issue_number"], "reason": "誤発行"})
    assert clerk_refused.value.status == 403
    sup.post("/api/v1/trust/recalls", {"issue_number": online["issue_number"], "reason": "別人に交付（誤発行）"})
    with pytest.raises(RemoteRejectedError) as unknown:
        sup.post("/api/v1/trust/recalls", {"issue_number": "20260101 X Y Z 000001", "reason": "x"})
    assert unknown.value.code == "not_found"
    with pytest.raises(RemoteRejectedError) as twice:
        sup.post("/api/v1/trust/recalls", {"issue_number": online["issue_number"], "reason": "again"})
    assert twice.value.code == "already_recalled"
    assert [r["issue_number"] for r in sup.get("/api/v1/trust/recalls")["recalls"]] == [online["issue_number"]]
    logged = [e for e in sup.get("/api/v1/access-log", limit=1000)["entries"]
              if e["action"] == "recall_issuance"]
    assert [(e["user_id"], e["issue_numbers"]) for e in logged] == [("supervisor1", [online["issue_number"]])]
    # a voided (取消) issuance is on the status list too
    spoiled = t.remote.post("/api/v1/issuances", {"request": {
        "cert_type": "juminhyo", "subject_atena_no": a,
        "requester": {"kind": "self", "name": "本人", "identity_document": "drivers_license"}, "copies": 1}})
    assert server_verdict(server.base_url, spoiled["certificates"][0]["qr_token"])["status"] == "valid"
    sup.post(f"/api/v1/issuances/{spoiled['issuance_id']}/void", {"reason": "印字不良"})
    v = server_verdict(server.base_url, spoiled["certificates"][0]["qr_token"])
    assert (v["status"], v["reason_code"]) == ("invalid", "voided") and "印字不良" in v["message_ja"]
    v = server_verdict(server.base_url, online["qr_token"])
    assert (v["status"], v["reason_code"]) == ("invalid", "recalled")
    listing = fetch_list(server.base_url, tmp_path / "list2.json")
    run = verify_cli(home, str(pdf), "--trust-list", str(listing))
    assert run.code == 1 and run.json()["reason_code"] == "recalled"
    sup.close()


def test_key_compromise_drill(env, tmp_path: Path) -> None:
    db_url, server, t = env
    root = init_trust(db_url, tmp_path)
    a, b, c, d = plain_subjects(db_url, 4)
    t.lease(10)
    now = now_utc()
    confirmed = t.issuer.issue(juminhyo(a), user_id="clerk1", printer_id="P001", now=now).certificates[0]
    t.pusher().push(now_utc)
    unsynced = t.issuer.issue(juminhyo(b), user_id="clerk1", printer_id="P001", now=now).certificates[0]
    assert server_verdict(server.base_url, unsynced.qr_token)["status"] == "provisional"

    # the terminal's key is stolen: revoked as of a time
    effective = now + timedelta(minutes=5)
    run = server_cli("trust", "revoke-terminal", "--db", db_url, "--municipality", CODE, "--terminal", "T001",
                     "--effective-at", effective.isoformat(), "--reason", "端末盗難")
    assert run.code == 0, run.err
    assert server_verdict(server.base_url, confirmed.qr_token)["reason_code"] == "bcp_confirmed"  # before: valid
    v = server_verdict(server.base_url, unsynced.qr_token)  # never synced, and the key is closed now
    assert (v["status"], v["reason_code"]) == ("invalid", "bcp_never_seen")
    after = t.issuer.issue(juminhyo(c), user_id="clerk1", printer_id="P001",
                           now=effective + timedelta(minutes=1)).certificates[0]
    v = server_verdict(server.base_url, after.qr_token)
    assert (v["status"], v["reason_code"]) == ("invalid", "key_revoked")
    again = server_cli("trust", "revoke-terminal", "--db", db_url, "--municipality", CODE, "--terminal", "T001",
                       "--effective-at", effective.isoformat(), "--reason", "again")
    assert again.code == 2
    bad_time = server_cli("trust", "revoke-terminal", "--db", db_url, "--municipality", CODE, "--terminal", "T001",
                          "--effective-at", "yesterday", "--reason", "x")
    assert bad_time.code == 2

    # the municipality key: an online certificate before the revocation stays valid
    before = _online(t, d)
    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            muni = s.scalars(select(Municipality).where(Municipality.code == CODE)).one()
            old_private, old_kid = bytes(muni.signing_private_key), muni.signing_key_id
    finally:
        engine.dispose()
    revoke_at = now_utc() + timedelta(seconds=1)
    run = server_cli("trust", "revoke-municipality-key", "--db", db_url, "--root-key", str(root), "--municipality",
                     CODE, "--effective-at", revoke_at.isoformat(), "--reason", "鍵漏えい訓練")
    assert run.code == 0, run.err
    new_kid = json.loads(run.out)["new_key_id"]
    assert new_kid != old_kid
    assert server_verdict(server.base_url, before["qr_token"])["status"] == "valid"
    # what the stolen old key signs after the effective time fails
    content = CertificateContent.from_dict(before["content"])
    late = replace(content, issued_at=revoke_at + timedelta(minutes=1),
                   issue_number=content.issue_number.rsplit(" ", 1)[0] + " 099999")
    v = server_verdict(server.base_url, sign_certificate(late, old_private, old_kid, version=2))
    assert (v["status"], v["reason_code"]) == ("invalid", "key_revoked")
    # rollover: the new key signs from now on and verifies
    fresh = _online(t, d)
    assert decode_token(fresh["qr_token"]).key_id == new_kid
    assert server_verdict(server.base_url, fresh["qr_token"])["status"] == "valid"
    # a scheduled rollover later: both earlier certificates keep verifying
    run = server_cli("trust", "rollover", "--db", db_url, "--root-key", str(root), "--municipality", CODE)
    assert run.code == 0, run.err
    for token in (before["qr_token"], fresh["qr_token"]):
        assert server_verdict(server.base_url, token)["status"] == "valid"
    chain = server_cli("trust", "verify-chain", "--db", db_url)
    assert chain.code == 0 and chain.json() == {"intact": True, "broken_seq": None}
    _ = KeyStore  # the env's keyring fixture is what the terminal's keys use


def test_bad_input_through_the_cli_and_the_endpoint(env, tmp_path: Path) -> None:
    db_url, server, t = env
    init_trust(db_url, tmp_path)
    (a,) = plain_subjects(db_url, 1)
    online = _online(t, a)
    token = online["qr_token"]
    content = CertificateContent.from_dict(online["content"])
    priv, pub = generate_keypair()
    cases = {
        "forged": (token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"), "bad_signature"),
        "truncated": (token[: len(token) // 2], "bad_format"),
        "re-encoded": (token.replace("MDG2.", "MDG2.A", 1), "bad_format"),
        "foreign": (sign_certificate(content, priv, key_id_for(pub), version=2), "unknown_key"),
        "junk": ("%%% not a token ☃", "bad_format"),
        "empty": ("", "bad_format"),
    }
    home = tmp_path / "verifier"
    listing = fetch_list(server.base_url, tmp_path / "list.json")
    for name, (text, reason) in cases.items():
        v = server_verdict(server.base_url, text)
        assert (v["status"], v["reason_code"]) == ("invalid", reason), (name, v)
        if text:
            run = verify_cli(home, "--qr", text, "--trust-list", str(listing))
            assert run.code == 1 and run.json()["reason_code"] == reason, (name, run.out, run.err)
    too_long = httpx.post(f"{server.base_url}/trust/v1/verify", json={"token": "x" * 5000}, timeout=10)
    assert too_long.status_code == 422

    pdf = _pdf(tmp_path, "online.pdf", online)
    two = tmp_path / "two.pdf"
    two.write_bytes(two_qr_pdf(pdf.read_bytes(), cases["foreign"][0]))
    run = verify_cli(home, str(two), "--trust-list", str(listing))
    assert run.code == 1 and run.json()["reason_code"] == "multiple_qr", run.out

    # a trust list with a bad signature, a truncated one, one under another root
    outer = json.loads(listing.read_bytes())
    outer["sig"] = ("A" if outer["sig"][0] != "A" else "B") + outer["sig"][1:]
    forged_list = tmp_path / "forged-list.json"
    forged_list.write_text(json.dumps(outer))
    run = verify_cli(home, str(pdf), "--trust-list", str(forged_list))
    assert run.code == 1 and run.json()["reason_code"] == "trust_list_bad_signature", run.out
    truncated_list = tmp_path / "truncated-list.json"
    truncated_list.write_bytes(listing.read_bytes()[:200])
    run = verify_cli(home, str(pdf), "--trust-list", str(truncated_list))
    assert run.code == 1 and run.json()["reason_code"] == "trust_list_malformed", run.out
    run = verify_cli(home, str(pdf), "--trust-list", str(listing))
    assert run.code == 0
    (home / "trust-root.txt").parent.mkdir(parents=True, exist_ok=True)
    (home / "trust-root.txt").write_text("0123456789abcdef\n")  # pinned to another root
    run = verify_cli(home, str(pdf), "--trust-list", str(listing))
    assert run.code == 1 and run.json()["reason_code"] == "trust_root_mismatch", run.out
    # the human-readable verdict: Japanese first, then English, with the fields to compare
    (home / "trust-root.txt").unlink()
    human = verify_cli(home, str(pdf), "--trust-list", str(listing))
    assert human.code == 0


def test_two_terminals_syncing_at_once_keep_one_intact_chain(env, tmp_path: Path) -> None:
    import threading

    db_url, server, t1 = env
    init_trust(db_url, tmp_path)
    t2 = Terminal.build(tmp_path / "t2", login(server.base_url, "clerk2", "clerk2pass", "T002"), KeyStore(),
                        terminal_id="T002", terminal_name="本庁2")
    try:
        t1.lease(10)
        t2.lease(10)
        t2.bootstrap()
        subjects = plain_subjects(db_url, 4)
        issued = {t.terminal_id: [t.issuer.issue(juminhyo(subjects[i % 4]), user_id=user, printer_id="P001",
                                                 now=now_utc()).certificates[0] for i in range(6)]
                  for t, user in ((t1, "clerk1"), (t2, "clerk2"))}
        errors: list[BaseException] = []

        def push(t: Terminal) -> None:
            try:
                for _ in range(3):  # small batches, interleaved with the other terminal's
                    t.pusher().push(now_utc)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=push, args=(t,)) for t in (t1, t2)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert not errors
        for certs in issued.values():
            for cert in certs:
                assert server_verdict(server.base_url, cert.qr_token)["reason_code"] == "bcp_confirmed"
        chain = server_cli("trust", "verify-chain", "--db", db_url)
        assert chain.code == 0 and chain.json() == {"intact": True, "broken_seq": None}
        engine = make_engine(db_url)  # an edit of a countersignature is detectable
        try:
            with Session(engine) as s, s.begin():
                row = s.get(TrustCountersignature, 3)
                assert row is not None
                row.envelope_json = row.envelope_json.replace('"kid"', '"kid" ', 1)
        finally:
            engine.dispose()
        chain = server_cli("trust", "verify-chain", "--db", db_url)
        assert chain.code == 1 and chain.json() == {"intact": False, "broken_seq": 4}
    finally:
        t2.close()
