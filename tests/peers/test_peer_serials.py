"""Serial rebalancing: an idle peer hands part of its unused lease to a busy one; the data centre's
leases follow, every number is leased to one terminal, every issuance is stored once, serials unique."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from client.local.keystore import KeyStore
from client.peers.directory import fetch_peer_list
from client.peers.holds import HoldStore
from client.peers.node import PeerNode
from client.peers.serials import SerialDonor, accept_transfer, push_transfers, sign_transfer
from client.replica.lookups import ReplicaLookups
from client.replica.search import ReplicaSearch
from client.services.bcp_backend import BcpBackend
from server_stub.db import make_engine
from server_stub.models import Issuance, IssuedCopy, SerialLease
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
def test_an_idle_peer_hands_serials_to_a_busy_one_and_the_data_centre_accounts_for_each(
        db_url: str, tmp_path: Path, server_factory, memory_keyring) -> None:
    seed(db_url)
    server = server_factory(db_url)
    admin = login(server.base_url, "admin1", "admin1pass").token
    addresses = {"T001": f"127.0.0.2:{free_port_on('127.0.0.2')}", "T002": f"127.0.0.3:{free_port_on('127.0.0.3')}"}
    for tid, address in addresses.items():
        assert httpx.put(f"{server.base_url}/api/v1/peers/terminals/{tid}", json={"site": "本庁舎", "address": address},
                         headers={"authorization": f"Bearer {admin}"}, timeout=10.0).status_code == 200
    keystore = KeyStore()
    boxes, nodes, backends = {}, {}, {}
    try:
        for tid, name, size in (("T001", "本庁1", 20), ("T002", "本庁2", 2)):
            box = Terminal.build(tmp_path / tid, login(server.base_url, terminal=tid), keystore, terminal_id=tid,
                                 terminal_name=name)
            box.lease(size)
            box.bootstrap()
            boxes[tid] = box
            with terminal_signed(server.base_url, tid) as signed:
                peers = fetch_peer_list(signed)
            holds = HoldStore.open(tmp_path / tid / "peer_holds.db", b"\x05" * 32)
            node = PeerNode(tid, demo_terminal_private_key(CODE, tid), peers, holds, bind=addresses[tid]).start()
            node.serial_donor = SerialDonor(box.outbox, holds, CODE, tid, demo_terminal_private_key(CODE, tid), keep=2)
            nodes[tid] = node
            backends[tid] = BcpBackend(ReplicaLookups(box.store), ReplicaSearch(box.store), box.outbox, box.issuer)
            backends[tid].sign_in(CODE, "clerk1", "clerk1pass", tid)
        subjects = plain_subjects(db_url, 11)
        busy, idle = boxes["T002"], boxes["T001"]
        for s in subjects[:2]:
            backends["T002"].issue(juminhyo(s), None, "P001")
        assert busy.outbox.serials_available(now_utc()) == 0

        assert nodes["T002"].request_serials(100) is None  # T001 keeps 2: it cannot give 100
        signed = nodes["T002"].request_serials(6)
        assert signed is not None
        assert accept_transfer(busy.outbox, nodes["T002"].holds, signed) == 6
        assert busy.outbox.serials_available(now_utc()) == 6 and idle.outbox.serials_available(now_utc()) == 14
        for s in subjects[2:8]:
            backends["T002"].issue(juminhyo(s), None, "P001")  # on the numbers T001 handed over
        assert busy.outbox.serials_available(now_utc()) == 0
        def borrow(n: int) -> int:
            signed_more = nodes["T002"].request_serials(n)
            return accept_transfer(busy.outbox, nodes["T002"].holds, signed_more) if signed_more else 0

        backends["T002"].borrow_serials = borrow
        assert backends["T002"].evaluate(juminhyo(subjects[0])).allowed  # ran short: 10 more asked and given
        assert busy.outbox.serials_available(now_utc()) == 10 and idle.outbox.serials_available(now_utc()) == 4
        backends["T002"].issue(juminhyo(subjects[8]), None, "P001")
        for s in subjects[9:11]:
            backends["T001"].issue(juminhyo(s), None, "P001")

        # the line is back: transfers first, then the outboxes (the recipient pushes first here)
        with terminal_signed(server.base_url, "T002") as t2:
            assert list(push_transfers(t2, nodes["T002"].holds).values()) == ["stored", "stored"]
            assert busy.pusher().push(now_utc).stored == 9
            other = sign_transfer({**signed["transfer"], "first": 1, "transfer_id": "00000000-0000-4000-8000-000000000001"},
                                  demo_terminal_private_key(CODE, "T002"))  # T002 cannot give itself T001's numbers
            (refused,) = t2.post("/api/v1/peers/lease-transfers", {"transfers": [other]})["results"]
            assert refused["code"] == "bad_signature"
        with terminal_signed(server.base_url, "T001") as t1:
            assert list(push_transfers(t1, nodes["T001"].holds).values()) == ["duplicate", "duplicate"]
            assert idle.pusher().push(now_utc).stored == 2

        engine = make_engine(db_url)
        try:
            with Session(engine) as s:
                leases = s.scalars(select(SerialLease).where(SerialLease.municipality_code == CODE)).all()
                ranges = sorted((lease.first, lease.last, lease.terminal_id) for lease in leases if lease.last >= lease.first)
                numbers = [n for first, last, _ in ranges for n in range(first, last + 1)]
                assert len(numbers) == len(set(numbers)) == 22  # every number leased to exactly one terminal
                copies = s.execute(select(IssuedCopy.serial, Issuance.terminal_id)
                                   .join(Issuance, Issuance.id == IssuedCopy.issuance_id)
                                   .where(Issuance.mode == "bcp")).all()
                assert len(copies) == len({c.serial for c in copies}) == 11  # serials unique
                owner = {n: tid for first, last, tid in ranges for n in range(first, last + 1)}
                assert all(owner[c.serial] == c.terminal_id for c in copies)  # each on its own terminal's lease
                assert sum(c.terminal_id == "T002" for c in copies) == 9
        finally:
            engine.dispose()
    finally:
        for node in nodes.values():
            node.stop()
            node.holds.close()
        for box in boxes.values():
            box.close()


def test_cede_serials_takes_only_the_unused_tail(tmp_path: Path) -> None:
    from datetime import timedelta

    from client.outbox.store import Lease, Outbox

    box = Outbox.open(tmp_path / "outbox.db", b"\x07" * 32)
    try:
        now = now_utc()
        box.add_lease(Lease("L1", 101, 110, now + timedelta(days=1)))
        with pytest.raises(ValueError):
            box.cede_serials(0, now)
        assert box.cede_serials(8, now, keep=3) is None  # 10 left, 3 kept: 8 cannot go
        lease_id, first, last, _ = box.cede_serials(4, now, keep=3) or ("", 0, 0, now)
        assert (lease_id, first, last) == ("L1", 107, 110) and box.serials_available(now) == 6
        assert box.cede_serials(1, now + timedelta(days=2)) is None  # an expired lease gives nothing
    finally:
        box.close()
