"""A peer in its own process is SIGKILLed and restarted: it keeps what it had (encrypted) and catches up."""

from __future__ import annotations

from pathlib import Path

from client.local.secure_db import SQLITE_HEADER
from client.peers.holds import verify_hold
from tests.peers.peer_env import PeerProcess, members, peer_list, start_node, stop_node


def test_sigkilled_peer_restarts_with_its_holds_and_gets_the_ones_it_missed(tmp_path: Path) -> None:
    group = members(tmp_path, 3)
    peers = peer_list(group)
    a, c = start_node(group[0], peers), start_node(group[2], peers)
    b = PeerProcess(group[1], peers, tmp_path).start()
    try:
        h1, report = a.record_hold("provisional_support", "100000011", "DV相談(仮支援措置)", supervisor="supervisor1")
        assert sorted(report.reached) == ["T002", "T003"]
        b.kill()  # SIGKILL: no clean shutdown
        h2, report = c.record_hold("suppression", "100000012", "なりすましの疑い", supervisor="supervisor1")
        assert report.reached == ["T001"] and list(report.unreachable) == ["T002"]

        raw = (group[1].data_dir / "peer_holds.db").read_bytes()
        assert not raw.startswith(SQLITE_HEADER) and b"100000011" not in raw  # encrypted at rest

        b.start()  # joins on start: anti-entropy with T001 and T003
        answer = a.send(group[1].info(), "sync", {"holds": []})
        held = {verify_hold(s, peers).hold_id for s in answer["holds"]}
        assert held == {h1.hold_id, h2.hold_id}
        # invariant: every node holds every hold it was sent or recorded, each exactly once
        for node in (a, c):
            assert node.holds.ids() == {h1.hold_id, h2.hold_id} and node.holds.count() == 2
    finally:
        b.kill()
        stop_node(a)
        stop_node(c)
