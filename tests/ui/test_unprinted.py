"""Issued but not printed (未印刷): with no printer chosen the clerk closes the print preview.

The issuance is recorded (numbers used, in the 交付履歴) but the window does not say 交付しました and
the fee is not taken; the same certificates print later from the 交付履歴 — no supervisor, no void,
no new number — and the 日計表 lists what is still unprinted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtPrintSupport import QPrintPreviewDialog
from PySide6.QtWidgets import QApplication

from client.domain.model import IdentityDocument, Outcome
from client.ui.pdf_output import print_pdfs
from tests.fixtures.counter_server import CLERK, pick_household_head
from tests.ui.issuance_matrix import open_issuance_for, wait_verdict

WAIT = 15_000


def _close_previews(closed: list[str]) -> None:
    """What the clerk does: the preview opens (no printer chosen) and is closed without printing."""
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QPrintPreviewDialog) and widget.isVisible():
            closed.append(widget.windowTitle())
            widget.reject()
            return
    QTimer.singleShot(50, lambda: _close_previews(closed))


def test_closing_the_preview_leaves_the_issuance_unprinted_and_printable_later(
        qtbot: Any, counter_app: Any, counter_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from client.ui.history_dialog import HistoryDialog

    monkeypatch.setenv("MADOGUCHI_HOME", str(tmp_path / "home"))  # no printer.json: no printer chosen
    picked = pick_household_head(counter_db, min_members=1)
    service = counter_app.service
    service.sign_in(*CLERK)
    counter_app.printer = print_pdfs  # the real printing path: preview when no printer is chosen
    window = counter_app.open_main_window()
    qtbot.addWidget(window)

    dialog = open_issuance_for(qtbot, window, picked.atena_no)
    dialog.identity_combo.setCurrentIndex(dialog.identity_combo.findData(IdentityDocument.DRIVERS_LICENSE))
    assert wait_verdict(qtbot, dialog).outcome is Outcome.ALLOW
    qtbot.waitUntil(dialog.issue_button.isEnabled, timeout=WAIT)
    closed: list[str] = []
    QTimer.singleShot(50, lambda: _close_previews(closed))
    handed_over: list[Any] = []
    dialog.issued.connect(handed_over.append)
    with qtbot.waitSignal(dialog.not_printed, timeout=WAIT) as blocker:
        dialog.issue_button.click()
    outcome = blocker.args[0]
    assert closed == ["印刷プレビュー"]
    assert handed_over == []
    number = outcome.certificates[0].issue_number
    assert "交付しました" not in dialog.result_label.text()
    assert "未印刷" in dialog.result_label.text() and "手数料は受け取らない" in dialog.result_label.text()
    assert "未印刷" in window.message_label.text() and "交付しました" not in window.message_label.text()
    assert dialog.issue_button.isEnabled() and "印刷" in dialog.issue_button.text()
    # recorded: the number is used and the server's 交付履歴 has it
    assert [h.issuance_id for h in service.history(atena_no=picked.atena_no)] == [outcome.issuance_id]
    assert [u.issuance_id for u in service.unprinted.all()] == [outcome.issuance_id]
    report = service.day_close()
    assert any("未印刷" in n and "未収" in n and number in n for n in report.notes)
    dialog.reject()

    # later, from the 交付履歴 (F6): F2 prints the same certificates; no supervisor, same number
    printed: list[list[Path]] = []
    history = HistoryDialog(service, counter_app.taskman, atena_no=picked.atena_no,
                            printer=lambda _p, paths: printed.append(paths) or True, parent=window)
    qtbot.addWidget(history)
    history.resident_check.setChecked(True)
    qtbot.waitUntil(lambda: len(history.entries) == 1, timeout=WAIT)
    status_col = history.COLUMNS.index("状態")
    qtbot.waitUntil(lambda: history.table.item(0, status_col).text() == "未印刷", timeout=WAIT)
    with qtbot.waitSignal(history.changed, timeout=WAIT) as changed:
        history.print_unprinted_selected()
    assert changed.args == ["printed"]
    assert printed == [list(outcome.pdf_paths)]
    assert getattr(history, "supervisor_dialog", None) is None
    assert service.unprinted.all() == []
    assert [h.issue_numbers for h in service.history(atena_no=picked.atena_no)] == [(number,)]  # not renumbered
    qtbot.waitUntil(lambda: history.table.item(0, status_col).text() == "交付", timeout=WAIT)
    assert not any("未印刷" in n for n in service.day_close().notes)

    # an issuance that was printed is not printable again without a supervisor
    history.print_unprinted_selected()
    assert "係長" in history.message_label.text()
