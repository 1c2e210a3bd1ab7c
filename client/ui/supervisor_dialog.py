"""A supervisor (係長 / 支援措置責任者) signs in beside the clerk to approve one action, with a reason."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)


class SupervisorDialog(QDialog):
    """Collects supervisor ID, password and reason; the caller verifies them off the GUI thread."""

    def __init__(self, title: str, explanation: str, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("supervisorDialog")
        self.setWindowTitle(title)
        self.setMinimumWidth(440)
        text = QLabel(explanation, self)
        text.setWordWrap(True)
        self.user_edit = QLineEdit(self)
        self.user_edit.setObjectName("supervisorUserEdit")
        self.user_edit.setAccessibleName(self.tr("監督者の職員ID"))
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("supervisorPasswordEdit")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setAccessibleName(self.tr("監督者のパスワード"))
        self.reason_edit = QPlainTextEdit(self)
        self.reason_edit.setObjectName("supervisorReasonEdit")
        self.reason_edit.setAccessibleName(self.tr("理由"))
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setFixedHeight(70)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("supervisorError")
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("監督者ID(&U)"), self.user_edit)
        form.addRow(self.tr("パスワード(&P)"), self.password_edit)
        form.addRow(self.tr("理由(&R)"), self.reason_edit)
        buttons = QDialogButtonBox(self)
        self.ok_button = buttons.addButton(self.tr("承認"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("supervisorOk")
        self.ok_button.setAccessibleName(self.tr("承認"))
        cancel = buttons.addButton(self.tr("戻る"), QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setAccessibleName(self.tr("戻る"))
        self.ok_button.clicked.connect(self._check)
        cancel.clicked.connect(self.reject)
        self.user_edit.returnPressed.connect(self.password_edit.setFocus)
        self.password_edit.returnPressed.connect(self.reason_edit.setFocus)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        # Enter moves on field by field (returnPressed handlers); it never presses a default button.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)

    @property
    def user_id(self) -> str:
        return self.user_edit.text().strip()

    @property
    def password(self) -> str:
        return self.password_edit.text()

    @property
    def reason(self) -> str:
        return self.reason_edit.toPlainText().strip()

    def _check(self) -> None:
        if not self.user_id or not self.password:
            self.error_label.setText(self.tr("監督者のIDとパスワードを入力してください。"))
            return
        if not self.reason:
            self.error_label.setText(self.tr("理由を入力してください。"))
            self.reason_edit.setFocus()
            return
        self.accept()
