"""The 日計表 dialog refuses while BCP issuances wait in the outbox, and closes with a supervisor's
acknowledgement that the report and its PDF record. Real server, real outbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pypdf import PdfReader
from PySide6.QtCore import Qt

from client.ui.day_close_dialog import DayCloseDialog
from tests.fixtures.counter_server import CLERK, SUPERVISOR
from tests.integration.bcp_env import now_utc, plain_subjects
from tests.integration.test_services_conflicts import issue_offline, offline_terminal

WAIT = 15_000


def _approve(qtbot: Any, dialog: DayCloseDialog, user: str, password: str) -> None:
    qtbot.mouseClick(dialog.ack_button, Qt.MouseButton.LeftButton)
    sup = dialog.supervisor_dialog
    assert sup is not None and sup.isVisible() and sup.reason
    qtbot.keyClicks(sup.user_edit, user)
    qtbot.keyClicks(sup.password_edit, password)
    sup.ok_button.click()


def test_day_close_refused_until_a_supervisor_acknowledges_unsynced_bcp(
    qtbot: Any, counter_app: Any, counter_db: str, tmp_path: Path, memory_keyring: Any
) -> None:
    terminal = offline_terminal(counter_db, counter_app.server.base_url, tmp_path / "terminal")
    try:
        issue_offline(terminal, plain_subjects(counter_db, 1)[0])
        service = counter_app.service
        service.pending_bcp = terminal.outbox.count_pending
        service.sign_in(*CLERK)

        dialog = DayCloseDialog(service, counter_app.taskman)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.ack_button.isVisible(), timeout=WAIT)
        assert "BCPモードで発行した 1 件がまだ同期されていません" in dialog.message_label.text()
        assert dialog.report is None and dialog.table.rowCount() == 0
        dialog.make_pdf()
        qtbot.waitUntil(lambda: "同期されていません" in dialog.message_label.text(), timeout=WAIT)
        assert dialog.pdf_path is None

        # a clerk cannot acknowledge; the supervisor can
        _approve(qtbot, dialog, *CLERK)
        qtbot.waitUntil(lambda: "権限" in dialog.message_label.text(), timeout=WAIT)
        assert dialog.ack is None and dialog.report is None and dialog.ack_button.isVisible()
        with qtbot.waitSignal(dialog.report_ready, timeout=WAIT):
            _approve(qtbot, dialog, *SUPERVISOR)
        assert dialog.ack is not None and not dialog.ack_button.isVisible()
        note = f"未同期のBCP発行 1 件あり(係長 {dialog.ack.user.name} 確認)"
        assert dialog.report is not None and dialog.report.notes == (note,)
        assert dialog.notes_label.text() == note

        with qtbot.waitSignal(dialog.pdf_ready, timeout=WAIT) as made:
            dialog.make_pdf()
        text = "".join("".join((p.extract_text() or "").split()) for p in PdfReader(made.args[0]).pages)
        assert "".join(note.split()) in text

        # after the sync, the day closes without anyone's acknowledgement and without the note
        assert terminal.pusher().push(now_utc).stored == 1
        again = DayCloseDialog(service, counter_app.taskman)
        qtbot.addWidget(again)
        with qtbot.waitSignal(again.report_ready, timeout=WAIT):
            again.show()
        assert again.report is not None and again.report.notes == () and again.notes_label.text() == ""
        assert not again.ack_button.isVisible()
    finally:
        terminal.close()
