"""Mirrored outboxes: a BCP issuance copied to a peer before hand-over; whoever reaches the data centre
first pushes it, and every issuance is on the server exactly once (real server, real sockets)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from client.local.keystore import KeyStore
from client.local.secure_db import SQLITE_HEADER
from client.outbox.push import OutboxPusher
from client.peers.directory import fetch_peer_list
from client.peers.holds import HoldStore
from client.peers.mirror import MirrorStore, push_mirrored, sign_mirror
from client.peers.node import PeerNode
from client.replica.lookups import ReplicaLookups
from client.replica.search import ReplicaSearch
from client.services.bcp_backend import BcpBackend
from server_stub.db import make_engine
from server_stub.models import Issuance, IssuedCopy
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


@pytest.mark.slow
def test_each_bcp_issuance_is_mirrored_and_reaches_the_server_exactly_once(db_url: str, tmp_path: Path,
                                                                           server_factory, memory_keyring) -> None:
    seed(db_url)
    server = server_factory(db_url)
    admin = login(server.base_url, "admin1", "admin1pass").token
    hosts = {"T001": "127.0.0.2", "T002": "127.0.0.3"}
    addresses = {tid: f"{host}:{free_port_on(host)}" for tid, host in hosts.items()}
    for tid, address in addresses.items():
        assert httpx.put(f"{server.base_url}/api/v1/peers/terminals/{tid}", json={"site": "本庁舎", "address": address},
                         headers={"authorization": f"Bearer {admin}"}, timeout=10.0).status_code == 200
    keystore = KeyStore()
    boxes, nodes = {}, {}
    try:
        for tid, name in (("T001", "本庁1"), ("T002", "本庁2")):
            box = Terminal.build(tmp_path / tid, login(server.base_url, terminal=tid), keystore, terminal_id=tid,
                                 terminal_name=name)
            box.lease(6)
            box.bootstrap()
            boxes[tid] = box
            with terminal_signed(server.base_url, tid) as signed:
                peers = fetch_peer_list(signed)
            nodes[tid] = PeerNode(tid, demo_terminal_private_key(CODE, tid), peers,
                                  HoldStore.open(tmp_path / tid / "peer_holds.db", b"\x02" * 32),
                                  bind=addresses[tid],
                                  mirrors=MirrorStore.open(tmp_path / tid / "peer_mirror.db", b"\x03" * 32)).start()
        mirrored_at: list[str | None] = []
        t1 = boxes["T001"]
        backend = BcpBackend(ReplicaLookups(t1.store), ReplicaSearch(t1.store), t1.outbox, t1.issuer,
                             mirror=lambda record: mirrored_at.append(nodes["T001"].mirror_record(record)))
        backend.sign_in(CODE, "clerk1", "clerk1pass", "T001")
        subjects = plain_subjects(db_url, 4)
        outcomes = [backend.issue(juminhyo(s), None, "P001") for s in subjects[:3]]
        assert mirrored_at == ["T002", "T002", "T002"]
        mirrors = nodes["T002"].mirrors
        assert mirrors is not None and mirrors.count() == 3
        raw = (tmp_path / "T002" / "peer_mirror.db").read_bytes()
        assert not raw.startswith(SQLITE_HEADER) and subjects[0].encode() not in raw

        # a peer that is down does not keep the resident waiting: issued, not mirrored
        nodes["T002"].stop()
        alone = backend.issue(juminhyo(subjects[3]), None, "P001")
        assert mirrored_at[-1] is None and alone.certificates

        # T001 stays down; T002 reaches the data centre first and pushes the copies it holds
        with terminal_signed(server.base_url, "T002") as t2_remote:
            first = push_mirrored(t2_remote, mirrors)
            assert sorted(first) == sorted(o.issuance_id for o in outcomes) and set(first.values()) == {"stored"}
            assert push_mirrored(t2_remote, mirrors) == {}  # nothing left
            again = t2_remote.post("/api/v1/peers/mirrored-issuances",
                                   {"records": [sign_mirror(t1.outbox.get(outcomes[0].issuance_id).record, "T001",
                                                            demo_terminal_private_key(CODE, "T001"))]})
            assert again["results"][0]["status"] == "duplicate"
            forged = sign_mirror(t1.outbox.get(outcomes[1].issuance_id).record, "T001",
                                 demo_terminal_private_key(CODE, "T002"))  # T002 cannot sign for T001
            forged_answer = t2_remote.post("/api/v1/peers/mirrored-issuances", {"records": [forged]})
            assert forged_answer["results"][0]["code"] == "bad_signature"
        # T001 comes back: its own push finds its three records there already
        with terminal_signed(server.base_url, "T001") as t1_remote:
            result = OutboxPusher(t1.outbox, t1_remote).push(now_utc)
        assert (result.stored, result.duplicates, result.remaining) == (1, 3, 0)

        engine = make_engine(db_url)
        try:
            with Session(engine) as s:
                uuids = [o.issuance_id for o in outcomes] + [alone.issuance_id]
                rows = s.scalars(select(Issuance).where(Issuance.client_uuid.in_(uuids))).all()
                assert len(rows) == 4 and {r.client_uuid for r in rows} == set(uuids)  # each exactly once
                assert {r.terminal_id for r in rows} == {"T001"}  # stored as the origin's, on its leases
                serials = s.scalars(select(IssuedCopy.serial).where(IssuedCopy.issuance_id.in_([r.id for r in rows])))
                serial_list = list(serials)
                assert len(serial_list) == len(set(serial_list)) == 4
                assert s.scalar(select(func.count()).select_from(Issuance).where(Issuance.mode == "bcp")) == 4
        finally:
            engine.dispose()
    finally:
        for node in nodes.values():
            node.stop()
            node.holds.close()
            if node.mirrors is not None:
                node.mirrors.close()
        for box in boxes.values():
            box.close()
