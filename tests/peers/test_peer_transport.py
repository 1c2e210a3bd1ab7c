"""Peers talk with signed, replay-protected messages on loopback/LAN addresses (real sockets, 127.0.0.x)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from client.peers.holds import Hold, HoldInputError, sign_hold
from client.peers.node import PATH, PeerNode
from client.peers.wire import NotOnLanError, PeerError, PeerInfo, PeerList, PeerRefused, Signer
from tests.peers.peer_env import CODE, Member, members, new_key, peer_list, public_of, start_node, stop_node

ATENA = "100000001"


@pytest.fixture
def trio(tmp_path: Path) -> Iterator[tuple[list[Member], list[PeerNode]]]:
    group = members(tmp_path, 3)
    peers = peer_list(group)
    nodes = [start_node(m, peers) for m in group]
    yield group, nodes
    for node in nodes:
        stop_node(node)


def _post(member: Member, message: dict) -> httpx.Response:
    return httpx.post(f"http://{member.address}{PATH}", json=message, timeout=5.0, trust_env=False)


def test_a_hold_reaches_every_peer_signed_by_its_origin(trio) -> None:
    group, (a, b, c) = trio
    hold, report = a.record_hold("suppression", ATENA, "本人確認に疑義", supervisor="supervisor1")
    assert sorted(report.reached) == ["T002", "T003"] and report.unreachable == {}
    for node in (a, b, c):
        assert node.holds.ids() == {hold.hold_id}
        assert node.holds.status() == {"holds": 1, "suppressions": 1, "provisional_support": 0}
        (suppression,) = node.holds.suppressions()
        assert suppression.atena_no == ATENA and suppression.level.value == "error"
    assert b.send(group[2].info(), "ping", {})["holds"] == 1  # T002 asks T003 directly


def test_bad_input_records_nothing(trio) -> None:
    _group, (a, b, _c) = trio
    for kind, atena, reason in (("release_all", ATENA, "x"), ("suppression", "1; DROP", "x"),
                                ("suppression", ATENA, "  "), ("suppression", ATENA, "長" * 201)):
        with pytest.raises(HoldInputError):
            a.record_hold(kind, atena, reason, supervisor="supervisor1")
    assert a.holds.count() == 0 and b.holds.count() == 0


def test_an_outsider_a_replay_a_redirected_or_old_message_are_refused(trio) -> None:
    group, (a, b, c) = trio
    peers = a.peers
    signed = sign_hold(Hold("0d5e3b8e-5a7f-4f0e-9b1e-2f8a4f0c1a11", "suppression", CODE, ATENA, "r", "supervisor1",
                            "T001", "2026-12-02T10:00:00+09:00"), group[0].private_key)
    outsider = Signer("T001", new_key(), peers)  # claims to be T001 with another key
    answer = _post(group[1], outsider.seal("T002", "hold", {"holds": [signed]}))
    assert answer.status_code == 403 and answer.json()["error"] == "bad_signature"

    honest = Signer("T001", group[0].private_key, peers)
    message = honest.seal("T002", "ping", {})
    assert _post(group[1], message).status_code == 200
    replay = _post(group[1], message)
    assert replay.status_code == 403 and replay.json()["error"] == "replay"
    redirected = _post(group[2], message)  # the same message sent to T003
    assert redirected.status_code == 403 and redirected.json()["error"] == "not_for_us"

    old = Signer("T001", group[0].private_key, peers, clock=lambda: time.time() - 120)
    stale = _post(group[1], old.seal("T002", "ping", {}))
    assert stale.status_code == 403 and stale.json()["error"] == "clock_skew"

    stranger = Signer("T999", new_key(), peers)
    assert _post(group[1], stranger.seal("T002", "ping", {})).json()["error"] == "unknown_peer"
    assert _post(group[1], {"envelope": "x"}).json()["error"] == "malformed"
    assert b.holds.count() == 0 and c.holds.count() == 0


def test_a_relayed_hold_must_carry_its_origins_signature(trio) -> None:
    group, (a, b, _c) = trio
    forged_hold = Hold("8a0f1b6e-0c1d-4d6a-8f5e-3b7c2d1e0f99", "provisional_support", CODE, ATENA, "r",
                       "supervisor1", "T001", "2026-12-02T10:00:00+09:00")
    forged = sign_hold(forged_hold, group[2].private_key)  # T003 signs a hold naming T001 as origin
    relay = Signer("T003", group[2].private_key, a.peers)
    answer = _post(group[1], relay.seal("T002", "hold", {"holds": [forged]}))
    assert answer.status_code == 403 and answer.json()["error"] == "bad_signature"
    assert b.holds.count() == 0


def test_the_answer_must_come_from_the_peer_itself(tmp_path: Path, trio) -> None:
    """Mutual authentication: a server at T002's address that does not hold T002's key is not believed."""
    group, (a, b, _c) = trio
    impostor_members = members(tmp_path / "imp", 1, first_host=9)
    imp = impostor_members[0]
    impostor_view = PeerList(CODE, "本庁舎", (group[0].info(), PeerInfo("T002", public_of(imp.private_key), imp.address)))
    impostor = start_node(Member("T002", imp.host, imp.port, imp.private_key, imp.db_key, imp.data_dir), impostor_view)
    try:
        fooled = PeerList(CODE, "本庁舎", (group[0].info(), PeerInfo("T002", group[1].info().public_key, imp.address)))
        a.update_peers(fooled)
        with pytest.raises(PeerRefused) as refused:
            a.send(fooled.peers[1], "ping", {})
        assert refused.value.code == "bad_signature"
    finally:
        stop_node(impostor)


def test_only_loopback_and_private_lan_addresses(tmp_path: Path) -> None:
    for address in ("8.8.8.8:8080", "example.org:80", "0.0.0.0:9000", "127.0.0.2", "127.0.0.2:99999"):
        with pytest.raises(NotOnLanError):
            PeerInfo.from_dict({"terminal_id": "T1", "public_key": "A" * 43 + "=", "address": address})
    group = members(tmp_path, 1)
    with pytest.raises(NotOnLanError):
        PeerNode("T001", group[0].private_key, peer_list(group), None, bind="203.0.113.5:7000")  # type: ignore[arg-type]
    assert PeerInfo.from_dict({"terminal_id": "T1", "public_key": "A" * 43 + "=", "address": "192.168.10.20:7000"})


def test_an_unreachable_peer_is_reported_and_gets_the_hold_on_joining(tmp_path: Path) -> None:
    group = members(tmp_path, 3)
    peers = peer_list(group)
    a, b = start_node(group[0], peers), start_node(group[1], peers)
    try:
        h1, report = a.record_hold("provisional_support", ATENA, "DV相談(仮支援措置)", supervisor="supervisor1")
        assert report.reached == ["T002"] and list(report.unreachable) == ["T003"]
        h2, _ = b.record_hold("suppression", "100000002", "不正請求の疑い", supervisor="supervisor1")
        c = start_node(group[2], peers)  # comes later
        try:
            assert c.holds.count() == 0
            joined = c.join()
            assert sorted(joined.reached) == ["T001", "T002"]
            assert c.holds.ids() == {h1.hold_id, h2.hold_id} == a.holds.ids() == b.holds.ids()
            (measure,) = c.holds.support_measures()
            assert measure.provisional and measure.protected_atena_nos == (ATENA,)
        finally:
            stop_node(c)
    finally:
        stop_node(a)
        stop_node(b)


def test_partitioned_peers_converge_when_they_meet(tmp_path: Path) -> None:
    group = members(tmp_path, 2)
    alone = [start_node(m, PeerList(CODE, "本庁舎", tuple(x.info() for x in group))) for m in group]
    try:
        # partition: each sees only itself
        for node, m in zip(alone, group, strict=True):
            node.update_peers(PeerList(CODE, "本庁舎", (m.info(),)))
        ha, _ = alone[0].record_hold("suppression", "100000003", "窓口で申出", supervisor="supervisor1")
        hb, _ = alone[1].record_hold("suppression", "100000004", "窓口で申出", supervisor="supervisor2")
        assert alone[0].holds.ids() == {ha.hold_id} and alone[1].holds.ids() == {hb.hold_id}
        for node in alone:
            node.update_peers(peer_list(group))  # healed
        alone[0].sync()
        assert alone[0].holds.ids() == alone[1].holds.ids() == {ha.hold_id, hb.hold_id}
    finally:
        for node in alone:
            stop_node(node)


def test_peer_error_is_a_clerk_error_in_japanese(tmp_path: Path) -> None:
    group = members(tmp_path, 2)
    a = start_node(group[0], peer_list(group))
    try:
        with pytest.raises(PeerError) as down:
            a.send(group[1].info(), "ping", {})
        assert down.value.detail == "unreachable" and "接続できません" in down.value.message_ja
    finally:
        stop_node(a)


def test_a_mirrored_record_is_sealed_to_its_receiver_and_resealed_after_a_restart(tmp_path: Path) -> None:
    import json

    from client.peers.mirror import MirrorStore, sign_mirror

    group = members(tmp_path, 3)
    peers = peer_list(group)
    a, c = start_node(group[0], peers), start_node(group[2], peers)
    b = start_node(group[1], PeerList(CODE, "本庁舎", peers.peers))
    b.mirrors = MirrorStore.open(group[1].data_dir / "peer_mirror.db", group[1].db_key)
    a.update_peers(PeerList(CODE, "本庁舎", (group[0].info(), group[1].info())))  # A mirrors to B only
    record = {"uuid": "4f1c2a3b-0000-4000-8000-00000000abcd", "content": {"persons": [{"name": "秘密 花子"}]}}
    try:
        sealed = a._seal(group[1].info(), sign_mirror(record, "T001", group[0].private_key))
        assert "秘密" not in json.dumps(sealed, ensure_ascii=False) and record["uuid"] not in json.dumps(sealed)
        with pytest.raises(PeerRefused):
            c._unseal("T001", sealed)  # only B can open it
        assert b._unseal("T001", sealed)["record"] == record

        assert a.mirror_record(record) == "T002" and b.mirrors.count() == 1
        b.mirrors.close()
        stop_node(b)
        b = start_node(group[1], peers)  # restarted: a new sealing key; A still has the old one cached
        b.mirrors = MirrorStore.open(group[1].data_dir / "peer_mirror.db", group[1].db_key)
        second = {**record, "uuid": "4f1c2a3b-0000-4000-8000-00000000abce"}
        assert a.mirror_record(second) == "T002" and b.mirrors.count() == 2
    finally:
        if b.mirrors is not None:
            b.mirrors.close()
        for node in (a, b, c):
            stop_node(node)
