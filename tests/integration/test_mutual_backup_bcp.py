"""Mutual backup (相互バックアップ) in BCP mode: the town's staff work from a city terminal.

A terminal of the city (132403) holds the town's (113905) replica once an agreement is recorded.
While the line is down the town's clerks sign in against the town replica's staff records, issue
from it with serials leased from the town's counter, and after the line returns the records land
in the town — once — with the town's conflicts raised there. All against the real server over
HTTP, real SQLCipher files and the in-memory keyring.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session as DbSession

from client.composition.root import build
from client.composition.terminal_link import confirm_bcp
from client.continuity.machine import LinkMode
from client.continuity.partner_desks import PartnerRemote
from client.lifecycle.config import ClientConfig
from client.local.files import partner_outbox_path
from client.outbox.leases import LEASE_PATH
from client.outbox.push import PUSH_PATH
from client.remote.errors import RemoteRejectedError
from client.remote.http import DataCentreClient
from client.services.counter import CounterService
from client.services.errors import ProtectedResidentError, RejectedError, SessionExpiredError, SignInError
from server_stub.db import make_engine, make_sessionmaker, write_session
from server_stub.models import AccessLogEntry, BcpConflict, Issuance, SerialLease
from server_stub.tenants.municipalities import create_staff
from tests.integration.bcp_env import CODE as CITY
from tests.integration.bcp_env import enrolled, juminhyo, plain_subjects, protect

TOWN = "113905"
TERMINAL = "T301"


@dataclass
class Env:
    db_url: str
    server: Any
    data: Path
    service: CounterService
    runtime: Any
    clock: Any


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def _agreement(db_url: str, present: bool) -> None:
    """Record (or end) the city–town agreement the way the data centre does."""
    from server_stub.cli import main as server_main

    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM backup_agreements"))
    engine.dispose()
    if present:
        assert server_main(["agreement", "add", "--db", db_url, "--municipality", TOWN, "--partner", CITY]) == 0


def _staff(db_url: str) -> None:
    """An account that exists only in the town, and one only in the city."""
    engine = make_engine(db_url)
    try:
        with write_session(make_sessionmaker(engine)) as s:
            now = datetime.now(UTC)
            create_staff(s, TOWN, user_id="townclerk", name="町 職員", role="clerk", password="townpass1", now=now)
            create_staff(s, CITY, user_id="cityonly", name="市 職員", role="clerk", password="citypass1", now=now)
    finally:
        engine.dispose()


def _count(db_url: str, stmt: Any) -> int:
    engine = make_engine(db_url)
    try:
        with DbSession(engine) as s:
            return int(s.scalar(stmt) or 0)
    finally:
        engine.dispose()


def _town_client(base_url: str, user: str = "supervisor1", password: str = "supervisor1pass") -> DataCentreClient:
    client = DataCentreClient(base_url, timeout=10.0, connect_timeout=2.0)
    client.token = client.login(TOWN, user, password, "T001")["token"]
    return client


@pytest.fixture
def env(tmp_path: Path, server_factory: Any, memory_keyring: Any) -> Iterator[Env]:
    db_url, server, data = enrolled(tmp_path, server_factory, TERMINAL, "支所7")
    _staff(db_url)
    clock = Clock()
    counter = build(ClientConfig(data_dir=data, bcp_policy="auto"), start=False, out_dir=tmp_path / "out")
    service, runtime = counter.service, counter.runtime
    runtime.continuity.monotonic = clock  # probes stepped by the test
    runtime.continuity.run_async = lambda fn: fn()
    yield Env(db_url, server, data, service, runtime, clock)
    runtime.close()
    service.close()


def _with_partner(env: Env) -> None:
    """Agreement recorded, the town's replica pulled and its serials leased (while online)."""
    _agreement(env.db_url, True)
    env.runtime.pull_replica()  # the city's own accounts (cityonly) too
    pulled = env.runtime.pull_partners()
    assert pulled[TOWN].applied > 0
    env.runtime.refill_leases()


def _enter_bcp(env: Env) -> None:
    confirm_bcp(env.service, env.runtime, "supervisor1", "supervisor1pass")  # the city's supervisor
    assert env.service.mode == "bcp"


def _recover(env: Env) -> Any:
    for _ in range(4):  # the line answers steadily → RECOVERING → push + pull → ONLINE
        env.runtime.continuity.probe_all()
        env.clock.t += 5
    assert env.runtime.machine.mode is LinkMode.ONLINE
    return env.runtime.continuity.reports[-1]


def test_town_staff_issue_offline_from_the_town_replica_and_it_lands_in_the_town_once(env: Env) -> None:
    subject, protected = plain_subjects(env.db_url, 2, code=TOWN)
    protect(env.db_url, protected, start=(datetime.now(UTC) - timedelta(days=3)).date(), measure_id="SM-T-1",
            code=TOWN)
    _with_partner(env)
    leases = _count(env.db_url, select(func.count()).select_from(SerialLease).where(
        SerialLease.municipality_code == TOWN, SerialLease.terminal_id == f"{CITY}/{TERMINAL}"))
    assert leases == 1  # leased from the town's counter, named as the city's terminal

    with pytest.raises(SignInError) as online:  # online mode: partner sign-in refused
        env.service.sign_in("townclerk", "townpass1", TOWN)
    assert "BCPモード" in online.value.message_ja and "only possible in BCP mode" in str(online.value)

    _enter_bcp(env)
    assert env.service.sign_in_municipalities() == {CITY: "", TOWN: "緑川町"}
    session = env.service.sign_in("townclerk", "townpass1", TOWN)
    assert session.municipality.code == TOWN and session.user.user_id == "townclerk"

    detail = env.service.resident(subject)  # from the town's replica
    assert [h.atena_no for h in env.service.search(detail.resident.kana.split(" ")[0])].count(subject) == 1
    with pytest.raises(ProtectedResidentError):  # 支援措置: never shown, never issued
        env.service.resident(protected)
    with pytest.raises(RejectedError):
        env.service.backend.issue(juminhyo(protected), None, "P001")
    outcome = env.service.backend.issue(juminhyo(subject), None, "P001")
    cert = outcome.certificates[0]
    assert cert.content.municipality_code == TOWN and "支所7" in cert.issue_number
    town_outbox = env.runtime.partners.desk(TOWN).outbox
    record = town_outbox.get(outcome.issuance_id)
    assert record is not None and record.status == "pending"
    assert env.runtime.outbox.count_pending() == 0  # nothing in the city's outbox
    assert env.runtime.status()["partner_outbox_pending"] == 1
    assert partner_outbox_path(env.data, TOWN).exists()

    # during the outage the town's 支援措置責任者 records a 支援措置 on the subject (in force already)
    protect(env.db_url, subject, start=(datetime.now(UTC) - timedelta(days=1)).date(), measure_id="SM-T-2",
            code=TOWN)

    report = _recover(env)
    assert (report.pushed, report.error) == (1, "")
    assert town_outbox.get(outcome.issuance_id).status == "synced"  # type: ignore[union-attr]
    stored = select(func.count()).select_from(Issuance).where(Issuance.client_uuid == outcome.issuance_id)
    assert _count(env.db_url, stored.where(Issuance.municipality_code == TOWN)) == 1
    assert _count(env.db_url, select(func.count()).select_from(Issuance).where(
        Issuance.municipality_code == CITY, Issuance.mode == "bcp")) == 0

    again = PartnerRemote(env.runtime.remote, TOWN).post(PUSH_PATH, {"records": [record.record]})
    assert again["results"][0]["status"] == "duplicate"  # re-push: idempotent
    assert _count(env.db_url, stored) == 1

    town = _town_client(env.server.base_url)
    try:
        conflicts = town.get("/api/v1/bcp/conflicts")["conflicts"]
        assert [(c["client_uuid"], "support_measure" in c["codes"]) for c in conflicts] == [
            (outcome.issuance_id, True)]
    finally:
        town.close()
    assert _count(env.db_url, select(func.count()).select_from(BcpConflict).where(
        BcpConflict.municipality_code == CITY)) == 0
    # the BCP access log of the work done for the town joined the town's chain (search, views, issue)
    town_log = select(func.count()).select_from(AccessLogEntry).where(
        AccessLogEntry.municipality_code == TOWN, AccessLogEntry.terminal_id == f"{CITY}/{TERMINAL}",
        AccessLogEntry.mode == "bcp")
    assert _count(env.db_url, town_log) >= 4

    with pytest.raises(SessionExpiredError):  # the line is back: the town's sign-in has ended
        env.service.search("さとう")

    # the town's lease is given back to the town with the serials never used
    (lease_id,) = town_outbox.active_leases(datetime.now(UTC))
    env.runtime.partners.desk(TOWN).leases.give_back(lease_id)
    engine = make_engine(env.db_url)
    try:
        with DbSession(engine) as s:
            row = s.get(SerialLease, lease_id)
            assert row is not None and (row.municipality_code, row.status) == (TOWN, "returned")
            assert row.unused_json != "[]"
    finally:
        engine.dispose()


def test_sign_in_checks_only_that_municipalitys_accounts_with_its_own_lockout(env: Env) -> None:
    _with_partner(env)
    _enter_bcp(env)
    with pytest.raises(SignInError):  # a city-only account is not a town account
        env.service.sign_in("cityonly", "citypass1", TOWN)
    with pytest.raises(SignInError):  # and a town-only account is not a city account
        env.service.sign_in("townclerk", "townpass1")
    assert env.service.sign_in("cityonly", "citypass1").municipality.code == CITY
    with pytest.raises(SignInError):  # a municipality without a replica here
        env.service.sign_in("clerk1", "clerk1pass", "999999")

    for _ in range(5):  # clerk1 of the town fails five times: locked for the town only
        with pytest.raises(SignInError):
            env.service.sign_in("clerk1", "wrong", TOWN)
    with pytest.raises(SignInError) as locked:
        env.service.sign_in("clerk1", "clerk1pass", TOWN)
    assert "ロック" in locked.value.message_ja
    assert env.service.sign_in("clerk1", "clerk1pass").municipality.code == CITY

    # a town supervisor approves for the town's clerk; the city's account cannot
    env.service.sign_in("townclerk", "townpass1", TOWN)
    grant = env.service.authorize_supervisor("supervisor1", "supervisor1pass")
    assert grant.user.user_id == "supervisor1"
    with pytest.raises(SignInError):
        env.service.authorize_supervisor("cityonly", "citypass1")


def test_without_an_agreement_lease_and_push_are_refused_and_nothing_changes(env: Env) -> None:
    town_leases = select(func.count()).select_from(SerialLease).where(SerialLease.municipality_code == TOWN)
    partner = PartnerRemote(env.runtime.remote, TOWN)
    with pytest.raises(RemoteRejectedError) as refused:  # no agreement recorded
        partner.post(LEASE_PATH, {"size": 5})
    assert (refused.value.status, refused.value.code) == (403, "no_agreement")
    assert _count(env.db_url, town_leases) == 0

    subject = plain_subjects(env.db_url, 1, code=TOWN)[0]
    _with_partner(env)
    _enter_bcp(env)
    env.service.sign_in("townclerk", "townpass1", TOWN)
    outcome = env.service.backend.issue(juminhyo(subject), None, "P001")
    record = env.runtime.partners.desk(TOWN).outbox.get(outcome.issuance_id)
    _agreement(env.db_url, False)  # the agreement ends while the record waits
    town_issuances = select(func.count()).select_from(Issuance).where(Issuance.municipality_code == TOWN,
                                                                     Issuance.mode == "bcp")
    with pytest.raises(RemoteRejectedError) as push_refused:
        partner.post(PUSH_PATH, {"records": [record.record]})
    assert (push_refused.value.status, push_refused.value.code) == (403, "no_agreement")
    with pytest.raises(RemoteRejectedError):
        partner.post(LEASE_PATH, {"size": 5})
    desk = env.runtime.partners.desk(TOWN)
    (lease_id,) = desk.outbox.active_leases(datetime.now(UTC))
    with pytest.raises(RemoteRejectedError):  # nor given back
        desk.leases.give_back(lease_id)
    assert desk.outbox.active_leases(datetime.now(UTC)) == [lease_id]
    assert _count(env.db_url, town_issuances) == 0 and _count(env.db_url, town_leases) == 1
    assert _count(env.db_url, town_leases.where(SerialLease.status == "active")) == 1

    # a staff token may not act for a partner either, even with an agreement
    _agreement(env.db_url, True)
    town = _town_client(env.server.base_url, "clerk1", "clerk1pass")
    city = DataCentreClient(env.server.base_url, timeout=10.0, connect_timeout=2.0)
    city.token = city.login(CITY, "clerk1", "clerk1pass", TERMINAL)["token"]
    try:
        with pytest.raises(RemoteRejectedError) as staff:
            PartnerRemote(city, TOWN).post(PUSH_PATH, {"records": [record.record]})
        assert (staff.value.status, staff.value.code) == (403, "partner_terminal_only")
        # the city's own push (no municipality=) refuses a town record per record
        answer = env.runtime.remote.post(PUSH_PATH, {"records": [record.record]})
        assert answer["results"][0]["code"] == "wrong_municipality"
    finally:
        town.close()
        city.close()
    assert _count(env.db_url, town_issuances) == 0

    # the agreement ended again before the line returned: the record is kept, rejected, for a supervisor
    _agreement(env.db_url, False)
    _recover(env)
    kept = env.runtime.partners.desk(TOWN).outbox.get(outcome.issuance_id)
    assert kept is not None and (kept.status, kept.reject_code) == ("rejected", "no_agreement")
    assert _count(env.db_url, town_issuances) == 0


def test_cli_status_sync_and_decommission_know_the_partner_outbox(env: Env, monkeypatch: Any, capsys: Any) -> None:
    import json

    from client.cli import main
    from client.lifecycle.decommission import real_outbox_count, terminal_database_keys

    subject = plain_subjects(env.db_url, 1, code=TOWN)[0]
    _with_partner(env)
    _enter_bcp(env)
    env.service.sign_in("townclerk", "townpass1", TOWN)
    outcome = env.service.backend.issue(juminhyo(subject), None, "P001")
    env.runtime.close()
    # decommission refuses: a town record waits, with the partner's BCP access log (sign-in,
    # issuance; issue 20 counts the log too)
    assert real_outbox_count(env.data, CITY)() > 1
    assert f"outbox-partner-{TOWN}" in terminal_database_keys(env.data, CITY)

    monkeypatch.setenv("MADOGUCHI_HOME", str(env.data))
    capsys.readouterr()  # the agreement command's output
    assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["partner_outboxes"] == {TOWN: {"pending": 1}} and status["outbox"]["pending"] == 0
    assert main(["sync", "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["partner_outboxes"][TOWN] == {"stored": 1, "duplicates": 0, "rejected": 0, "conflicts": 0,
                                             "remaining": 0}
    assert _count(env.db_url, select(func.count()).select_from(Issuance).where(
        Issuance.municipality_code == TOWN, Issuance.client_uuid == outcome.issuance_id)) == 1
    assert real_outbox_count(env.data, CITY)() == 0
