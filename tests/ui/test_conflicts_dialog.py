"""BCP照合結果の確認 through the dialog, on a real server with a real conflict (BCP issuance pushed back
after a 支援措置 was added at the centre), and its entry in the main window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from client.ui.conflict_dialog import ConflictDialog
from tests.fixtures.counter_server import CLERK, SUPERVISOR
from tests.integration.test_services_conflicts import make_conflict
from tests.ui.helpers import commit_japanese

WAIT = 15_000


def _approve(dialog: Any, qtbot: Any, user: str, password: str) -> None:
    sup = dialog.supervisor_dialog
    assert sup is not None and sup.isVisible()
    qtbot.keyClicks(sup.user_edit, user)
    qtbot.keyClicks(sup.password_edit, password)
    sup.ok_button.click()


def test_supervisor_reviews_both_sides_and_resolves(
    qtbot: Any, counter_app: Any, counter_db: str, tmp_path: Path, memory_keyring: Any
) -> None:
    subject = make_conflict(counter_db, counter_app.server.base_url, tmp_path / "terminal")
    service = counter_app.service
    service.sign_in(*CLERK)
    dialog = ConflictDialog(service, counter_app.taskman)
    qtbot.addWidget(dialog)
    assert dialog.supervisor_dialog is None  # not before the dialog is on screen (it opened behind it)
    dialog.show()

    # a clerk gets the supervisor prompt; the clerk's own credentials are refused
    assert dialog.table.rowCount() == 0
    _approve(dialog, qtbot, *CLERK)
    qtbot.waitUntil(lambda: "権限" in dialog.message_label.text(), timeout=WAIT)
    assert dialog.grant is None and dialog.table.rowCount() == 0
    dialog.reload()  # F5: asks again
    with qtbot.waitSignal(dialog.loaded, timeout=WAIT) as loaded:
        _approve(dialog, qtbot, *SUPERVISOR)
    assert loaded.args == [1]

    # the list: 宛名番号, 氏名, 区分 in Japanese, 登録日時, 状態
    row = [dialog.table.item(0, col).text() for col in range(dialog.table.columnCount())]
    conflict = dialog.conflicts[0]
    assert row[0] == subject and row[1] == conflict.subject_name and row[1]
    assert row[2] == "支援措置" and row[3].startswith("20") and row[4] == "未処理"

    # both sides: what was printed (names, address, data as-of) and the server's reasons
    bcp = dialog.bcp_view.toPlainText()
    assert conflict.bcp_content is not None
    assert "BCPで交付した内容" in bcp and conflict.bcp_content.address in bcp
    assert all(p.name in bcp for p in conflict.bcp_content.persons)
    assert "データ基準時刻: 20" in bcp
    assert "職員の誤りを示すものではありません" in bcp  # a reconciliation, not a reproach
    # the 発行番号 printed in BCP mode (it was empty: the stored content is the unnumbered certificate)
    numbers = {h.issuance_id: h.issue_numbers for h in service.history(atena_no=subject)}[conflict.issuance_id]
    assert numbers and conflict.bcp_issue_numbers == numbers
    assert f"発行番号: {'、'.join(numbers)}" in bcp
    server = dialog.server_view.toPlainText()
    assert f"判定: {conflict.server_outcome_ja}" in server and conflict.server_outcome_ja != "交付可"
    assert conflict.server_reasons and all(r.message_ja in server for r in conflict.server_reasons)

    # その他 without a note is refused in the dialog; nothing reaches the server
    dialog.outcome_buttons["other"].click()
    qtbot.mouseClick(dialog.resolve_button, Qt.MouseButton.LeftButton)
    assert "「その他」の場合は内容を記入してください" in dialog.message_label.text()
    assert [c.id for c in service.list_conflicts("open", dialog.grant)] == [conflict.id]

    dialog.note_edit.setFocus()
    commit_japanese(dialog.note_edit, "本人に確認済み")
    with qtbot.waitSignal(dialog.resolved, timeout=WAIT) as resolved:
        qtbot.mouseClick(dialog.resolve_button, Qt.MouseButton.LeftButton)
    done = resolved.args[0]
    assert (done.outcome, done.note, done.resolved_by) == ("other", "本人に確認済み", SUPERVISOR[0])
    qtbot.waitUntil(lambda: "記録しました" in dialog.message_label.text(), timeout=WAIT)
    assert dialog.table.rowCount() == 0 and dialog.conflicts == []
    assert not dialog.resolve_button.isEnabled()

    # the resolved one is still there under 処理済, with its outcome
    with qtbot.waitSignal(dialog.loaded, timeout=WAIT):
        dialog.status_combo.setCurrentIndex(dialog.status_combo.findData("resolved"))
    assert dialog.table.item(0, 4).text() == "処理済"
    assert "処理結果: その他" in dialog.server_view.toPlainText()
    assert "記入内容: 本人に確認済み" in dialog.server_view.toPlainText()


def test_main_window_opens_conflict_review_for_a_supervisor(qtbot: Any, counter_app: Any) -> None:
    from client.ui.main_window import MainWindow

    counter_app.service.sign_in(*SUPERVISOR)
    window = MainWindow(counter_app.service, counter_app.taskman)
    qtbot.addWidget(window)
    window.show()
    action = window.actions_by_name["conflicts"]
    assert action.shortcut().toString() == "F4" and action.text() == "BCP照合結果(係長)"
    action.trigger()
    dialog = window.conflict_dialog
    assert dialog.supervisor_dialog is None  # a signed-in supervisor is not asked again
    qtbot.waitUntil(lambda: "該当する照合結果はありません" in dialog.message_label.text(), timeout=WAIT)
