"""Sign-in: staff ID and password. The call runs on a worker; errors show inline in Japanese.

In BCP mode on a terminal holding mutual-backup partners' replicas (相互バックアップ) a 団体 choice
appears: this terminal's municipality or a partner, whose staff then sign in against that
partner's replica. Online, or without partner replicas, the choice is not shown. Finding the
partners opens their SQLCipher replicas, so it runs on the task manager's database worker: the
dialog is usable at once (this terminal's municipality) and the choice appears when they are read.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from client.services.counter import CounterService, Session
from client.ui.qt_signals import emit
from client.ui.taskman import TaskManager, describe_error

log = logging.getLogger(__name__)


class SignInDialog(QDialog):
    municipalities_loaded = Signal(int)  # how many 団体 a clerk may sign in for here (tests wait on it)

    def __init__(
        self,
        service: CounterService,
        taskman: TaskManager,
        *,
        server_text: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.taskman = taskman
        self.session: Session | None = None
        self.setObjectName("signInDialog")
        self.setWindowTitle(self.tr("窓口 — サインイン"))
        self.setMinimumWidth(420)

        title = QLabel(self.tr("証明書交付システム サインイン"), self)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)

        self.user_edit = QLineEdit(self)
        self.user_edit.setObjectName("userEdit")
        self.user_edit.setAccessibleName(self.tr("職員ID"))
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("passwordEdit")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setAccessibleName(self.tr("パスワード"))
        self.where_label = QLabel(server_text, self)
        self.where_label.setObjectName("whereLabel")
        self.where_label.setWordWrap(True)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("errorLabel")
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setWordWrap(True)
        self.error_label.setAccessibleName(self.tr("エラー"))

        self.municipality_combo = QComboBox(self)
        self.municipality_combo.setObjectName("municipalityCombo")
        self.municipality_combo.setAccessibleName(self.tr("団体"))
        self._set_municipalities({service.municipality_code: ""})

        form = QFormLayout()
        self.form = form
        form.addRow(self.tr("団体(&M)"), self.municipality_combo)
        form.setRowVisible(self.municipality_combo, False)
        form.addRow(self.tr("職員ID(&U)"), self.user_edit)
        form.addRow(self.tr("パスワード(&P)"), self.password_edit)

        self.buttons = QDialogButtonBox(self)
        self.ok_button = self.buttons.addButton(self.tr("サインイン"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("signInButton")
        self.ok_button.setAccessibleName(self.tr("サインイン"))
        cancel = self.buttons.addButton(self.tr("終了"), QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setAccessibleName(self.tr("終了"))
        self.ok_button.clicked.connect(self.submit)
        cancel.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.where_label)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        self.user_edit.returnPressed.connect(self.password_edit.setFocus)
        self.password_edit.returnPressed.connect(self.submit)
        self.ok_button.setDefault(False)
        self.ok_button.setAutoDefault(False)
        self.user_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        # partners in BCP mode only; reading them opens their replicas: off the GUI thread
        self.taskman.run_db(service.sign_in_municipalities, self._municipalities_read, self._municipalities_failed)

    def _set_municipalities(self, choices: dict[str, str]) -> None:
        current = self.municipality_combo.currentData()
        self.municipality_combo.clear()
        for code, name in choices.items():
            if code == self.service.municipality_code:
                label = self.tr("この端末の団体 ({code})").format(code=code)
            else:
                label = self.tr("{name} ({code}) — 相互バックアップ").format(name=name or code, code=code)
            self.municipality_combo.addItem(label, code)
        if current is not None and self.municipality_combo.findData(current) >= 0:
            self.municipality_combo.setCurrentIndex(self.municipality_combo.findData(current))

    def _municipalities_read(self, choices: dict[str, str]) -> None:
        self._set_municipalities(choices)
        self.form.setRowVisible(self.municipality_combo, len(choices) > 1)
        emit(self.municipalities_loaded, len(choices))

    def _municipalities_failed(self, exc: BaseException) -> None:
        log.warning("partner municipalities not read: %s", describe_error(exc)[1])
        emit(self.municipalities_loaded, 1)  # this terminal's own municipality only

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        # Enter moves on field by field (returnPressed handlers); it never presses a default button.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)

    def submit(self) -> None:
        if not self.ok_button.isEnabled():
            return
        user_id = self.user_edit.text()
        password = self.password_edit.text()
        code = self.municipality_combo.currentData() if self.municipality_combo.count() > 1 else None
        self.error_label.setText(self.tr("サインインしています…"))
        self.ok_button.setEnabled(False)
        self.taskman.run_network(
            lambda: self.service.sign_in(user_id, password, code), on_done=self._signed_in, on_error=self._failed
        )

    def _signed_in(self, session: Session) -> None:
        self.session = session
        self.error_label.clear()
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        ja, en = describe_error(exc)
        log.warning("sign-in failed: %s", en)
        self.error_label.setText(ja)
        self.ok_button.setEnabled(True)
        self.password_edit.clear()
        self.password_edit.setFocus()
