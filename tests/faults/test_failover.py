"""Failover through a fault-injecting proxy in front of the real server: primary → secondary →
BCP → issuances → lines back → sync back → ONLINE, with nothing lost or doubled."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from client.connectivity import ConnectivityMachine, ConnectivityPolicy, LinkMode
from client.continuity import Continuity, http_probe
from client.keystore import KeyStore
from client.outbox.push import OutboxPusher
from client.remote.errors import LineDownError
from server_stub.db import make_engine
from server_stub.models import Issuance, IssuedCopy
from tests.faults.proxy import FaultProxy
from tests.integration.bcp_env import Terminal, juminhyo, login, now_utc, plain_subjects, seed


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
    probe_rounds(rig, 4)
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
