"""The connectivity state machine under a fake clock."""

from __future__ import annotations

import pytest

from client.continuity.machine import (
    BcpConfirmationNeeded,
    BcpPolicy,
    ConnectivityMachine,
    ConnectivityPolicy,
    LinkMode,
    ModeChanged,
)

P, S = "https://primary.example", "https://secondary.example"


def machine(policy: BcpPolicy = BcpPolicy.AUTO, endpoints: tuple[str, ...] = (P, S)):
    events: list[object] = []
    m = ConnectivityMachine(list(endpoints), ConnectivityPolicy(bcp_window=10, policy=policy))
    m.subscribe(events.append)
    return m, events


def cut_all(m: ConnectivityMachine, start: float, until: float, step: float = 1.0) -> None:
    t = start
    while t <= until:
        for e in m.endpoints:
            m.report_failure(e, t)
        m.tick(t)
        t += step


def probe_ok(m: ConnectivityMachine, endpoint: str, start: float, count: int, step: float = 5.0) -> float:
    t = start
    for _ in range(count):
        m.report_success(endpoint, t)
        t += step
    return t - step


def test_starts_online_on_primary():
    m, _ = machine()
    assert m.mode is LinkMode.ONLINE
    assert m.active_endpoint == P


def test_first_primary_failure_switches_to_secondary_at_once():
    m, events = machine()
    m.report_failure(P, 1.0)
    assert m.mode is LinkMode.SECONDARY
    assert m.active_endpoint == S
    assert isinstance(events[0], ModeChanged) and events[0].new is LinkMode.SECONDARY


def test_secondary_failure_alone_does_not_change_online():
    m, _ = machine()
    m.report_failure(S, 1.0)
    assert m.mode is LinkMode.ONLINE
    assert m.active_endpoint == P


def test_all_lines_down_enters_bcp_after_the_window_not_before():
    m, _ = machine()
    cut_all(m, 0.0, 9.0)
    assert m.mode is LinkMode.SECONDARY
    m.tick(9.9)
    assert m.mode is LinkMode.SECONDARY
    m.tick(10.0)
    assert m.mode is LinkMode.BCP
    assert m.active_endpoint is None


def test_window_counts_from_when_the_last_line_went_down():
    m, _ = machine()
    m.report_failure(P, 0.0)
    m.report_success(S, 5.0)
    m.tick(12.0)  # primary down 12 s, secondary fine
    assert m.mode is LinkMode.SECONDARY
    m.report_failure(S, 13.0)
    m.tick(22.9)
    assert m.mode is LinkMode.SECONDARY
    m.tick(23.0)
    assert m.mode is LinkMode.BCP


def test_confirm_policy_asks_once_and_waits_for_the_supervisor():
    m, events = machine(BcpPolicy.CONFIRM)
    cut_all(m, 0.0, 30.0)
    asks = [e for e in events if isinstance(e, BcpConfirmationNeeded)]
    assert len(asks) == 1
    assert m.mode is LinkMode.SECONDARY
    assert m.awaiting_confirmation
    m.confirm_bcp(31.0, "supervisor1")
    assert m.mode is LinkMode.BCP
    assert not m.awaiting_confirmation


def test_line_back_needs_steady_successes_before_recovering():
    m, _ = machine()
    cut_all(m, 0.0, 10.0)
    assert m.mode is LinkMode.BCP
    m.report_success(P, 20.0)
    m.report_success(P, 21.0)
    assert m.mode is LinkMode.BCP  # two quick answers are not steady
    m.report_success(P, 30.0)
    assert m.mode is LinkMode.RECOVERING
    m.recovery_complete(31.0)
    assert m.mode is LinkMode.ONLINE
    assert m.active_endpoint == P


def test_recovery_on_secondary_only_returns_to_secondary():
    m, _ = machine()
    cut_all(m, 0.0, 10.0)
    end = probe_ok(m, S, 20.0, 3)
    assert m.mode is LinkMode.RECOVERING
    m.recovery_complete(end + 1)
    assert m.mode is LinkMode.SECONDARY
    assert m.active_endpoint == S


def test_failure_while_recovering_returns_to_bcp():
    m, _ = machine(endpoints=(P,))
    cut_all(m, 0.0, 10.0)
    probe_ok(m, P, 20.0, 3)
    assert m.mode is LinkMode.RECOVERING
    m.report_failure(P, 40.0)
    assert m.mode is LinkMode.BCP
    m.recovery_complete(41.0)  # a stale completion must not flip the mode
    assert m.mode is LinkMode.BCP


def test_flapping_primary_does_not_flip_back_every_second():
    m, _ = machine()
    m.report_failure(P, 0.0)
    assert m.mode is LinkMode.SECONDARY
    for t in range(1, 30):
        if t % 2:
            m.report_success(P, float(t))
        else:
            m.report_failure(P, float(t))
    assert m.mode is LinkMode.SECONDARY
    changes = [e for e in m.history]
    assert len(changes) == 1


def test_primary_steady_again_returns_to_online():
    m, _ = machine()
    m.report_failure(P, 0.0)
    probe_ok(m, P, 5.0, 3)
    assert m.mode is LinkMode.ONLINE
    assert m.active_endpoint == P


def test_single_line_goes_straight_from_online_to_bcp():
    m, _ = machine(endpoints=(P,))
    cut_all(m, 0.0, 10.0)
    assert [e.new for e in m.history] == [LinkMode.BCP]


def test_unknown_endpoint_is_an_error():
    m, _ = machine()
    with pytest.raises(KeyError):
        m.report_failure("https://elsewhere", 0.0)


def test_supervisor_can_declare_bcp_by_hand_and_it_is_idempotent():
    m, _ = machine()
    m.confirm_bcp(1.0, "sv")
    m.confirm_bcp(2.0, "sv")
    assert m.mode is LinkMode.BCP
    assert len(m.history) == 1


def test_degraded_while_any_line_fails_or_off_the_primary():
    m, _ = machine()
    assert not m.degraded()
    m.report_failure(S, 0.0)
    assert m.degraded()  # still ONLINE, but the secondary is down: watch closely
    m.report_success(S, 1.0)
    assert m.degraded()  # one answer after a failure is not enough (hysteresis, up_successes=2)
    m.report_success(S, 1.5)
    assert not m.degraded()
    m.report_failure(P, 2.0)
    assert m.mode is LinkMode.SECONDARY and m.degraded()


def test_a_mode_change_made_by_a_listener_reaches_every_listener_after_the_one_it_answers():
    """The runtime completes a recovery from inside its RECOVERING callback; the mode history,
    subscribed after it, must still read bcp → recovering before recovering → online."""
    m = ConnectivityMachine([P, S], ConnectivityPolicy(bcp_window=10))

    def runtime(event: object) -> None:
        if isinstance(event, ModeChanged) and event.new is LinkMode.RECOVERING:
            m.recovery_complete(event.at + 1)

    history: list[tuple[LinkMode, LinkMode]] = []
    m.subscribe(runtime)
    m.subscribe(lambda e: history.append((e.old, e.new)) if isinstance(e, ModeChanged) else None)
    cut_all(m, 0.0, 10.0)
    probe_ok(m, P, 20.0, 3)
    assert m.mode is LinkMode.ONLINE
    assert history[-2:] == [(LinkMode.BCP, LinkMode.RECOVERING), (LinkMode.RECOVERING, LinkMode.ONLINE)]
    assert [(e.old, e.new) for e in m.history] == history
