"""Locks the counter session after a configurable idle time; unlocking needs the password again.

Input events anywhere in the application count as activity. While locked the main window's
content is hidden (nothing personal stays on screen) and a modal dialog asks for the password,
checked off the GUI thread against the hash kept at sign-in.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from client.services.counter import CounterService
from client.services.idle_lock import IdleLockPolicy
from client.ui.qt_signals import emit
from client.ui.taskman import TaskManager

log = logging.getLogger(__name__)

_ACTIVITY = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.InputMethod,
        QEvent.Type.TouchBegin,
    }
)


class LockDialog(QDialog):
    def __init__(self, user_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockDialog")
        self.setWindowTitle(self.tr("ロック中"))
        self.setModal(True)
        title = QLabel(self.tr("画面をロックしました。"), self)
        font = title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.3)
        title.setFont(font)
        who = QLabel(self.tr("{user} のパスワードを入力してください。").format(user=user_text), self)
        who.setWordWrap(True)
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("unlockPasswordEdit")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setAccessibleName(self.tr("パスワード"))
        self.error_label = QLabel(self)
        self.error_label.setObjectName("unlockError")
        self.error_label.setStyleSheet("color: #b00020;")
        self.unlock_button = QPushButton(self.tr("ロック解除"), self)
        self.unlock_button.setObjectName("unlockButton")
        self.unlock_button.setAccessibleName(self.tr("ロック解除"))
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(who)
        layout.addWidget(self.password_edit)
        layout.addWidget(self.error_label)
        layout.addWidget(self.unlock_button)

    def reject(self) -> None:  # Esc must not unlock
        pass


class IdleLockController(QObject):
    locked = Signal()
    unlocked = Signal()

    def __init__(
        self,
        service: CounterService,
        taskman: TaskManager,
        window: QMainWindow,
        *,
        timeout_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        check_interval_ms: int = 1000,
    ) -> None:
        super().__init__(window)
        self.service = service
        self.taskman = taskman
        self.window = window
        self.clock = clock
        self.policy = IdleLockPolicy(timeout_seconds, last_activity=clock())
        self.dialog: LockDialog | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(check_interval_ms)
        self._timer.timeout.connect(self.check)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self._timer.start()

    @property
    def is_locked(self) -> bool:
        return self.policy.locked

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() in _ACTIVITY:
            self.policy.touch(self.clock())
        return False

    def check(self) -> None:
        if self.policy.should_lock(self.clock()):
            self.lock_now()

    def lock_now(self) -> None:
        if self.policy.locked or not self.service.signed_in:
            return
        self.policy.lock()
        log.info("session locked (idle or requested)")
        central = self.window.centralWidget()
        if central is not None:
            central.hide()
        user = self.service.session.user
        dialog = LockDialog(f"{user.name}({user.user_id})", self.window)
        dialog.unlock_button.clicked.connect(self._try_unlock)
        dialog.password_edit.returnPressed.connect(self._try_unlock)
        self.dialog = dialog
        dialog.open()
        dialog.password_edit.setFocus()
        emit(self.locked)

    def _try_unlock(self) -> None:
        dialog = self.dialog
        if dialog is None:
            return
        password = dialog.password_edit.text()
        dialog.unlock_button.setEnabled(False)

        def verified(ok: bool) -> None:
            dialog.unlock_button.setEnabled(True)
            if ok:
                self._unlock()
            else:
                dialog.password_edit.clear()
                dialog.error_label.setText(self.tr("パスワードが正しくありません。"))
                log.warning("unlock refused: wrong password")

        self.taskman.run_db(lambda: self.service.verify_password(password), verified)

    def release(self, reason: str) -> None:
        """Lift the lock without a password when nothing is left behind it to protect (a revoked
        terminal: the window is emptied and closed for work, the clerk signed out)."""
        if self.policy.locked:
            log.info("lock lifted: %s", reason)
            self._unlock()

    def _unlock(self) -> None:
        self.policy.unlock(self.clock())
        if self.dialog is not None:
            self.dialog.done(QDialog.DialogCode.Accepted)
            self.dialog.deleteLater()
            self.dialog = None
        central = self.window.centralWidget()
        if central is not None:
            central.show()
        self.window.activateWindow()
        focus_search = getattr(self.window, "focus_search", None)
        if callable(focus_search):
            focus_search()
        log.info("session unlocked")
        emit(self.unlocked)
