"""The hall's peer group against the real server: peer list online, holds enforced offline, proposals on recovery."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from client.domain.model import Outcome
from client.local.keystore import KeyStore
from client.outbox.issuer import BcpIssuer
from client.peers.directory import cached_peer_list, fetch_peer_list, propose_holds
from client.peers.holds import HeldContext, HoldStore, domain_id, key_name
from client.peers.node import PeerNode
from client.remote.errors import RemoteRejectedError as RemoteError
from client.replica.lookups import ReplicaLookups
from client.replica.search import ReplicaSearch
from client.services.bcp_backend import BcpBackend
from client.services.errors import ProtectedResidentError, RejectedError
from server_stub.db import make_engine
from server_stub.models import HoldProposal, Suppression
from server_stub.seed.demo import demo_terminal_private_key
from tests.integration.bcp_env import (
    CODE,
    Terminal,
    juminhyo,
    login,
    now_utc,
    plain_subjects,
    seed,
    terminal_signed,
)
from tests.peers.peer_env import free_port_on


def _put_address(base_url: str, admin_token: str, terminal_id: str, site: str, address: str) -> httpx.Response:
    return httpx.put(f"{base_url}/api/v1/peers/terminals/{terminal_id}", json={"site": site, "address": address},
                     headers={"authorization": f"Bearer {admin_token}"}, timeout=10.0)


@pytest.mark.slow
def test_holds_across_the_hall_and_back_to_the_data_centre(db_url: str, tmp_path: Path, server_factory,
                                                           memory_keyring) -> None:
    seed(db_url)
    server = server_factory(db_url)
    admin = login(server.base_url, "admin1", "admin1pass").token
    ports = {"T001": free_port_on("127.0.0.2"), "T002": free_port_on("127.0.0.3")}
    for tid, host in (("T001", "127.0.0.2"), ("T002", "127.0.0.3")):
        assert _put_address(server.base_url, admin, tid, "本庁舎1階", f"{host}:{ports[tid]}").status_code == 200
    bad = _put_address(server.base_url, admin, "T001", "本庁舎1階", "8.8.8.8:443")
    assert bad.status_code == 422 and bad.json()["detail"]["code"] == "not_lan_address"
    with pytest.raises(RemoteError):  # the peer list is for terminals, not staff tokens
        login(server.base_url).get("/api/v1/peers")

    keystore = KeyStore()
    boxes, nodes = {}, {}
    try:
        for tid, host, name in (("T001", "127.0.0.2", "本庁1"), ("T002", "127.0.0.3", "本庁2")):
            box = Terminal.build(tmp_path / tid, login(server.base_url, terminal=tid), keystore, terminal_id=tid,
                                 terminal_name=name)
            box.lease(5)
            box.bootstrap()
            boxes[tid] = box
            holds = HoldStore.open(tmp_path / tid / "peer_holds.db", keystore.ensure_database_key(key_name(CODE)))
            signed_client = terminal_signed(server.base_url, tid)
            peers = fetch_peer_list(signed_client, holds)
            signed_client.close()
            assert [p.terminal_id for p in peers.peers] == ["T001", "T002"] and peers.site == "本庁舎1階"
            assert cached_peer_list(holds) == peers
            nodes[tid] = PeerNode(tid, demo_terminal_private_key(CODE, tid), peers, holds,
                                  bind=f"{host}:{ports[tid]}").start()

        # --- the line is down: BCP on both terminals ---------------------------------------------
        victim, other = plain_subjects(db_url, 2)
        backends = {tid: BcpBackend(ReplicaLookups(b.store), ReplicaSearch(b.store), b.outbox, b.issuer,
                                    holds=nodes[tid].holds) for tid, b in boxes.items()}
        for backend in backends.values():
            backend.sign_in(CODE, "clerk1", "clerk1pass", "T001")
        assert backends["T002"].evaluate(juminhyo(victim)).allowed

        hold, report = nodes["T001"].record_hold("provisional_support", victim, "DV相談(仮支援措置申出)",
                                                 supervisor="supervisor1")
        assert report.reached == ["T002"]
        with pytest.raises(ProtectedResidentError):
            backends["T002"].resident(victim)  # 照会 refused at the other window at once
        decision = backends["T002"].evaluate(juminhyo(victim))
        assert decision.outcome is Outcome.DENY and decision.reasons[0].code.startswith("support_measure")
        with pytest.raises(ProtectedResidentError):
            backends["T002"].issue(juminhyo(victim), None, "P001")
        assert backends["T002"].for_user(CODE, "clerk2", "clerk2pass", "T002")[1].evaluate(
            juminhyo(victim)).outcome is Outcome.DENY  # a clerk signing in later sees it too
        assert boxes["T002"].outbox.all_records() == []
        held_issuer = BcpIssuer(boxes["T002"].outbox, HeldContext(ReplicaLookups(boxes["T002"].store),
                                                                   nodes["T002"].holds),
                                terminal_name="本庁2", signing_key=demo_terminal_private_key(CODE, "T002"), key_id="k")
        assert not held_issuer.evaluate(juminhyo(victim), now_utc()).allowed  # the issuer's own context has it
        assert held_issuer.evaluate(juminhyo(other), now_utc()).allowed

        supp, _ = nodes["T002"].record_hold("suppression", other, "請求者の本人確認に疑義", supervisor="supervisor1")
        with pytest.raises(RejectedError) as refused:
            backends["T001"].issue(juminhyo(other), None, "P001")
        assert refused.value.detail == "suppressed_bcp"
        assert backends["T001"].resident(other).resident.atena_no == other  # 抑止 of 発行 does not hide the person
        for node in nodes.values():
            assert node.holds.status() == {"holds": 2, "suppressions": 1, "provisional_support": 1}

        # --- the line is back: proposals, stored once whoever pushes first ----------------------
        first = terminal_signed(server.base_url, "T002")
        assert propose_holds(first, nodes["T002"].holds) == {hold.hold_id: "stored", supp.hold_id: "stored"}
        assert propose_holds(first, nodes["T002"].holds) == {}  # nothing left to send
        first.close()
        second = terminal_signed(server.base_url, "T001")
        assert propose_holds(second, nodes["T001"].holds) == {hold.hold_id: "duplicate", supp.hold_id: "duplicate"}
        tampered = nodes["T001"].holds.signed()[0]
        tampered["hold"] = {**tampered["hold"], "atena_no": other}
        (rejected,) = second.post("/api/v1/peers/hold-proposals", {"holds": [tampered]})["results"]
        assert rejected["status"] == "rejected" and rejected["code"] == "bad_signature"
        second.close()

        supervisor = login(server.base_url, "supervisor1", "supervisor1pass")
        listed = supervisor.get("/api/v1/peers/hold-proposals")["proposals"]
        assert {p["hold_id"] for p in listed} == {hold.hold_id, supp.hold_id}
        assert {p["received_from"] for p in listed} == {"T002"}
        with pytest.raises(RemoteError):
            login(server.base_url).get("/api/v1/peers/hold-proposals")  # a clerk may not
        confirmed = supervisor.post(f"/api/v1/peers/hold-proposals/{supp.hold_id}/confirm", {"note": "確認済"})
        assert confirmed["status"] == "confirmed" and confirmed["decided_by"] == "supervisor1"
        with pytest.raises(RemoteError):
            supervisor.post(f"/api/v1/peers/hold-proposals/{supp.hold_id}/confirm", {})  # decided already
        with pytest.raises(RemoteError):
            supervisor.post(f"/api/v1/peers/hold-proposals/{hold.hold_id}/decline", {"note": ""})
        declined = supervisor.post(f"/api/v1/peers/hold-proposals/{hold.hold_id}/decline",
                                   {"note": "本人の申出を取り下げ"})
        assert declined["status"] == "declined"
        supervisor.close()

        engine = make_engine(db_url)
        try:
            with Session(engine) as s:
                rows = s.scalars(select(HoldProposal).where(HoldProposal.municipality_code == CODE)).all()
                assert len(rows) == 2  # each hold exactly once
                (real,) = s.scalars(select(Suppression).where(Suppression.suppression_id == domain_id(supp.hold_id)))
                assert real.atena_no == other and real.process == "hakko" and real.level == "error"
        finally:
            engine.dispose()
        boxes["T001"].pull()  # the confirmed 抑止 comes down with the replica
        assert [s.suppression_id for s in ReplicaLookups(boxes["T001"].store).suppressions({other}, set())] \
            == [domain_id(supp.hold_id)]
    finally:
        for node in nodes.values():
            node.stop()
            node.holds.close()
        for box in boxes.values():
            box.close()
