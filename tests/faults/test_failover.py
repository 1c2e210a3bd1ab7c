"""Failover through a fault-injecting proxy in front of the real server: primary → secondary →
BCP → issuances → lines back → sync back → ONLINE, with nothing lost or doubled."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from client.continuity.machine import ConnectivityMachine, ConnectivityPolicy, LinkMode
from client.continuity.orchestrator import Continuity, http_probe
from client.local.keystore import KeyStore
from client.outbox.push import OutboxPusher
from client.remote.errors import LineDownError
from client.services.backend import OnlineBackend
from client.services.online_api import OnlineApi
from server_stub.db import make_engine
from server_stub.models import Issuance, IssuedCopy
from tests.faults.proxy import FaultProxy
from tests.integration.bcp_env import CODE, Terminal, juminhyo, login, now_utc, plain_subjects, seed


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


class RecordingRouter:
    def __init__(self) -> None:
        self.modes: list[str] = []

    def use(self, mode: str) -> None:
        self.modes.append(mode)


@pytest.fixture
def rig(tmp_path: Path, server_factory, memory_keyring) -> Iterator[dict[str, Any]]:
    db_url = f"sqlite:///{tmp_path / 'server.db'}"
    from server_stub.migrate import upgrade

    upgrade(db_url)
    seed(db_url)
    server = server_factory(db_url)
    primary = FaultProxy("127.0.0.1", server.port)
    secondary = FaultProxy("127.0.0.1", server.port)
    remote = login(primary.url, secondary=secondary.url)
    terminal = Terminal.build(tmp_path / "t1", remote, KeyStore())
    terminal.lease(40)
    terminal.bootstrap()
    clock = FakeClock()
    machine = ConnectivityMachine([primary.url, secondary.url],
                                  ConnectivityPolicy(bcp_window=10, steady_successes=3, steady_seconds=10))
    router = RecordingRouter()
    batch = {"size": 20, "after_batch": None}

    def push() -> Any:
        def progress(sent: int, total: int) -> None:
            if batch["after_batch"] is not None:
                batch["after_batch"](sent, total)

        return OutboxPusher(terminal.outbox, remote, batch_size=batch["size"]).push(now_utc, progress)

    continuity = Continuity(machine, router, probe=http_probe(timeout=1.0), push=push, pull=terminal.pull,
                            monotonic=clock, run_async=lambda fn: fn())
    remote.on_line_event = continuity.on_request
    continuity.follow_active_endpoint(remote)
    yield {"db_url": db_url, "primary": primary, "secondary": secondary, "terminal": terminal, "clock": clock,
           "machine": machine, "router": router, "continuity": continuity, "batch": batch}
    primary.close()
    secondary.close()
    terminal.close()


def bcp_counts(db_url: str) -> tuple[int, list[int]]:
    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            n = s.scalar(select(func.count()).select_from(Issuance).where(Issuance.mode == "bcp")) or 0
            serials = list(s.scalars(select(IssuedCopy.serial)))
            return int(n), serials
    finally:
        engine.dispose()


def probe_rounds(rig: dict[str, Any], rounds: int, step: float = 5.0) -> None:
    for _ in range(rounds):
        rig["continuity"].probe_all()
        rig["clock"].advance(step)


def go_bcp(rig: dict[str, Any]) -> None:
    rig["primary"].set_mode("cut")
    terminal: Terminal = rig["terminal"]
    terminal.remote.get("/health")  # a real request: fails on the primary, answered by the secondary
    assert rig["machine"].mode is LinkMode.SECONDARY
    rig["secondary"].set_mode("reset")
    rig["secondary"].drop_all()
    probe_rounds(rig, 3)  # 0 s, 5 s, 10 s of every line failing
    assert rig["machine"].mode is LinkMode.BCP
    assert rig["router"].modes[-1] == "bcp"


def test_full_outage_and_recovery_syncs_every_issuance_once(rig: dict[str, Any]) -> None:
    go_bcp(rig)
    terminal: Terminal = rig["terminal"]
    subjects = plain_subjects(rig["db_url"], 6)
    for a in subjects:
        terminal.issuer.issue(juminhyo(a), user_id="clerk1", printer_id="P001", now=now_utc())
    assert terminal.outbox.count_pending() == 6

    rig["primary"].set_mode("pass")
    rig["secondary"].set_mode("pass")
    probe_rounds(rig, 4)  # steady: 3 successes over ≥ 10 s → RECOVERING → sync back → ONLINE
    assert rig["machine"].mode is LinkMode.ONLINE, (rig["continuity"].reports, rig["machine"].history)
    assert rig["router"].modes[-2:] == ["bcp", "online"]
    report = rig["continuity"].reports[-1]
    assert (report.pushed, report.duplicates, report.rejected, report.error) == (6, 0, 0, "")
    assert terminal.outbox.count_pending() == 0
    n, serials = bcp_counts(rig["db_url"])
    assert n == 6 and len(serials) == len(set(serials)) == 6


def test_line_dying_mid_sync_returns_to_bcp_and_loses_nothing(rig: dict[str, Any]) -> None:
    go_bcp(rig)
    terminal: Terminal = rig["terminal"]
    for a in plain_subjects(rig["db_url"], 5):
        terminal.issuer.issue(juminhyo(a), user_id="clerk1", printer_id="P001", now=now_utc())

    def cut_after_first(sent: int, _total: int) -> None:
        rig["primary"].set_mode("cut")
        rig["secondary"].set_mode("cut")

    rig["batch"].update(size=2, after_batch=cut_after_first)
    rig["primary"].set_mode("pass")
    probe_rounds(rig, 4)
    report = rig["continuity"].reports[-1]
    assert "LineDown" in report.error or "Truncated" in report.error
    assert rig["machine"].mode is LinkMode.BCP
    assert terminal.outbox.count_pending() == 3  # the first batch of two made it

    rig["batch"].update(size=20, after_batch=None)
    rig["primary"].set_mode("pass")
    rig["secondary"].set_mode("pass")
    probe_rounds(rig, 4)  # the relapse doubled the steadiness asked for (hysteresis): 20 s now
    assert rig["machine"].mode is LinkMode.BCP and rig["machine"].steady_seconds == 20
    probe_rounds(rig, 2)
    assert rig["machine"].mode is LinkMode.ONLINE
    assert terminal.outbox.count_pending() == 0
    n, serials = bcp_counts(rig["db_url"])
    assert n == 5 and len(set(serials)) == 5


@pytest.mark.parametrize("fault", ["truncate", "garble"])
def test_damaged_response_during_push_is_a_line_failure_and_retry_is_exact(rig: dict[str, Any], fault: str) -> None:
    go_bcp(rig)
    terminal: Terminal = rig["terminal"]
    for a in plain_subjects(rig["db_url"], 3):
        terminal.issuer.issue(juminhyo(a), user_id="clerk1", printer_id="P001", now=now_utc())
    for proxy in (rig["primary"], rig["secondary"]):
        proxy.keep_body_bytes = 10
        proxy.set_mode(fault)
        proxy.drop_all()  # kept-alive connections were opened in another mode
    with pytest.raises(LineDownError):
        OutboxPusher(terminal.outbox, terminal.remote).push(now_utc)
    # The server may well have stored the batch before the answer was damaged: the retry says so.
    rig["primary"].set_mode("pass")
    rig["secondary"].set_mode("pass")
    result = OutboxPusher(terminal.outbox, terminal.remote).push(now_utc)
    assert result.stored + result.duplicates == 3
    assert terminal.outbox.count_pending() == 0
    assert bcp_counts(rig["db_url"])[0] == 3


def test_half_open_primary_is_detected_by_probe_timeout(rig: dict[str, Any]) -> None:
    rig["primary"].set_mode("half_open")
    rig["continuity"].probe_all()
    assert rig["machine"].mode is LinkMode.SECONDARY
    assert rig["machine"].active_endpoint == rig["secondary"].url


# -- a silent primary during the clerk's requests (DESIGN §6: on the secondary within 2 s) -------

SILENT_BAR_S = 2.0


def test_half_open_primary_moves_a_search_to_the_secondary_within_two_seconds(rig: dict[str, Any]) -> None:
    remote = rig["terminal"].remote
    primary, secondary, machine = rig["primary"], rig["secondary"], rig["machine"]
    subject = plain_subjects(rig["db_url"], 1)[0]
    assert remote.get("/api/v1/residents/search", q=subject)["results"]  # warm, on the primary
    assert remote.active_url == primary.url and machine.mode is LinkMode.ONLINE

    primary.set_mode("half_open")  # the kept-alive connection goes silent too
    started = time.perf_counter()
    body = remote.get("/api/v1/residents/search", q=subject)
    elapsed = time.perf_counter() - started
    assert [r["atena_no"] for r in body["results"]] == [subject]
    assert elapsed < SILENT_BAR_S, f"search took {elapsed:.2f} s"
    assert machine.mode is LinkMode.SECONDARY and machine.active_endpoint == secondary.url
    assert remote.active_url == secondary.url

    before = primary.connections
    started = time.perf_counter()
    remote.get(f"/api/v1/residents/{subject}")  # the next request goes straight to the secondary
    assert time.perf_counter() - started < 1.0
    assert primary.connections == before


def test_half_open_primary_moves_the_counter_search_to_the_secondary(rig: dict[str, Any]) -> None:
    primary, secondary, machine, continuity = rig["primary"], rig["secondary"], rig["machine"], rig["continuity"]
    api = OnlineApi([primary.url, secondary.url], timeout=10.0, connect_timeout=2.0)
    api.on_line_event = continuity.on_request
    continuity.follow_active_endpoint(api)
    backend = OnlineBackend(api)
    try:
        backend.sign_in(CODE, "clerk1", "clerk1pass", "T001")
        subject = plain_subjects(rig["db_url"], 1)[0]
        assert [r.atena_no for r in backend.search(subject)] == [subject]

        primary.set_mode("half_open")
        started = time.perf_counter()
        found = backend.search(subject)
        elapsed = time.perf_counter() - started
        assert [r.atena_no for r in found] == [subject]
        assert elapsed < SILENT_BAR_S, f"search took {elapsed:.2f} s"
        assert machine.active_endpoint == secondary.url and api.active_url == secondary.url
        assert backend.resident(subject).resident.atena_no == subject
    finally:
        api.close()


def test_slow_but_live_bulk_reads_are_not_cut_off(rig: dict[str, Any]) -> None:
    remote = rig["terminal"].remote
    primary, secondary, machine = rig["primary"], rig["secondary"], rig["machine"]
    primary.delay = 1.6  # slower than the interactive timeout (1.2 s), well within the long one
    primary.set_mode("delay")
    used = secondary.connections
    started = time.perf_counter()
    checksum = remote.replica_checksum()
    page = remote.replica_snapshot(None, 50)
    elapsed = time.perf_counter() - started
    assert checksum["kinds"] and len(page["records"]) == 50
    assert elapsed >= 2 * primary.delay  # both waited out the slow line ...
    assert secondary.connections == used  # ... and neither was resent on the secondary
    assert machine.mode is LinkMode.ONLINE and remote.active_url == primary.url

    # an interactive GET on the same slow line is a line failure: answered by the secondary
    started = time.perf_counter()
    remote.get("/health")
    assert time.perf_counter() - started < SILENT_BAR_S
    assert machine.mode is LinkMode.SECONDARY and remote.active_url == secondary.url


def test_a_slow_secondary_is_waited_for_when_the_primary_is_down(rig: dict[str, Any]) -> None:
    """No short first try without a line to fall back on: it would only trade a slow answer for none."""
    remote = rig["terminal"].remote
    primary, secondary, machine = rig["primary"], rig["secondary"], rig["machine"]
    subject = plain_subjects(rig["db_url"], 1)[0]
    primary.set_mode("cut")
    remote.get("/health")  # refused on the primary, answered by the secondary
    assert machine.mode is LinkMode.SECONDARY and remote.active_url == secondary.url
    secondary.delay = 1.6
    secondary.set_mode("delay")
    tried = primary.connections
    started = time.perf_counter()
    body = remote.get("/api/v1/residents/search", q=subject)
    assert [r["atena_no"] for r in body["results"]] == [subject]
    assert time.perf_counter() - started >= secondary.delay
    assert primary.connections == tried and machine.mode is LinkMode.SECONDARY
