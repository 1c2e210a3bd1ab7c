"""Faster, still safe BCP entry: failures dated from their send, the window on its own timer, an
urgent probe round on the first failure, both lines probed at once, hysteresis against a flapping
line, and the evidence a supervisor sees under the ``confirm`` policy. Fake clock throughout."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from client.continuity.machine import (
    BcpConfirmationNeeded,
    BcpPolicy,
    ConnectivityMachine,
    ConnectivityPolicy,
    LinkMode,
)
from client.continuity.orchestrator import Continuity, ProbeFailure

P, S = "https://primary.example", "https://secondary.example"


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


class Timers:
    """A fake ``call_later``: records (due, fn); ``run_due`` fires what the clock has reached."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.armed: list[tuple[float, Callable[[], None], list[bool]]] = []

    def __call__(self, delay: float, fn: Callable[[], None]) -> object:
        cancelled = [False]
        self.armed.append((self.clock.t + delay, fn, cancelled))

        class Handle:
            def cancel(self) -> None:
                cancelled[0] = True

        return Handle()

    def live(self) -> list[float]:
        return [due for due, _, c in self.armed if not c[0]]

    def run_due(self) -> None:
        for due, fn, cancelled in list(self.armed):
            if not cancelled[0] and due <= self.clock.t:
                cancelled[0] = True
                fn()


class Router:
    def __init__(self) -> None:
        self.modes: list[str] = []

    def use(self, mode: str) -> None:
        self.modes.append(mode)


def rig(up: dict[str, bool], *, window: float = 5.0, policy: BcpPolicy = BcpPolicy.AUTO, spawn: bool = True):
    clock = Clock()
    timers = Timers(clock)
    calls: list[str] = []

    def probe(url: str) -> bool:
        calls.append(url)
        if not up[url]:
            raise ProbeFailure("ConnectError: [Errno 111] Connection refused")
        return True

    m = ConnectivityMachine([P, S], ConnectivityPolicy(bcp_window=window, policy=policy))
    c = Continuity(m, Router(), probe=probe, push=lambda: None, pull=lambda: None, monotonic=clock,
                   wall_clock=lambda: datetime(2026, 12, 2, 9, 0, 0, tzinfo=UTC), run_async=lambda fn: fn(),
                   call_later=timers, spawn_probe=(lambda fn: fn()) if spawn else None)
    return m, c, clock, timers, calls


def test_a_failure_is_dated_from_when_its_attempt_was_sent():
    m = ConnectivityMachine([P, S], ConnectivityPolicy(bcp_window=5))
    m.report_failure(P, 13.0, sent_at=10.0)  # a probe that waited 3 s on a silent line
    m.report_failure(S, 13.0, sent_at=10.0)
    assert m.down_since() == 10.0
    assert m.window_deadline() == 15.0
    m.tick(14.9)
    assert m.mode is LinkMode.SECONDARY
    m.tick(15.0)
    assert m.mode is LinkMode.BCP
    assert m.window_deadline() is None  # nothing left to decide


def test_a_sent_time_in_the_future_is_clamped_to_now():
    m = ConnectivityMachine([P], ConnectivityPolicy(bcp_window=5))
    m.report_failure(P, 10.0, sent_at=12.0)
    assert m.down_since() == 10.0


def test_the_window_is_decided_by_its_own_timer_not_by_probe_rounds():
    up = {P: True, S: True}
    m, c, clock, timers, _ = rig(up)
    up[P] = up[S] = False
    c.on_attempt(P, False, elapsed=0.2, error="ConnectError")  # the clerk's issuance fails
    assert m.mode is LinkMode.SECONDARY
    # the urgent round found the secondary down too: the window runs from the later of the two
    # (the secondary's probe, sent now); the primary is dated from its send, 0.2 s ago
    assert m.evidence(clock.t).lines[0].failing_since == pytest.approx(clock.t - 0.2)
    assert timers.live() == [pytest.approx(clock.t + 5.0)]
    clock.t += 4.9
    timers.run_due()
    assert m.mode is LinkMode.SECONDARY
    clock.t += 0.1  # exactly the window after both lines were seen failing; no probe round ran
    timers.run_due()
    assert m.mode is LinkMode.BCP and c.router.modes[-1] == "bcp"  # type: ignore[attr-defined]


def test_the_timer_is_cancelled_when_a_line_answers_again():
    up = {P: False, S: False}
    m, c, clock, timers, _ = rig(up, spawn=False)
    c.on_attempt(P, False)
    c.on_attempt(S, False)
    assert len(timers.live()) == 1
    c.on_attempt(S, True)
    c.on_attempt(S, True)  # two answers in a row end the failing period
    assert timers.live() == []
    clock.t += 60
    timers.run_due()
    assert m.mode is LinkMode.SECONDARY


def test_the_first_failure_probes_both_lines_at_once():
    up = {P: False, S: False}
    m, c, _, timers, calls = rig(up)
    c.on_attempt(P, False, error="ConnectError")
    assert calls == [S]  # the idle secondary was judged now, not at the next 5 s round
    assert c.urgent_rounds == 1
    assert m.down_since() is not None and len(timers.live()) == 1
    c.on_attempt(P, False)  # already failing: no second urgent round
    assert c.urgent_rounds == 1


def test_lines_are_probed_in_parallel_so_a_silent_one_does_not_delay_the_other():
    reported = threading.Event()
    m = ConnectivityMachine([P, S], ConnectivityPolicy(bcp_window=5))
    m.subscribe(lambda e: None)

    def probe(url: str) -> bool:
        if url == P:  # silent: answers only once the secondary's refusal has been reported
            if not reported.wait(5.0):
                raise AssertionError("probes ran one after the other")
            raise ProbeFailure("ReadTimeout")
        raise ProbeFailure("ConnectError")

    original = m.report_failure

    def report_failure(endpoint: str, now: float, **kw: object) -> None:
        original(endpoint, now, **kw)  # type: ignore[arg-type]
        if endpoint == S:
            reported.set()

    m.report_failure = report_failure  # type: ignore[method-assign]
    c = Continuity(m, Router(), probe=probe, push=lambda: None, pull=lambda: None, call_later=None,
                   spawn_probe=None)
    c.probe_all()
    assert reported.is_set()
    assert m.down_since() is not None


def test_a_flapping_line_neither_holds_off_bcp_nor_bounces_out_of_it():
    m = ConnectivityMachine([P, S], ConnectivityPolicy(bcp_window=5, steady_successes=3, steady_seconds=10))
    t = 0.0
    while t < 30:  # every line answers every other attempt
        for e in (P, S):
            (m.report_success if int(t) % 2 else m.report_failure)(e, t)
        m.tick(t)
        t += 1.0
    modes = [e.new for e in m.history]
    assert modes == [LinkMode.SECONDARY, LinkMode.BCP]  # in at +5 s and stays: no bouncing
    assert m.history[-1].at == 5.0


def test_each_relapse_doubles_the_steadiness_asked_for_next_time():
    m = ConnectivityMachine([P], ConnectivityPolicy(bcp_window=5, steady_successes=3, steady_seconds=10,
                                                    max_steady_seconds=30))
    m.report_failure(P, 0.0)
    m.tick(5.0)
    assert m.mode is LinkMode.BCP

    def steady_from(start: float) -> float:
        t = start
        while m.mode is LinkMode.BCP:
            m.report_success(P, t)
            t += 1.0
        return t - 1.0 - start

    assert steady_from(10.0) == 10.0
    m.report_failure(P, 30.0)  # relapse while recovering
    assert m.mode is LinkMode.BCP and m.steady_seconds == 20.0
    assert steady_from(40.0) == 20.0
    m.report_failure(P, 70.0)
    assert m.steady_seconds == 30.0  # capped
    assert steady_from(80.0) == 30.0
    m.recovery_complete(200.0)
    assert m.mode is LinkMode.ONLINE and m.steady_seconds == 10.0  # back online: reset


def test_confirm_policy_shows_the_supervisor_the_evidence():
    up = {P: False, S: False}
    m, c, clock, timers, _ = rig(up, policy=BcpPolicy.CONFIRM)
    events: list[object] = []
    m.subscribe(events.append)
    c.on_attempt(P, False, elapsed=1.0, error="ConnectError('[Errno 111] Connection refused')")
    clock.t += 5.0
    timers.run_due()
    asks = [e for e in events if isinstance(e, BcpConfirmationNeeded)]
    assert len(asks) == 1 and m.mode is LinkMode.SECONDARY
    ev = asks[0].evidence
    assert ev is not None and ev.window == 5.0
    by_url = {line.url: line for line in ev.lines}
    assert by_url[P].failing_since == pytest.approx(99.0) and by_url[P].failures >= 1
    assert "Connection refused" in by_url[P].last_error
    assert by_url[S].last_error.startswith("probe: ConnectError")

    report = c.evidence()
    assert report["down_seconds"] == pytest.approx(5.0)  # every line failing: since the secondary's probe
    assert report["down_since"] == datetime(2026, 12, 2, 8, 59, 55, tzinfo=UTC)
    lines = {line["url"]: line for line in report["lines"]}
    assert lines[P]["failing_since"] == datetime(2026, 12, 2, 8, 59, 54, tzinfo=UTC)
    assert lines[S]["recent_errors"] and lines[S]["failures"] >= 1


def test_inconsistent_timings_are_refused():
    with pytest.raises(ValueError):
        ConnectivityPolicy(bcp_window=0)
    with pytest.raises(ValueError):
        ConnectivityPolicy(up_successes=0)
    with pytest.raises(ValueError):
        ConnectivityPolicy(steady_seconds=90, max_steady_seconds=60)
