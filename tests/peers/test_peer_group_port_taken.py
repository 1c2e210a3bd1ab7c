"""A CLI run on a terminal whose window already listens on the peer address: the run's group cannot
bind, but still sends — a hold recorded there reaches the neighbour at once."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from client.peers.directory import META_PEER_LIST
from client.peers.group import PeerGroup
from client.peers.holds import HoldStore
from tests.peers.peer_env import CODE, members, peer_list, start_node, stop_node


def test_a_second_process_of_a_terminal_sends_its_hold_without_listening(tmp_path: Path) -> None:
    own, neighbour = members(tmp_path, 2, first_host=9)
    peers = peer_list([own, neighbour])
    taken = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # the window's endpoint holds the port
    taken.bind((own.host, own.port))
    taken.listen()
    other = start_node(neighbour, peers)
    holds = HoldStore.open(own.data_dir / "peer_holds.db", own.db_key)
    holds.set_meta(META_PEER_LIST, json.dumps(peers.to_dict()))
    window = HoldStore.open(own.data_dir / "peer_holds.db", own.db_key)  # the window's process, same file
    assert window.holds() == []
    group = PeerGroup(CODE, own.terminal_id, own.private_key, holds)
    try:
        assert group.node is not None and group.node._server is None  # noqa: SLF001 - not listening
        hold, report = group.record_hold("suppression", "0000000123", "本人の申出", supervisor="supervisor1")
        assert report.reached == [neighbour.terminal_id] and report.unreachable == {}
        assert other.holds.ids() == {hold.hold_id} and holds.ids() == {hold.hold_id}
        assert window.ids() == {hold.hold_id} and len(window.suppressions()) == 1  # enforced there at once
    finally:
        window.close()
        group.close()
        stop_node(other)
        taken.close()
