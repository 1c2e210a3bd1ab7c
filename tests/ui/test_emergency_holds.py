"""Issue 18 at the counter: two enrolled terminals of one hall on a real server, peers on 127.0.0.x.

The window's terminal (T103) records an emergency hold through the dialog (online refused, missing
reason, a clerk refused, cancel, then recorded); it is in force at once here and at the neighbour
(T104, a real runtime of its own), the banner counts it; the 交付履歴's hall view shows both windows'
BCP issuances with the duplicate marked, and falls back on the mirrored copies when the neighbour
is gone; after recovery a supervisor confirms one proposal and declines the other in the dialog.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from client.local.keystore import KeyStore
from client.local.memory_keyring import MemoryKeyring
from client.services.errors import ProtectedResidentError
from tests.integration.bcp_env import CODE, juminhyo, login, plain_subjects
from tests.peers.peer_env import free_port_on
from tests.ui.helpers import commit_japanese

WAIT = 20_000


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


@dataclass
class Hall:
    db_url: str
    server: Any
    app: Any
    service: Any
    runtime: Any  # T103, the window's terminal
    neighbour: Any  # T104's runtime
    clock: Clock


@pytest.fixture
def hall(qtbot: Any, tmp_path: Path, server_factory: Any, memory_keyring: Any) -> Iterator[Hall]:
    from client.composition.root import build
    from client.continuity.assembly import build_terminal
    from client.lifecycle.config import ClientConfig
    from client.lifecycle.enrollment import enroll
    from client.ui.app import CounterApp
    from client.ui.mode_banner import ModeBridge
    from tests.integration.bcp_env import enrolled

    db_url, server, data = enrolled(tmp_path, server_factory, "T103", "窓口3")
    other_keys = KeyStore(MemoryKeyring())  # a second terminal: its own keyring
    other = tmp_path / "home-T104"
    enroll(server_url=server.base_url, municipality_code=CODE, terminal_name="窓口4", admin_user="admin1",
           admin_password="admin1pass", data_dir=other, keystore=other_keys, terminal_id="T104")
    admin = login(server.base_url, "admin1", "admin1pass").token
    for tid, host in (("T103", "127.0.0.5"), ("T104", "127.0.0.6")):
        answer = httpx.put(f"{server.base_url}/api/v1/peers/terminals/{tid}",
                           json={"site": "本庁舎", "address": f"{host}:{free_port_on(host)}"},
                           headers={"authorization": f"Bearer {admin}"}, timeout=10.0)
        assert answer.status_code == 200, answer.text
    clock = Clock()
    neighbour = build_terminal(other, keystore=other_keys, bcp_policy="auto", monotonic=clock,
                               run_async=lambda fn: fn())
    config = ClientConfig(data_dir=data, bcp_policy="auto")
    bridge = ModeBridge()
    counter = build(config, keystore=KeyStore(), publish=bridge.publish, on_holds=bridge.publish_holds,
                    start=False, out_dir=tmp_path / "out")
    service, runtime = counter.service, counter.runtime
    app = CounterApp(service, printer=None, bridge=bridge)
    runtime.continuity.monotonic = clock
    runtime.continuity.run_async = lambda fn: fn()
    try:
        for rt in (neighbour, runtime):
            rt.refill_leases()
            rt.peers.refresh(rt.remote)  # the online upkeep: the site's list, the endpoint, a join
        assert runtime.peers.node is not None and neighbour.peers.node is not None
        yield Hall(db_url, server, app, service, runtime, neighbour, clock)
    finally:
        app.taskman.shutdown(wait_seconds=10.0)  # as the app closes: no task left on the stores
        runtime.close()
        neighbour.close()
        service.close()


def _enter_bcp(h: Hall) -> None:
    from client.composition.terminal_link import confirm_bcp

    confirm_bcp(h.service, h.runtime, "supervisor1", "supervisor1pass")
    assert h.service.mode == "bcp"
    h.neighbour.machine.confirm_bcp(h.clock(), "supervisor1")
    h.neighbour.bcp_backend.sign_in(CODE, "clerk1", "clerk1pass", "T104")


def _fill(dialog: Any, user: str, password: str, reason: str | None) -> None:
    dialog.user_edit.setText(user)
    dialog.password_edit.setText(password)
    dialog.reason_edit.clear()
    if reason:
        dialog.reason_edit.setFocus()
        commit_japanese(dialog.reason_edit, reason)


def _counts(h: Hall) -> tuple[int, int]:
    return h.runtime.peers.holds.count(), h.neighbour.peers.holds.count()


def test_a_supervisor_records_a_hold_it_reaches_the_hall_and_the_banner_counts_it(qtbot: Any, hall: Hall) -> None:
    h = hall
    subject, _other = plain_subjects(h.db_url, 2)
    h.service.sign_in("clerk1", "clerk1pass")
    window = h.app.open_main_window()
    qtbot.addWidget(window)
    window.current_summary = h.service.search(subject)[0]

    window.open_emergency_hold()  # online: refused before any dialog, nothing recorded
    assert "BCPモード中のみ" in window.message_label.text() and not hasattr(window, "hold_dialog")

    _enter_bcp(h)
    window.current_summary = h.service.search(subject)[0]
    window.open_emergency_hold()
    dialog = window.hold_dialog
    assert dialog.isVisible() and subject in dialog.findChild(type(dialog.message_label), "holdPerson").text()

    _fill(dialog, "supervisor1", "supervisor1pass", None)  # the reason is required
    dialog.record_button.click()
    assert "理由を入力してください" in dialog.message_label.text() and _counts(h) == (0, 0)

    _fill(dialog, "clerk1", "clerk1pass", "DV相談のため")  # a clerk is not a supervisor
    with qtbot.waitSignal(dialog.failed, timeout=WAIT) as failed:
        dialog.record_button.click()
    assert "権限" in failed.args[0] and dialog.isVisible() and _counts(h) == (0, 0)

    dialog.cancel_button.click()  # 戻る: nothing recorded
    assert not dialog.isVisible() and _counts(h) == (0, 0)
    assert window.banner.holds_label.isHidden()

    window.open_emergency_hold()
    dialog = window.hold_dialog
    dialog.kind_buttons["provisional_support"].click()
    _fill(dialog, "supervisor1", "supervisor1pass", "DV相談のため")
    with qtbot.waitSignal(dialog.recorded, timeout=WAIT) as recorded:
        dialog.record_button.click()
    hold = recorded.args[0]
    assert (hold.kind, hold.atena_no, hold.reason, hold.recorded_by) == (
        "provisional_support", subject, "DV相談のため", "supervisor1")
    assert hold.reached == ("T104",) and hold.unreachable == ()
    assert _counts(h) == (1, 1)
    assert "T104" in window.message_label.text()
    # enforced at once, here and at the neighbour (the rule engine fails closed)
    with pytest.raises(ProtectedResidentError):
        h.service.resident(subject)
    with pytest.raises(ProtectedResidentError):
        h.neighbour.bcp_backend.resident(subject)
    qtbot.waitUntil(lambda: window.banner.holds_label.isVisible(), timeout=WAIT)
    assert window.banner.holds_label.text() == "緊急措置 1件 適用中"

    # a hold the neighbour records reaches the banner too (pushed to this terminal's endpoint)
    h.neighbour.peers.record_hold("suppression", _other, "本人からの申出", supervisor="supervisor1")
    qtbot.waitUntil(lambda: window.banner.holds_label.text() == "緊急措置 2件 適用中", timeout=WAIT)
    assert [x.kind for x in h.service.emergency_holds()] == ["provisional_support", "suppression"]


def test_the_hall_history_marks_a_duplicate_and_falls_back_on_mirrored_copies(qtbot: Any, hall: Hall) -> None:
    from client.ui.history_dialog import HistoryDialog

    h = hall
    twice, once = plain_subjects(h.db_url, 2)
    h.service.sign_in("clerk1", "clerk1pass")
    _enter_bcp(h)
    mine = h.service.issue(juminhyo(twice))
    theirs = h.neighbour.bcp_backend.issue(juminhyo(twice), None, "P004")  # same person, same type, window 4
    other = h.neighbour.bcp_backend.issue(juminhyo(once), None, "P004")

    dialog = HistoryDialog(h.service, h.app.taskman)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=WAIT) as own:
        pass
    assert own.args == [1]  # this window's own list
    with qtbot.waitSignal(dialog.loaded, timeout=WAIT) as loaded:
        dialog.hall_check.setChecked(True)
    assert loaded.args == [3]
    assert not dialog.void_button.isEnabled() and not dialog.reprint_button.isEnabled()
    rows = {dialog.entries[r].issuance_id: [dialog.table.item(r, c).text() for c in range(dialog.table.columnCount())]
            for r in range(dialog.table.rowCount())}
    assert rows[mine.issuance_id][8] == "T103" and rows[theirs.issuance_id][8] == "T104"
    assert rows[other.issuance_id][8] == "T104"
    assert rows[mine.issuance_id][9].endswith("重複") and rows[theirs.issuance_id][9].endswith("重複")
    assert not rows[other.issuance_id][9].endswith("重複")
    assert "重複 2件" in dialog.message_label.text()

    # the neighbour is gone: its issuances are still shown, from the copies mirrored here
    assert h.runtime.peers.mirrors.count() == 2
    h.neighbour.peers.node.stop()
    h.neighbour.peers.node = None
    with qtbot.waitSignal(dialog.loaded, timeout=WAIT) as again:
        dialog.reload()
    assert again.args == [3] and "T104" in dialog.message_label.text() and "応答のない端末" in dialog.message_label.text()
    assert "重複 2件" in dialog.message_label.text()

    dialog.hall_check.setChecked(False)  # back to this window's own list (void and reprint again)
    qtbot.waitUntil(lambda: len(dialog.entries) == 1, timeout=WAIT)
    assert dialog.void_button.isEnabled()


def test_a_supervisor_confirms_one_proposal_and_declines_the_other(qtbot: Any, hall: Hall) -> None:
    from client.continuity.machine import LinkMode
    from client.ui.hold_dialog import HoldProposalDialog
    from server_stub.db import make_engine
    from server_stub.models import HoldProposal, SupportMeasure

    h = hall
    held, blocked = plain_subjects(h.db_url, 2)
    h.service.sign_in("clerk1", "clerk1pass")
    _enter_bcp(h)
    support = h.service.record_emergency_hold(
        "provisional_support", held, "DV相談", h.service.authorize_supervisor("supervisor1", "supervisor1pass"))
    suppression, _ = h.neighbour.peers.record_hold("suppression", blocked, "誤登録の疑い", supervisor="supervisor1")
    for _ in range(4):  # the line answers steadily: RECOVERING → push, proposals → ONLINE
        h.runtime.continuity.probe_all()
        h.clock.t += 5
    assert h.runtime.machine.mode is LinkMode.ONLINE and h.service.mode == "online"

    dialog = HoldProposalDialog(h.service, h.app.taskman)
    qtbot.addWidget(dialog)
    dialog.show()
    sup = dialog.supervisor_dialog  # a clerk gets the supervisor prompt; the clerk's own account is refused
    assert sup is not None
    sup.user_edit.setText("clerk1")
    sup.password_edit.setText("clerk1pass")
    sup.ok_button.click()
    qtbot.waitUntil(lambda: "権限" in dialog.message_label.text(), timeout=WAIT)
    assert dialog.grant is None and dialog.table.rowCount() == 0
    dialog.reload()
    sup = dialog.supervisor_dialog
    sup.user_edit.setText("supervisor1")
    sup.password_edit.setText("supervisor1pass")
    with qtbot.waitSignal(dialog.loaded, timeout=WAIT) as loaded:
        sup.ok_button.click()
    assert loaded.args == [2]
    by_id = {p.hold_id: r for r, p in enumerate(dialog.proposals)}
    assert set(by_id) == {support.hold_id, suppression.hold_id}
    assert dialog.table.item(by_id[support.hold_id], 1).text() == "仮支援措置"
    assert dialog.table.item(by_id[support.hold_id], 6).text() == "確認待ち"

    dialog.table.selectRow(by_id[suppression.hold_id])  # decline needs a note
    dialog.decision_buttons["decline"].click()
    dialog.decide_button.click()
    assert "取り下げの理由" in dialog.message_label.text()
    dialog.note_edit.setFocus()
    commit_japanese(dialog.note_edit, "本人確認の結果、不要")
    with qtbot.waitSignal(dialog.decided, timeout=WAIT) as declined:
        dialog.decide_button.click()
    assert (declined.args[0].status, declined.args[0].note) == ("declined", "本人確認の結果、不要")
    qtbot.waitUntil(lambda: len(dialog.proposals) == 1, timeout=WAIT)

    dialog.table.selectRow(0)
    dialog.decision_buttons["confirm"].click()
    with qtbot.waitSignal(dialog.decided, timeout=WAIT) as confirmed:
        dialog.decide_button.click()
    assert (confirmed.args[0].hold_id, confirmed.args[0].status) == (support.hold_id, "confirmed")
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 0, timeout=WAIT)

    engine = make_engine(h.db_url)  # the confirmed one is a real 仮支援措置 in the register; the declined one is not
    try:
        with Session(engine) as s:
            statuses = dict(s.execute(select(HoldProposal.hold_id, HoldProposal.status)).all())
            measures = s.scalars(select(SupportMeasure.measure_id).where(SupportMeasure.measure_id.like("EH-%"))).all()
    finally:
        engine.dispose()
    assert statuses == {support.hold_id: "confirmed", suppression.hold_id: "declined"}
    assert measures == ["EH-" + support.hold_id.replace("-", "")[:24]]

    # the next upkeep: the declined hold stops, the confirmed one too now that the replica has the
    # register's 仮支援措置 (pulled after the decision); a peer that has not heard cannot bring them back
    h.runtime.pull_replica()
    before = h.runtime.replica_seq()
    h.runtime.peers.refresh(h.runtime.remote, (before or 0) - 1_000_000)  # a replica behind the decision
    assert h.runtime.peers.holds.count() == 1  # only the declined one stopped: the confirmed one waits
    h.runtime.peers.refresh(h.runtime.remote, h.runtime.replica_seq())
    assert h.runtime.peers.holds.count() == 0 and h.neighbour.peers.holds.count() == 2
    h.runtime.peers.join()
    assert h.runtime.peers.holds.count() == 0
    qtbot.waitUntil(lambda: h.service.emergency_hold_count() == 0, timeout=WAIT)
    from client.composition.terminal_link import confirm_bcp

    confirm_bcp(h.service, h.runtime, "supervisor1", "supervisor1pass")  # the next outage
    assert h.service.mode == "bcp"
    assert h.service.resident(blocked).resident.atena_no == blocked  # declined: issuable again
    assert h.service.evaluate(juminhyo(blocked)).allowed
    with pytest.raises(ProtectedResidentError):  # confirmed: refused on the replica's own measure
        h.service.resident(held)
