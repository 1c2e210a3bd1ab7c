"""Driving real widgets: Japanese text through the input method, waiting on background work."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QWidget


def commit_japanese(widget: QWidget, text: str) -> None:
    """Type Japanese as an input method would: a pre-edit, then a commit of ``text``.

    (qtbot.keyClicks with non-ASCII text aborts the process; an IME commit is what a clerk's
    keyboard actually sends.)
    """
    widget.setFocus()
    preedit = QInputMethodEvent(text, [])
    QApplication.sendEvent(widget, preedit)
    commit = QInputMethodEvent("", [])
    commit.setCommitString(text)
    QApplication.sendEvent(widget, commit)


def sign_in_through_dialog(qtbot: Any, counter_app: Any, user: str, password: str) -> Any:
    from PySide6.QtCore import Qt

    dialog = counter_app.sign_in_dialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.user_edit, user)
    qtbot.keyClick(dialog.user_edit, Qt.Key.Key_Return)
    assert dialog.password_edit.hasFocus() or not dialog.isActiveWindow()
    qtbot.keyClicks(dialog.password_edit, password)
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    return dialog


def find_row(model: Any, atena_no: str) -> int:
    for i, row in enumerate(model.rows):
        if row.atena_no == atena_no:
            return i
    return -1
