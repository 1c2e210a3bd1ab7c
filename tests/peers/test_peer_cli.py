"""Issue 18 from the command line: `madoguchi hold …` and `madoguchi sync` as real processes against
the real server behind the fault proxies, with a neighbour peer listening on 127.0.0.x.

Every line cut → BCP mode: a clerk may not record a hold, a reason is required, a supervisor
records one (in force here at once and pushed to the neighbour); the line back → `sync` proposes
it; a supervisor lists, declines without a note (refused), confirms; the register has the 抑止.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from client.peers.directory import fetch_peer_list
from client.peers.holds import HoldStore
from client.peers.node import PeerNode
from server_stub.db import make_engine
from server_stub.seed.demo import demo_terminal_private_key
from tests.faults.cli_rig import CliRig, start_rig
from tests.integration.bcp_env import CODE, login, terminal_signed
from tests.peers.peer_env import free_port_on


@pytest.fixture
def rig(tmp_path: Path, inprocess_server_factory: Any) -> Iterator[CliRig]:
    r = start_rig(tmp_path, inprocess_server_factory)
    yield r
    r.close()


def _hold(rig: CliRig, *args: str, user: str = "supervisor1", password: str = "supervisor1pass"
          ) -> tuple[int, Any, str]:
    return rig.json("hold", *args, "--user", user, "--password-stdin", stdin=password + "\n")


@pytest.mark.slow
def test_hold_add_in_bcp_mode_reaches_the_neighbour_and_is_confirmed_online(rig: CliRig, tmp_path: Path) -> None:
    from server_stub.models import HoldProposal, Suppression

    rig.enroll("T-CLI-1")
    subject, other = rig.subjects(2)
    admin = login(rig.server.base_url, "admin1", "admin1pass").token
    addresses = {"T-CLI-1": f"127.0.0.7:{free_port_on('127.0.0.7')}", "T002": f"127.0.0.8:{free_port_on('127.0.0.8')}"}
    for tid, address in addresses.items():
        answer = httpx.put(f"{rig.server.base_url}/api/v1/peers/terminals/{tid}", json={"site": "本庁舎", "address": address},
                           headers={"authorization": f"Bearer {admin}"}, timeout=10.0)
        assert answer.status_code == 200, answer.text
    code, synced, err = rig.json("sync")  # caches the site's peer list for the runs in the outage
    assert code == 0, err
    assert synced["peers"]["peers_listed"] == 2

    neighbour_holds = HoldStore.open(tmp_path / "T002" / "peer_holds.db", b"\x02" * 32)
    with terminal_signed(rig.server.base_url, "T002") as signed:
        neighbour = PeerNode("T002", demo_terminal_private_key(CODE, "T002"), fetch_peer_list(signed),
                             neighbour_holds, bind=addresses["T002"]).start()
    try:
        code, body, err = _hold(rig, "add", "--resident", subject, "--kind", "suppression", "--reason", "申出あり")
        assert code == 1 and "BCPモード中のみ" in err and neighbour_holds.count() == 0  # online: refused

        rig.env["MADOGUCHI_BCP_WINDOW_SECONDS"] = "3"
        rig.lines("cut")
        code, body, err = _hold(rig, "add", "--resident", subject, "--kind", "suppression", "--reason", "申出あり",
                                user="clerk1", password="clerk1pass")
        assert code == 1 and "係長" in err and neighbour_holds.count() == 0  # a clerk may not
        code, body, err = _hold(rig, "add", "--resident", subject, "--kind", "suppression", "--reason", " ")
        assert code == 2 and "理由を入力してください" in err and neighbour_holds.count() == 0

        code, body, err = _hold(rig, "add", "--resident", subject, "--kind", "suppression", "--reason", "申出あり")
        assert code == 0, err
        assert body["mode"] == "bcp" and body["hold"]["reached"] == ["T002"]
        hold_id = body["hold"]["hold_id"]
        assert neighbour_holds.ids() == {hold_id}  # pushed to the neighbour at once

        code, issued, err = rig.issue(subject, tmp_path / "held.pdf")  # enforced here: the rule engine refuses
        assert code == 1 and not (tmp_path / "held.pdf").exists(), err
        code, ok, err = rig.issue(other, tmp_path / "other.pdf")
        assert code == 0 and ok["mode"] == "bcp", err
        code, listed, err = _hold(rig, "list", user="clerk1", password="clerk1pass")
        assert code == 0, err
        assert [(h["hold_id"], h["kind"], h["atena_no"]) for h in listed["holds"]] == [(hold_id, "suppression", subject)]

        rig.lines("pass")
        code, synced, err = rig.json("sync")
        assert code == 0, err
        assert synced["peers"]["holds_proposed"] == {hold_id: "stored"} and synced["outbox"]["stored"] == 1

        code, body, err = _hold(rig, "proposals", user="clerk1", password="clerk1pass")
        assert code == 1 and "係長" in err
        code, body, err = _hold(rig, "proposals")
        assert code == 0, err
        assert [(p["hold_id"], p["status"], p["origin_terminal"]) for p in body["proposals"]] == [
            (hold_id, "proposed", "T-CLI-1")]
        code, body, err = _hold(rig, "decline", hold_id)
        assert code == 2 and "取り下げの理由" in err
        code, body, err = _hold(rig, "confirm", hold_id, "--note", "確認済み")
        assert code == 0, err
        assert body["proposal"]["status"] == "confirmed" and body["proposal"]["decided_by"] == "supervisor1"
        code, body, err = _hold(rig, "confirm", hold_id)
        assert code == 1 and "処理済み" in err  # once only
        code, synced, err = rig.json("sync")  # the register's 抑止 is in the replica now: the hold retires
        assert code == 0, err
        assert synced["peers"]["holds_retired"] == [hold_id]
        code, listed, err = _hold(rig, "list")
        assert code == 0 and listed["holds"] == [], err
    finally:
        neighbour.stop()
        neighbour_holds.close()

    engine = make_engine(rig.db_url)
    try:
        with Session(engine) as s:
            assert s.scalar(select(HoldProposal.status).where(HoldProposal.hold_id == hold_id)) == "confirmed"
            register = s.scalars(select(Suppression).where(Suppression.atena_no == subject,
                                                           Suppression.suppression_id.like("EH-%"))).all()
            assert len(register) == 1 and "申出あり" in register[0].reason
    finally:
        engine.dispose()
