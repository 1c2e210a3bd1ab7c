"""Issue 15, the terminal's side, on a real server through a real fault proxy: wipe on contact
after revocation (the line flapping in the middle), the replica wrapping-key lease (clock set
back and forward by days, injected), a keyring entry deleted while the application runs, and
the terminal's standing in ``madoguchi status``."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from client.continuity.assembly import build_terminal
from client.continuity.runtime import TerminalRuntime
from client.continuity.wipe import MARKER_FILE, TerminalRevokedError, read_marker
from client.lifecycle.enrollment import OUTBOX_FILE, enroll, outbox_key_name
from client.local.keystore import KeyStore
from client.local.wrapping import LEASE_ENTRY, ClockRolledBackError, ReplicaKeyExpiredError
from client.outbox.store import Outbox
from client.remote.errors import LineDownError
from client.replica.store import ReplicaStore
from server_stub.db import make_engine
from server_stub.migrate import upgrade
from server_stub.models import Issuance
from tests.conftest import SERVER_BIN
from tests.faults.proxy import FaultProxy
from tests.integration.bcp_env import CODE, juminhyo, plain_subjects, seed

SVC = "madoguchi"


@dataclass
class Env:
    db_url: str
    server: Any
    proxy: FaultProxy
    data: Path
    keyring: Any


@pytest.fixture
def env(tmp_path: Path, server_factory: Any, memory_keyring: Any) -> Iterator[Env]:
    db_url = f"sqlite:///{tmp_path / 'server.db'}"
    upgrade(db_url)
    seed(db_url)
    server = server_factory(db_url)
    proxy = FaultProxy("127.0.0.1", server.port)
    data = tmp_path / "home"
    enroll(server_url=proxy.url, municipality_code=CODE, terminal_name="窓口W", admin_user="admin1",
           admin_password="admin1pass", data_dir=data, keystore=KeyStore(), terminal_id="T-W1", page_size=500)
    try:
        yield Env(db_url, server, proxy, data, memory_keyring)
    finally:
        proxy.close()


def runtime(env: Env, clock: Any = None) -> TerminalRuntime:
    kwargs: dict[str, Any] = {"clock": clock} if clock is not None else {}
    return build_terminal(env.data, keystore=KeyStore(clock=clock), **kwargs)


def bcp_issuances(db_url: str, terminal_id: str) -> int:
    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            return int(s.scalar(select(func.count()).select_from(Issuance).where(
                Issuance.mode == "bcp", Issuance.terminal_id == terminal_id)) or 0)
    finally:
        engine.dispose()


def revoke(db_url: str, terminal_id: str) -> None:
    out = subprocess.run([str(SERVER_BIN), "terminal", "revoke", "--db", db_url, "--municipality", CODE,
                          "--terminal", terminal_id, "--reason", "盗難 stolen", "--by", "dc-admin"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr


def names(keyring: Any) -> set[str]:
    return {name for (svc, name) in keyring.entries if svc == SVC}


def test_revoked_terminal_pushes_then_wipes_itself_with_the_line_flapping(
        env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    rt = runtime(env)
    rt.refill_leases()
    subjects = plain_subjects(env.db_url, 3)
    for atena in subjects[:2]:  # lawful: issued before the revocation
        rt.issuer.issue(juminhyo(atena), user_id="clerk1", printer_id="P001", now=datetime.now(UTC))
    revoke(env.db_url, "T-W1")
    rt.issuer.issue(juminhyo(subjects[2]), user_id="clerk1", printer_id="P001", now=datetime.now(UTC))
    assert rt.outbox.count_pending() == 3
    assert "dbw:replica-" + CODE in names(env.keyring)

    # the line drops just as the revoked terminal starts pushing
    real_post = rt.remote.post

    def flapping_post(path: str, body: Any = None) -> Any:
        if path == "/api/v1/bcp/issuances":
            env.proxy.set_mode("reset")
        return real_post(path, body)

    rt.remote.post = flapping_post  # type: ignore[method-assign]
    # the scheduled pull is refused (terminal_revoked): the terminal starts wiping itself
    assert rt.pull_replica() is None
    report = rt.wiped
    assert report is not None and not report.completed and report.pending == 3
    assert "利用停止" in report.message_ja and "revoked" in report.message_en
    assert read_marker(env.data)["state"] == "pushing"
    # the replicas are closed at once; the outbox and its key are intact
    left = names(env.keyring)
    assert not any(n.startswith(("dbw:replica-", "db:replica-")) for n in left) and LEASE_ENTRY not in left
    assert f"db:{outbox_key_name(CODE)}" in left
    box = Outbox.open(env.data / OUTBOX_FILE, KeyStore().database_key(outbox_key_name(CODE)), create=False)
    assert box.count_pending() == 3
    box.close()
    assert bcp_issuances(env.db_url, "T-W1") == 0
    with pytest.raises(TerminalRevokedError):  # the counter does not open again on this terminal
        runtime(env)

    # the line is back: the next contact (here ``madoguchi sync``) finishes the job
    env.proxy.set_mode("pass")
    rt.remote.post = real_post  # type: ignore[method-assign]
    from client.cli import main

    capsys.readouterr()
    assert main(["sync", "--data-dir", str(env.data)]) == 1
    said = capsys.readouterr().err
    assert "利用停止されました" in said and "消去しました" in said and "erased" in said
    report = read_marker(env.data)
    assert report is not None and report["completed"] and report["state"] == "wiped", report
    assert (report["pushed"], report["discarded"], report["pending"]) == (2, 1, 0)
    assert report["discarded_codes"] == {"issued_after_revocation": 1}
    assert "2 件" in report["message_ja"] and report["reason"] == "盗難 stolen"
    assert bcp_issuances(env.db_url, "T-W1") == 2
    assert [p.name for p in env.data.iterdir()] == [MARKER_FILE]
    assert names(env.keyring) == set()
    rt.remote.close()
    assert main(["sync", "--data-dir", str(env.data)]) == 1  # again: says what happened
    assert "利用停止" in capsys.readouterr().err
    from client.continuity.status import collect_status

    standing = collect_status(env.data, None, datetime.now(UTC))["terminal"]
    assert standing["revoked"] and standing["wiped"] and standing["banner_ja"].startswith("この端末は利用停止")


def test_replica_needs_a_live_lease_clock_forward_and_back(env: Env) -> None:
    base = datetime.now(UTC)
    for shift, expected in ((timedelta(days=5), None), (timedelta(days=-3), ClockRolledBackError),
                            (timedelta(days=15), ReplicaKeyExpiredError)):
        store = ReplicaStore(env.data, CODE, KeyStore(clock=lambda s=shift: base + s))
        if expected is None:  # a realistic outage of days: the replica still opens
            with store.read() as conn:
                assert conn is not None
        else:
            with pytest.raises(expected) as exc:
                store.engine()
            assert "未送信の交付記録は保持されています" in exc.value.message_ja
        store.close()
    # the expired lease was erased by the terminal itself; the outbox still opens
    assert LEASE_ENTRY not in names(env.keyring)
    box = Outbox.open(env.data / OUTBOX_FILE, KeyStore().database_key(outbox_key_name(CODE)), create=False)
    assert box.count_pending() == 0
    box.close()
    # a clock days ahead cannot renew (the server refuses the skewed signature) ...
    ahead = runtime(env, clock=lambda: base + timedelta(days=15))
    from client.remote.terminal_auth import TerminalSigner

    signer = ahead.remote.signer
    assert isinstance(signer, TerminalSigner)
    signer._clock = lambda: (base + timedelta(days=15)).timestamp()
    with pytest.raises(Exception) as refused:
        ahead.contact()
    assert getattr(refused.value, "code", "") == "clock_skew"
    # ... with the clock right again, reaching the data centre renews it and the same replica opens
    signer._clock = lambda: datetime.now(UTC).timestamp()
    ahead.clock = lambda: datetime.now(UTC)
    assert ahead.contact() is None
    assert LEASE_ENTRY in names(env.keyring)
    store = ReplicaStore(env.data, CODE, KeyStore())
    with store.read() as conn:
        assert conn is not None
    store.close()
    ahead.close()


def test_keyring_entries_deleted_while_the_app_runs(env: Env) -> None:
    rt = runtime(env)
    rt.refill_leases()
    [atena] = plain_subjects(env.db_url, 1)
    rt.issuer.issue(juminhyo(atena), user_id="clerk1", printer_id="P001", now=datetime.now(UTC))
    # someone deletes the outbox key and the wrapping lease from the keyring
    del env.keyring.entries[(SVC, f"db:{outbox_key_name(CODE)}")]
    del env.keyring.entries[(SVC, LEASE_ENTRY)]
    status = rt.status()  # the outbox key is written back from the open outbox
    assert f"db:{outbox_key_name(CODE)}" in names(env.keyring) and status["outbox_pending"] == 1
    # the replica cannot be reopened without the lease: a clear refusal
    rt.store.close()
    with pytest.raises(ReplicaKeyExpiredError):
        rt.store.engine()
    assert "banner_ja" in status["standing"] and status["standing"]["wrapping_key"]["present"] is False
    # the line: push (which renews the lease first), then the replica opens again
    env.proxy.set_mode("cut")
    with pytest.raises(LineDownError):
        rt.push_outbox()
    env.proxy.set_mode("pass")
    result = rt.push_outbox()
    assert result.stored == 1 and rt.outbox.count_pending() == 0
    with rt.store.read() as conn:
        assert conn is not None
    rt.close()
    again = runtime(env)  # after a restart nothing is missing
    assert len(again.outbox.all_records()) == 1
    again.close()


def test_offline_sign_in_failures_are_limited_per_terminal(env: Env) -> None:
    from client.outbox.store import MAX_TERMINAL_OFFLINE_FAILURES
    from client.services.errors import SignInError

    rt = runtime(env)
    backend = rt.bcp_backend
    users = [f"nobody{i}" for i in range(MAX_TERMINAL_OFFLINE_FAILURES)]  # never the same user twice
    for user in users:
        with pytest.raises(SignInError):
            backend.sign_in(CODE, user, "wrong", "T-W1")
    with pytest.raises(SignInError) as exc:  # even the right password of a real user
        backend.sign_in(CODE, "clerk1", "clerk1pass", "T-W1")
    assert "この端末" in exc.value.message_ja
    # reaching the data centre clears the terminal-wide counter
    assert rt.contact(force=True) is None
    assert backend.sign_in(CODE, "clerk1", "clerk1pass", "T-W1").user.user_id == "clerk1"
    rt.close()


def test_status_json_shows_the_standing(env: Env, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    from client.cli import main

    monkeypatch.setenv("MADOGUCHI_HOME", str(env.data))
    assert main(["status", "--json", "--data-dir", str(env.data)]) == 0
    standing = json.loads(capsys.readouterr().out)["terminal"]
    assert standing["enrolled"] and standing["terminal_id"] == "T-W1" and not standing["revoked"]
    assert standing["wrapping_key"]["present"] and 13.9 < standing["wrapping_key"]["days_left"] <= 14
    assert standing["terminal_key"]["present"] and standing["banner_ja"] == ""
    assert main(["status", "--data-dir", str(env.data)]) == 0
    text = capsys.readouterr().out
    assert "利用停止 / revoked: いいえ / no" in text and "複製の鍵の利用期限" in text


def test_a_wiped_terminal_does_not_start_the_counter(env: Env) -> None:
    from client.composition.counter_service import build_counter_service
    from client.lifecycle.config import ClientConfig
    from client.services.errors import ConfigurationError

    revoke(env.db_url, "T-W1")
    rt = runtime(env)
    assert rt.pull_replica() is None and rt.wiped is not None and rt.wiped.completed
    rt.remote.close()
    with pytest.raises(ConfigurationError) as exc:
        build_counter_service(ClientConfig(data_dir=env.data, server_url=env.proxy.url, municipality_code=CODE))
    assert "利用停止されました" in exc.value.message_ja and "revoked" in exc.value.message_en


def test_the_counter_of_an_enrolled_terminal_gets_a_bound_token(env: Env) -> None:
    import httpx

    from client.composition.counter_service import build_counter_service
    from client.lifecycle.config import ClientConfig

    service = build_counter_service(ClientConfig(data_dir=env.data, server_url=env.proxy.url,
                                                 municipality_code=CODE))
    backend = service.router.backend("online")
    signed_in = backend.sign_in(CODE, "clerk1", "clerk1pass", "T-W1")
    leases = backend.api.get("/api/v1/serials/leases")["leases"]  # the block leased at enrolment (issue 20)
    assert len(leases) == 1 and leases[0]["terminal_id"] == "T-W1", leases
    assert backend.search("ヤマダ", limit=5) is not None  # GETs with the token and the signature
    r = httpx.get(env.proxy.url + "/api/v1/serials/leases", headers={"Authorization": f"Bearer {signed_in.token}"})
    assert r.status_code == 401 and r.json()["detail"]["code"] == "signature_required"
    backend.api.close()


def test_recovery_push_of_a_revoked_terminal_ends_in_the_wipe(env: Env) -> None:
    """Back from BCP: the outbox push is allowed (before-revocation records stored), the access
    log upload that follows is refused as revoked, and that starts the wipe -- the terminal does
    not stay in BCP mode issuing."""
    rt = runtime(env)
    rt.refill_leases()
    [atena] = plain_subjects(env.db_url, 1)
    rt.issuer.issue(juminhyo(atena), user_id="clerk1", printer_id="P001", now=datetime.now(UTC))
    revoke(env.db_url, "T-W1")  # the lease is not due: only the later calls learn of it
    result = rt.push_outbox()
    assert result.stored == 1
    assert rt.wiped is not None and rt.wiped.completed
    assert bcp_issuances(env.db_url, "T-W1") == 1
    assert [p.name for p in env.data.iterdir()] == [MARKER_FILE]
    rt.remote.close()
