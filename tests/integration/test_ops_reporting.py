"""A terminal's outage tracker follows the real connectivity machine through a line cut (primary,
then every line, BCP, recovery), reports to the real server when it syncs, and the month's SLA
figures show the outage with the delays the terminal saw; response samples arrive once."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from client.continuity.machine import ConnectivityMachine, ConnectivityPolicy
from client.continuity.service_levels import OutageTracker, ResponseSampler, TimedRemote, operation_of
from server_stub.clock import JST
from tests.integration.conftest import CITY_CODE, login

W0 = datetime(2026, 9, 10, 10, 0, tzinfo=JST)
P, S = "http://primary", "http://secondary"


class _HttpxPoster:
    """The Poster protocol over the test's signed-in httpx client."""

    def __init__(self, api: Any) -> None:
        self.api = api

    def post(self, path: str, body: Any = None) -> Any:
        r = self.api.post(path, json=body)
        assert r.status_code == 200, r.text
        return r.json()

    def get(self, path: str, **params: Any) -> Any:
        r = self.api.get(path, params=params)
        assert r.status_code == 200, r.text
        return r.json()


def test_tracked_line_cut_reaches_the_sla_report(server: Any, tmp_path: Path) -> None:
    mono = [0.0]
    machine = ConnectivityMachine([P, S], ConnectivityPolicy(bcp_window=10.0, steady_successes=3, steady_seconds=10.0))
    tracker = OutageTracker(tmp_path, wall=lambda: W0 + timedelta(seconds=mono[0]), monotonic=lambda: mono[0],
                            down_since=machine.down_since)
    machine.subscribe(tracker)

    def at(t: float) -> float:
        mono[0] = t
        return t

    machine.report_failure(P, at(100))  # primary cut → SECONDARY
    machine.report_failure(S, at(130))  # secondary cut too
    machine.tick(at(140))  # 10 s window → BCP
    assert str(machine.mode) == "bcp"
    t1 = login(server.base_url, CITY_CODE, "clerk1", "T001")
    remote = _HttpxPoster(t1)
    assert tracker.report(remote) == 2  # both open reports reach the server (when a line is back)
    for t in (1900, 1905, 1910):
        machine.report_success(P, at(t))  # steady again → RECOVERING
    machine.recovery_complete(at(1920))
    machine.report_success(P, at(1921))
    assert str(machine.mode) == "online"
    assert len(tracker.pending()) == 2  # both ended since they were sent
    assert tracker.report(remote) == 2
    assert tracker.pending() == [] and tracker.report(remote) == 0

    sampler = ResponseSampler(tmp_path, wall=lambda: W0)
    timed = TimedRemote(remote, sampler)
    timed.get("/api/v1/municipality")
    assert [s["operation"] for s in sampler._buffer] == ["GET municipality"]
    assert operation_of("GET", "/api/v1/residents/0000012345?x=1") == "GET residents/{n}"
    sampler.save()
    assert ResponseSampler(tmp_path).upload(remote) == 1  # a restarted terminal still has it
    assert ResponseSampler(tmp_path).upload(remote) == 0

    supervisor = login(server.base_url, CITY_CODE, "supervisor1", "T001")
    fig = supervisor.get("/api/v1/ops/sla", params={"month": "2026-09"}).json()
    outages = fig["outages"]
    assert len(outages) == 1  # the primary cut and the all-lines cut overlap: one incident
    o = outages[0]
    assert o["start"] == (W0 + timedelta(seconds=100)).isoformat()
    assert o["end"] == (W0 + timedelta(seconds=1920)).isoformat()  # back ONLINE after recovery
    assert o["scope"] == "all" and o["terminals"] == ["T001"]
    # All lines down was detected at 130 s, staff told and BCP begun at 140 s; it ended at 1910 s.
    assert o["bcp_started_at"] == (W0 + timedelta(seconds=140)).isoformat()
    assert fig["availability"]["downtime_minutes"] == round((1910 - 130) / 60, 2)
    assert fig["response_time"]["overall"]["count"] == 1
    t1.client.close()
    supervisor.client.close()
