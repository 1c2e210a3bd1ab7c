"""The peer group inside an enrolled terminal's runtime: list at upkeep, holds enforced, proposals on recovery."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from client.continuity.assembly import build_terminal
from client.continuity.machine import LinkMode
from client.local.keystore import KeyStore
from client.outbox.store import Lease, Outbox
from client.peers.directory import fetch_peer_list
from client.peers.holds import HoldStore
from client.peers.mirror import MirrorStore
from client.peers.node import PeerNode
from client.peers.serials import SerialDonor
from client.services.errors import ProtectedResidentError
from server_stub.db import make_engine
from server_stub.models import SerialLease
from server_stub.seed.demo import demo_terminal_private_key
from tests.integration.bcp_env import CODE, enrolled, juminhyo, login, plain_subjects, terminal_signed
from tests.peers.peer_env import free_port_on


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


@pytest.mark.slow
def test_runtime_joins_its_hall_enforces_a_peers_hold_and_proposes_it(tmp_path: Path, server_factory,
                                                                      memory_keyring) -> None:
    db_url, server, data = enrolled(tmp_path, server_factory, "T103", "支所3")
    admin = login(server.base_url, "admin1", "admin1pass").token
    addresses = {"T103": f"127.0.0.2:{free_port_on('127.0.0.2')}", "T002": f"127.0.0.3:{free_port_on('127.0.0.3')}"}
    for tid, address in addresses.items():
        answer = httpx.put(f"{server.base_url}/api/v1/peers/terminals/{tid}", json={"site": "支所", "address": address},
                           headers={"authorization": f"Bearer {admin}"}, timeout=10.0)
        assert answer.status_code == 200, answer.text
    clock = Clock()
    rt = build_terminal(data, keystore=KeyStore(), bcp_policy="auto", monotonic=clock, run_async=lambda fn: fn())
    neighbour_holds = HoldStore.open(tmp_path / "T002" / "peer_holds.db", b"\x01" * 32)
    neighbour_mirrors = MirrorStore.open(tmp_path / "T002" / "peer_mirror.db", b"\x04" * 32)
    neighbour_outbox = Outbox.open(tmp_path / "T002" / "outbox.db", b"\x06" * 32)
    with terminal_signed(server.base_url, "T002") as signed:
        neighbour = PeerNode("T002", demo_terminal_private_key(CODE, "T002"), fetch_peer_list(signed), neighbour_holds,
                             bind=addresses["T002"], mirrors=neighbour_mirrors).start()
        lease = signed.post("/api/v1/serials/lease", {"size": 20})
        neighbour_outbox.add_lease(Lease(lease["lease_id"], int(lease["first"]), int(lease["last"]),
                                         datetime.fromisoformat(lease["expires_at"])))
    neighbour.serial_donor = SerialDonor(neighbour_outbox, neighbour_holds, CODE, "T002",
                                         demo_terminal_private_key(CODE, "T002"))
    try:
        rt.refill_leases()
        assert rt.peers is not None and rt.peers.node is None  # no list cached yet
        report = rt.peers.refresh(rt.remote)  # what the online upkeep does
        assert report is not None and report.reached == ["T002"]
        assert rt.peers.status()["peer_address"] == addresses["T103"]

        rt.machine.confirm_bcp(clock(), "supervisor1")
        rt.bcp_backend.sign_in(CODE, "clerk1", "clerk1pass", "T103")
        subject, plain = plain_subjects(db_url, 2)
        issued = rt.bcp_backend.issue(juminhyo(plain), None, "P001")  # mirrored at T002 before hand-over
        assert neighbour_mirrors.count() == 1 and neighbour_mirrors.pending()[0]["record"]["uuid"] == issued.issuance_id
        hold, pushed = neighbour.record_hold("provisional_support", subject, "DV相談", supervisor="supervisor1")
        assert pushed.reached == ["T103"]
        with pytest.raises(ProtectedResidentError):
            rt.bcp_backend.resident(subject)
        assert rt.status()["emergency_holds"] == 1
        before = rt.status()["serials_available"]
        assert rt.peers.borrow_serials(4) == 4  # the idle neighbour's unused tail
        assert rt.status()["serials_available"] == before + 4

        for _ in range(4):  # the line answers steadily → RECOVERING → push (+ proposals) → ONLINE
            rt.continuity.probe_all()
            clock.t += 5
        assert rt.machine.mode is LinkMode.ONLINE
        with login(server.base_url, "supervisor1", "supervisor1pass") as supervisor:
            (proposal,) = supervisor.get("/api/v1/peers/hold-proposals")["proposals"]
        assert proposal["hold_id"] == hold.hold_id and proposal["received_from"] == "T103"
        assert proposal["origin_terminal"] == "T002"
        engine = make_engine(db_url)  # the transfer reached the data centre with the recovery push
        try:
            with Session(engine) as s:
                moved = s.scalars(select(SerialLease).where(SerialLease.terminal_id == "T103",
                                                            SerialLease.last - SerialLease.first == 3)).all()
                assert len(moved) == 1 and moved[0].last == int(lease["last"])
        finally:
            engine.dispose()
    finally:
        neighbour.stop()
        neighbour_holds.close()
        neighbour_mirrors.close()
        neighbour_outbox.close()
        rt.close()
