"""The notice a revoked terminal shows when it reached the data centre and wiped itself (issue 15).

Modal over the main window, which is already closed for work (``MainWindow.on_terminal_wiped``):
what happened and when, the issuances pushed first (lawful: made before the revocation), those
refused, what was erased, and whom to call. An unfinished wipe (the line failed while pushing)
says how many records are still kept for the next contact.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QVBoxLayout, QWidget


def _when(value: Any) -> str:
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone().strftime("%Y/%m/%d %H:%M")


class WipeDialog(QDialog):
    def __init__(self, report: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report = report
        self.setObjectName("wipeDialog")
        self.setModal(True)  # opened with open(): modal over the main window
        self.setMinimumWidth(560)
        self.setWindowTitle(self.tr("この端末は利用停止されました"))
        layout = QVBoxLayout(self)
        self.title_label = QLabel(self)
        self.title_label.setObjectName("wipeTitle")
        self.title_label.setStyleSheet("color: #7a1212; font-weight: bold; font-size: 14pt;")
        self.what_label = self._line("wipeWhat")
        self.pushed_label = self._line("wipePushed")
        self.discarded_label = self._line("wipeDiscarded")
        self.erased_label = self._line("wipeErased")
        self.call_label = self._line("wipeCall")
        self.call_label.setStyleSheet("font-weight: bold;")
        self.ok_button = QPushButton(self)
        self.ok_button.setObjectName("wipeOk")
        self.ok_button.clicked.connect(self.accept)
        layout.addWidget(self.title_label)
        for label in (self.what_label, self.pushed_label, self.discarded_label, self.erased_label, self.call_label):
            layout.addWidget(label)
        layout.addWidget(self.ok_button, 0, Qt.AlignmentFlag.AlignRight)
        self.fill()

    def _line(self, name: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def reject(self) -> None:  # Esc closes the notice too; the window stays closed for work
        self.accept()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.fill()
        super().changeEvent(event)

    def fill(self) -> None:
        r = self.report
        self.setWindowTitle(self.tr("この端末は利用停止されました"))
        self.title_label.setText(self.tr("この端末は利用停止されました"))
        self.ok_button.setText(self.tr("確認しました"))
        when = _when(getattr(r, "revoked_at", None)) or self.tr("不明")
        what = self.tr("データセンターがこの端末を利用停止(失効)しました。利用停止日時: {when}").format(when=when)
        reason = str(getattr(r, "reason", "") or "")
        if reason:
            what += self.tr("(理由: {reason})").format(reason=reason)
        self.what_label.setText(what)
        pushed, discarded, pending = (int(getattr(r, name, 0) or 0) for name in ("pushed", "discarded", "pending"))
        completed = bool(getattr(r, "completed", False))
        if completed:
            self.pushed_label.setText(self.tr(
                "利用停止前にこの端末で交付した記録 {n} 件を、消去の前にデータセンターへ送信しました"
                "(交付履歴に残ります)。").format(n=pushed))
        else:
            self.pushed_label.setText(self.tr(
                "未送信の交付記録 {n} 件は、回線の障害のためまだ送信できていません。記録は端末に保持され、"
                "回線が戻りしだい送信してから消去します(アプリを終了した場合は madoguchi sync で送信します)。"
                ).format(n=pending))
        self.discarded_label.setText(self.tr(
            "利用停止後の交付記録 {n} 件はデータセンターが受け付けず、消去されました。").format(n=discarded))
        self.discarded_label.setVisible(discarded > 0)
        if completed:
            self.erased_label.setText(self.tr(
                "この端末の住民データ(複製)、相互バックアップ協定先の複製、暗号鍵と端末の鍵を消去しました。"))
        else:
            self.erased_label.setText(self.tr(
                "この端末の住民データ(複製)と相互バックアップ協定先の複製は、鍵を消去したため開けなくなりました。"))
        self.call_label.setText(self.tr(
            "この端末ではサインイン・検索・交付はできません。この端末を使わずに、システム管理者"
            "(データセンターの端末管理担当)に連絡してください。"))
