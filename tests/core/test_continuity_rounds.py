"""Continuity's probe rounds under a fake clock: fast rounds only while degraded, BCP judged to the second."""

from __future__ import annotations

from client.continuity.machine import ConnectivityMachine, ConnectivityPolicy, LinkMode
from client.continuity.orchestrator import Continuity

P, S = "https://primary.example", "https://secondary.example"


class Router:
    def __init__(self) -> None:
        self.modes: list[str] = []

    def use(self, mode: str) -> None:
        self.modes.append(mode)


def rig(up: dict[str, bool]):
    clock = {"t": 0.0}
    calls: list[str] = []

    def probe(url: str) -> bool:
        calls.append(url)
        return up[url]

    m = ConnectivityMachine([P, S], ConnectivityPolicy(bcp_window=10))
    router = Router()
    c = Continuity(m, router, probe=probe, push=lambda: None, pull=lambda: None, monotonic=lambda: clock["t"],
                   run_async=lambda fn: fn())
    return m, c, router, calls, clock


def test_healthy_terminal_does_not_probe_every_second():
    m, c, _, calls, clock = rig({P: True, S: True})
    for _ in range(5):
        c.fast_round()
        clock["t"] += 1
    assert calls == []
    assert m.mode is LinkMode.ONLINE


def test_all_lines_cut_enters_bcp_within_a_second_of_the_window():
    up = {P: True, S: True}
    m, c, router, calls, clock = rig(up)
    c.probe_all()
    up[P] = up[S] = False
    clock["t"] = 3.0  # the regular 5 s round notices the cut
    c.probe_all()
    assert m.mode is LinkMode.SECONDARY
    while m.mode is not LinkMode.BCP:
        clock["t"] += 1.0
        c.fast_round()
    assert clock["t"] == 13.0  # exactly the 10 s window after the lines were seen down
    assert router.modes[-1] == "bcp"
    up[P] = True
    for _ in range(12):  # steady again: fast rounds bring it back without waiting for 5 s rounds
        clock["t"] += 1.0
        c.fast_round()
    assert m.mode is LinkMode.ONLINE and router.modes[-1] == "online"
