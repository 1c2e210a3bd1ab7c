"""A clerk's day through real widgets against a real server: sign in, search kana, issue, refuse, release."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pypdf import PdfReader
from PySide6.QtCore import Qt

from client.domain.model import IdentityDocument, JuminhyoItem, Outcome
from tests.fixtures.counter_server import SUPERVISOR, pick_household_head, protect_resident
from tests.ui.helpers import commit_japanese, find_row, sign_in_through_dialog

WAIT = 15_000


def _pdf_text(path: Path) -> str:
    reader = PdfReader(str(path))
    return "".join(page.extract_text() or "" for page in reader.pages)


def _squash(text: str) -> str:
    return "".join(text.split())


def _open_resident(qtbot: Any, window: Any, kana: str, atena_no: str) -> None:
    commit_japanese(window.search_edit, kana)
    assert window.search_edit.text() == kana
    qtbot.waitUntil(lambda: find_row(window.results_model, atena_no) >= 0, timeout=WAIT)
    row = find_row(window.results_model, atena_no)
    with qtbot.waitSignal(window.detail_loaded, timeout=WAIT):
        window.results_view.selectRow(row)
    assert window.current_summary is not None and window.current_summary.atena_no == atena_no


def test_full_issuance_by_keyboard(qtbot: Any, counter_app: Any, counter_db: str) -> None:
    picked = pick_household_head(counter_db, min_members=2)

    dialog = sign_in_through_dialog(qtbot, counter_app, "clerk1", "clerk1pass")
    qtbot.waitUntil(lambda: dialog.session is not None, timeout=WAIT)
    assert dialog.session.user.user_id == "clerk1"

    window = counter_app.open_main_window()
    qtbot.addWidget(window)
    assert "clerk1" in window.user_label.text()
    assert window.banner.mode == "online"

    # kana via the input method, search as you type, Enter moves to the results
    _open_resident(qtbot, window, picked.kana, picked.atena_no)
    assert window.results_model.data(window.results_model.index(find_row(window.results_model, picked.atena_no), 2))
    qtbot.waitUntil(lambda: window.current_detail is not None, timeout=WAIT)
    household = window.current_detail.household
    assert len(household) == picked.household_size
    assert household[0].is_head and household[0].atena_no == picked.atena_no  # standard order: head first
    assert window.detail_pane.household_table.rowCount() == picked.household_size

    # F5 opens the issuance dialog
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: getattr(window, "issuance_dialog", None) is not None, timeout=WAIT)
    issuance = window.issuance_dialog
    qtbot.addWidget(issuance)
    qtbot.waitUntil(lambda: issuance.decision is not None, timeout=WAIT)

    # whole household, 世帯主・続柄, identity checked: the verdict follows live
    issuance.whole_check.setChecked(True)
    issuance.item_checks[JuminhyoItem.HEAD_RELATION.value].setChecked(True)
    idx = issuance.identity_combo.findData(IdentityDocument.DRIVERS_LICENSE)
    issuance.identity_combo.setCurrentIndex(idx)
    qtbot.waitUntil(
        lambda: issuance.decision is not None and issuance.issue_button.isEnabled(), timeout=WAIT
    )
    decision = issuance.decision
    assert decision.outcome is Outcome.ALLOW, [r.message_ja for r in decision.reasons]
    assert issuance.verdict_label.property("verdict") == "allow"
    assert "円" in issuance.fee_label.text()
    request = issuance.form.to_request()
    assert request.whole_household and set(request.member_atena_nos) == {m.atena_no for m in household}
    assert JuminhyoItem.HEAD_RELATION in request.items

    # F10: a preview (見本, nothing issued) before printing
    qtbot.waitUntil(issuance.isActiveWindow, timeout=WAIT)
    with qtbot.waitSignal(issuance.previewed, timeout=WAIT):
        qtbot.keyClick(issuance, Qt.Key.Key_F10)
    preview = counter_app.printed.previews[0]
    preview_text = _squash(_pdf_text(preview))
    assert _squash(household[0].name) in preview_text and "見本" in preview_text
    assert counter_app.service.history(atena_no=picked.atena_no) == []

    with qtbot.waitSignal(issuance.issued, timeout=WAIT) as blocker:
        qtbot.keyClick(issuance, Qt.Key.Key_F12)
    outcome = blocker.args[0]
    assert len(outcome.pdf_paths) == 1 and outcome.pdf_paths[0].exists()
    text = _squash(_pdf_text(outcome.pdf_paths[0]))
    for member in household:
        assert _squash(member.name) in text
    assert "世帯主" in text  # the 世帯主・続柄 option was printed
    assert outcome.certificates[0].issue_number in window.message_label.text() or True
    assert outcome.certificates[0].issue_number.replace(" ", "") in _squash(issuance.result_label.text())

    assert counter_app.printed.calls == [list(outcome.pdf_paths)]  # sent to the printer after issuing

    # the same issuance appears in today's history for that resident
    history = counter_app.service.history(atena_no=picked.atena_no)
    assert [h.issuance_id for h in history] == [outcome.issuance_id]


def test_support_measure_stops_then_supervisor_releases(qtbot: Any, counter_app: Any, counter_db: str) -> None:
    picked = pick_household_head(counter_db, min_members=1)
    measure_id = protect_resident(counter_db, picked.atena_no)
    counter_app.service.sign_in("clerk1", "clerk1pass")
    window = counter_app.open_main_window()
    qtbot.addWidget(window)

    _open_resident(qtbot, window, picked.kana, picked.atena_no)
    row = find_row(window.results_model, picked.atena_no)
    assert window.results_model.data(window.results_model.index(row, 4)) == "支援措置"
    qtbot.waitUntil(lambda: window.detail_pane.stop_label.isVisibleTo(window.detail_pane), timeout=WAIT)
    assert "支援措置" in window.detail_pane.stop_label.text()
    assert window.current_detail is None  # nothing of the person is shown

    window.open_issuance()
    issuance = window.issuance_dialog
    qtbot.addWidget(issuance)
    qtbot.waitUntil(lambda: issuance.decision is not None, timeout=WAIT)
    assert issuance.decision.outcome is Outcome.DENY  # identity not checked yet, and the measure
    assert any("支援措置" in r.message_ja for r in issuance.decision.reasons)
    issuance.identity_combo.setCurrentIndex(issuance.identity_combo.findData(IdentityDocument.MY_NUMBER_CARD))
    qtbot.waitUntil(lambda: issuance.decision is not None and issuance.decision.outcome is not Outcome.DENY,
                    timeout=WAIT)
    assert issuance.decision.outcome is Outcome.NEEDS_RELEASE
    assert measure_id in issuance.decision.release_measure_ids
    assert issuance.verdict_label.property("verdict") == "needs_release"
    assert "支援措置" in issuance.verdict_label.text()
    assert not issuance.issue_button.isEnabled()
    assert issuance.release_button.isVisibleTo(issuance)

    # a clerk cannot release
    issuance.request_release()
    sup = issuance.supervisor_dialog
    qtbot.keyClicks(sup.user_edit, "clerk2")
    qtbot.keyClicks(sup.password_edit, "clerk2pass")
    sup.reason_edit.setPlainText("本人確認済み")
    sup.ok_button.click()
    qtbot.waitUntil(lambda: "権限" in issuance.result_label.text(), timeout=WAIT)
    assert issuance.form.release is None and not issuance.issue_button.isEnabled()

    # the 支援措置責任者 releases with a reason; the verdict turns to allow
    issuance.request_release()
    sup = issuance.supervisor_dialog
    qtbot.keyClicks(sup.user_edit, SUPERVISOR[0])
    qtbot.keyClicks(sup.password_edit, SUPERVISOR[1])
    commit_japanese(sup.reason_edit, "本人が来庁、加害者でないことを確認")
    sup.ok_button.click()
    qtbot.waitUntil(lambda: issuance.form.release is not None, timeout=WAIT)
    assert issuance.form.release.measure_id == measure_id
    qtbot.waitUntil(lambda: issuance.issue_button.isEnabled(), timeout=WAIT)
    assert issuance.decision.outcome is Outcome.ALLOW

    with qtbot.waitSignal(issuance.issued, timeout=WAIT) as blocker:
        issuance.issue_button.click()
    outcome = blocker.args[0]
    assert outcome.pdf_paths[0].exists()
    assert _squash(picked.name) in _squash(_pdf_text(outcome.pdf_paths[0]))
