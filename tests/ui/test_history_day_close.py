"""History, void and reprint with a supervisor, the day close PDF — through the dialogs."""

from __future__ import annotations

from typing import Any

from pypdf import PdfReader

from client.domain.model import IdentityDocument
from client.services.issuance_form import IssuanceForm
from tests.fixtures.counter_server import CLERK, SUPERVISOR, pick_household_head

WAIT = 15_000


def _issue_one(counter_app: Any, counter_db: str) -> Any:
    service = counter_app.service
    picked = pick_household_head(counter_db, min_members=1)
    detail = service.resident(picked.atena_no)
    form = IssuanceForm(subject=detail.resident, household=detail.household)
    form.identity_document = IdentityDocument.MY_NUMBER_CARD
    return service.issue(form.to_request()), picked


def _approve(qtbot: Any, dialog: Any, user: str, password: str, reason: str) -> None:
    sup = dialog.supervisor_dialog
    qtbot.keyClicks(sup.user_edit, user)
    qtbot.keyClicks(sup.password_edit, password)
    sup.reason_edit.setPlainText(reason)
    sup.ok_button.click()


def test_history_reprint_void_and_day_close(qtbot: Any, counter_app: Any, counter_db: str) -> None:
    from client.ui.day_close_dialog import DayCloseDialog
    from client.ui.history_dialog import HistoryDialog

    counter_app.service.sign_in(*CLERK)
    first, picked = _issue_one(counter_app, counter_db)

    dialog = HistoryDialog(counter_app.service, counter_app.taskman, atena_no=picked.atena_no,
                           printer=counter_app.printed.append_call)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: len(dialog.entries) == 1, timeout=WAIT)
    assert dialog.table.item(0, 3).text() == first.certificates[0].issue_number
    assert dialog.table.item(0, 9).text() == "交付"

    # reprint: a supervisor approves with a reason; a new number, the original is voided
    with qtbot.waitSignal(dialog.changed, timeout=WAIT):
        dialog.reprint_selected()
        _approve(qtbot, dialog, *SUPERVISOR, "用紙詰まりのため")
    qtbot.waitUntil(lambda: len(dialog.entries) == 2, timeout=WAIT)
    statuses = sorted(dialog.table.item(i, 9).text() for i in range(2))
    assert statuses == ["交付", "取消"]
    assert len(counter_app.printed.calls) == 1  # the reprint went to the printer
    new_numbers = {e.issue_numbers[0] for e in dialog.entries if not e.voided}
    assert first.certificates[0].issue_number not in new_numbers

    # void: a clerk's own credentials are refused, the supervisor's accepted
    live_row = next(i for i, e in enumerate(dialog.entries) if not e.voided)
    dialog.table.selectRow(live_row)
    dialog.void_selected()
    _approve(qtbot, dialog, "clerk2", "clerk2pass", "誤交付")
    qtbot.waitUntil(lambda: "権限" in dialog.message_label.text(), timeout=WAIT)
    dialog.table.selectRow(live_row)
    with qtbot.waitSignal(dialog.changed, timeout=WAIT):
        dialog.void_selected()
        _approve(qtbot, dialog, *SUPERVISOR, "誤交付")
    qtbot.waitUntil(lambda: len(dialog.entries) == 2 and all(e.voided for e in dialog.entries), timeout=WAIT)

    # one more live issuance, then the day close
    second, _ = _issue_one(counter_app, counter_db)
    close = DayCloseDialog(counter_app.service, counter_app.taskman)
    qtbot.addWidget(close)
    close.show()
    qtbot.waitUntil(lambda: close.report is not None, timeout=WAIT)
    assert close.report.total_count == 1 and close.report.voided_count == 2
    assert "1件" in close.total_label.text()
    labels = [close.table.item(i, 0).text().strip() for i in range(close.table.rowCount())]
    assert "住民票の写し" in labels and "T001" in labels and "clerk1" in labels
    with qtbot.waitSignal(close.pdf_ready, timeout=WAIT) as blocker:
        close.pdf_button.click()
    text = "".join((p.extract_text() or "") for p in PdfReader(blocker.args[0]).pages)
    assert "日計表" in text and "桜ヶ丘市" in text and "住民票の写し" in text
