"""交付履歴: today's (or a chosen day's) issuances, optionally for one resident; void and reprint.

「庁舎全体(BCP)」 shows the hall's BCP issuances of the day instead: this window's beside its peers'
(``CounterService.hall_history``), the same person and certificate type issued at two windows
marked 重複 (red), and the peers that did not answer named. Void and reprint stay with this window's
own list.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from client.services.counter import CounterService, SupervisorGrant
from client.services.display import cert_label
from client.services.emergency import HallHistory
from client.services.records import HistoryEntry, IssuanceOutcome
from client.ui.operations import (
    ISSUED,
    REPRINTED,
    VOIDED,
    Failure,
    authorize_supervisor,
    error_message,
    load_hall_history,
    load_history,
    reprint_issuance,
    void_issuance,
)
from client.ui.qt_signals import emit
from client.ui.supervisor_dialog import SupervisorDialog
from client.ui.taskman import TaskManager

log = logging.getLogger(__name__)
PdfPrinter = Callable[[QWidget, list[Path]], "bool | None"]  # False: nothing was printed

_STATUS_JA = {"issued": "交付", "voided": "取消", "reprinted": "再発行済", "unsynced": "未送信", "rejected": "差戻し"}


class HistoryDialog(QDialog):
    loaded = Signal(int)
    changed = Signal(str)  # "voided" | "reprinted" | "printed"

    COLUMNS = ("時刻", "証明書", "対象者", "発行番号", "通数", "手数料", "免除事由", "職員", "端末", "状態")

    def __init__(
        self,
        service: CounterService,
        taskman: TaskManager,
        *,
        atena_no: str | None = None,
        printer: PdfPrinter | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.taskman = taskman
        self.printer = printer
        self.atena_no = atena_no
        self.entries: list[HistoryEntry] = []
        self._own_change: str | None = None
        taskman.changed.connect(self._counter_changed)
        self.hall: HallHistory | None = None  # the hall's BCP history, when that view is on
        self.setObjectName("historyDialog")
        self.setWindowTitle(self.tr("交付履歴"))
        self.resize(1000, 520)

        self.date_edit = QDateEdit(QDate(service.today()), self)  # the Japanese day, not the machine's
        self.date_edit.setObjectName("historyDate")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setAccessibleName(self.tr("対象日"))
        self.date_edit.dateChanged.connect(lambda _d: self.reload())
        self.resident_check = QCheckBox(self.tr("選択中の住民のみ"), self)
        self.resident_check.setObjectName("historyResidentOnly")
        self.resident_check.setAccessibleName(self.tr("選択中の住民のみ"))
        self.resident_check.setEnabled(bool(atena_no))
        self.resident_check.toggled.connect(lambda _on: self.reload())
        self.hall_check = QCheckBox(self.tr("庁舎全体(BCP)"), self)
        self.hall_check.setObjectName("historyHallWide")
        self.hall_check.setAccessibleName(self.tr("庁舎内の全端末のBCP交付を表示"))
        self.hall_check.setEnabled(service.peer_group is not None)
        self.hall_check.toggled.connect(lambda _on: self.reload())

        self.table = QTableWidget(0, len(self.COLUMNS), self)
        self.table.setObjectName("historyTable")
        self.table.setAccessibleName(self.tr("交付履歴の一覧"))
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in self.COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)

        self.message_label = QLabel(self)
        self.message_label.setObjectName("historyMessage")
        self.message_label.setWordWrap(True)

        self.void_button = QPushButton(self.tr("F3 取消"), self)
        self.void_button.setObjectName("voidButton")
        self.void_button.setAccessibleName(self.tr("取消"))
        self.reprint_button = QPushButton(self.tr("F4 再発行"), self)
        self.reprint_button.setObjectName("reprintButton")
        self.reprint_button.setAccessibleName(self.tr("再発行"))
        self.print_button = QPushButton(self.tr("F2 印刷(未印刷分)"), self)
        self.print_button.setObjectName("printUnprintedButton")
        self.print_button.setAccessibleName(self.tr("未印刷の証明書を印刷"))
        self.print_button.clicked.connect(self.print_unprinted_selected)
        QShortcut(QKeySequence("F2"), self, self.print_unprinted_selected)
        self.reload_button = QPushButton(self.tr("F5 更新"), self)
        self.reload_button.setAccessibleName(self.tr("更新"))
        close = QPushButton(self.tr("Esc 閉じる"), self)
        close.setAccessibleName(self.tr("閉じる"))
        for b in (self.void_button, self.reprint_button, self.reload_button, close):
            b.setAutoDefault(False)
        self.void_button.clicked.connect(self.void_selected)
        self.reprint_button.clicked.connect(self.reprint_selected)
        self.reload_button.clicked.connect(self.reload)
        close.clicked.connect(self.reject)
        QShortcut(QKeySequence("F3"), self, self.void_selected)
        QShortcut(QKeySequence("F4"), self, self.reprint_selected)
        QShortcut(QKeySequence("F5"), self, self.reload)

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("対象日"), self))
        top.addWidget(self.date_edit)
        top.addWidget(self.resident_check)
        top.addWidget(self.hall_check)
        top.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.void_button)
        buttons.addWidget(self.reprint_button)
        buttons.addWidget(self.reload_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message_label)
        layout.addLayout(buttons)
        self.reload()
        self.table.setFocus()

    # -- loading -------------------------------------------------------------------------------

    @property
    def day(self) -> date:
        value = self.date_edit.date().toPython()
        assert isinstance(value, date)
        return value

    def reload(self) -> None:
        day = self.day
        atena = self.atena_no if self.resident_check.isChecked() else None
        self.message_label.setText(self.tr("読み込んでいます…"))
        hall = self.hall_check.isChecked()
        for b in (self.void_button, self.reprint_button, self.print_button):
            b.setEnabled(not hall)  # void and reprint work on this window's own records
        if hall:
            load_hall_history(self, day).success(self._hall_loaded).failure(self._failed).run()
            return
        self.hall = None
        load_history(self, None if atena else day, atena).success(self._loaded).failure(self._failed).run()

    def _hall_loaded(self, hall: HallHistory) -> None:
        if not self.hall_check.isChecked():
            return  # switched back meanwhile
        self.hall = hall
        atena = self.atena_no if self.resident_check.isChecked() else None
        entries = [e for e in hall.entries if atena is None or e.subject_atena_no == atena]
        self._loaded(entries, hall=hall)

    def _loaded(self, entries: list[HistoryEntry], hall: HallHistory | None = None) -> None:
        if hall is None and self.hall_check.isChecked():
            return  # an own-list answer that arrived after the switch to the hall view
        self.entries = sorted(entries, key=lambda e: (e.issued_at is None, e.issued_at), reverse=True)
        self.table.setRowCount(len(self.entries))
        unprinted = {u.issuance_id for u in self.service.unprinted.all()}
        for row, e in enumerate(self.entries):
            values = (
                e.issued_at.strftime("%H:%M:%S") if e.issued_at else "",
                cert_label(e.cert_type),
                e.subject_name or e.subject_atena_no,
                "\n".join(e.issue_numbers),
                str(e.copies),
                f"{e.fee_yen:,}",
                e.exemption_reason,
                e.user_id,
                e.terminal_id,
                (self.tr("未印刷") if e.issuance_id in unprinted and not e.voided
                 else self.tr(_STATUS_JA.get(e.status, e.status)))
                + (self.tr("(BCP)") if e.mode == "bcp" else "")
                + (self.tr(" 重複") if hall is not None and hall.is_duplicate(e) else ""),
            )
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                if hall is not None and hall.is_duplicate(e):
                    item.setBackground(QBrush(QColor("#fde2e1")))
                    item.setForeground(QBrush(QColor("#7a1212")))
                self.table.setItem(row, col, item)
        self.table.resizeRowsToContents()
        if self.entries:
            self.table.selectRow(0)
        text = self.tr("{n}件").format(n=len(self.entries))
        if hall is not None:
            duplicates = sum(hall.is_duplicate(e) for e in self.entries)
            if duplicates:
                text += self.tr(" — 重複 {n}件: 同じ方に同じ証明書が複数の窓口で交付されています。").format(n=duplicates)
            if hall.unreachable:
                text += self.tr(" 応答のない端末: {ids}(この端末に写しがある分のみ表示)。").format(
                    ids="、".join(hall.unreachable))
        self.message_label.setText(text)
        emit(self.loaded, len(self.entries))

    def _failed(self, failure: Failure) -> None:
        self.message_label.setText(failure.message)
        emit(self.loaded, -1)

    def selected(self) -> HistoryEntry | None:
        row = self.table.currentRow()
        return self.entries[row] if 0 <= row < len(self.entries) else None

    # -- void / reprint (supervisor) ------------------------------------------------------------------

    def _ask_supervisor(self, title: str, explanation: str, then: Callable[[SupervisorGrant, str], None]) -> None:
        dialog = SupervisorDialog(title, explanation, parent=self)
        if self.service.signed_in and self.service.session.user.is_supervisor:
            dialog.user_edit.setText(self.service.session.user.user_id)
        self.supervisor_dialog = dialog

        def accepted() -> None:
            user_id, password, reason = dialog.user_id, dialog.password, dialog.reason
            (authorize_supervisor(self, user_id, password)
             .success(lambda grant: then(grant, reason))
             .failure(self._failed)
             .run())

        dialog.accepted.connect(accepted)
        dialog.open()

    def void_selected(self) -> None:
        entry = self.selected()
        if entry is None or entry.voided:
            self.message_label.setText(self.tr("取消できる交付を選んでください。"))
            return

        def do_void(grant: SupervisorGrant, reason: str) -> None:
            (void_issuance(self, entry.issuance_id, reason, grant)
             .success(lambda _r: self._done("voided", self.tr("取消しました。")))
             .failure(self._failed)
             .run())

        self._ask_supervisor(
            self.tr("交付の取消"),
            self.tr("{numbers} を取り消します。係長の承認と理由が必要です。").format(numbers=" ".join(entry.issue_numbers)),
            do_void,
        )

    def reprint_selected(self) -> None:
        entry = self.selected()
        if entry is None or entry.voided:
            self.message_label.setText(self.tr("再発行できる交付を選んでください。"))
            return

        def do_reprint(grant: SupervisorGrant, reason: str) -> None:
            def printed(outcome: IssuanceOutcome) -> None:
                if self.printer is not None:
                    self.printer(self, list(outcome.pdf_paths))
                numbers = " ".join(c.issue_number for c in outcome.certificates)
                self._done("reprinted", self.tr("再発行しました: {numbers}").format(numbers=numbers))

            reprint_issuance(self, entry.issuance_id, reason, grant).success(printed).failure(self._failed).run()

        self._ask_supervisor(
            self.tr("再発行"),
            self.tr("{numbers} を再発行します(新しい発行番号になります)。係長の承認と理由が必要です。").format(
                numbers=" ".join(entry.issue_numbers)),
            do_reprint,
        )

    def print_unprinted_selected(self) -> None:
        """未印刷: print the certificates as issued (same numbers); no supervisor, nothing voided."""
        entry = self.selected()
        if entry is None or entry.voided:
            self.message_label.setText(self.tr("印刷する交付を選んでください。"))
            return
        try:
            paths = self.service.unprinted.paths_to_print(entry.issuance_id)
        except Exception as exc:  # noqa: BLE001 - the clerk is told (not unprinted, file gone)
            self.message_label.setText(error_message(exc))
            return
        if self.printer is None or self.printer(self, paths) is False:
            self.message_label.setText(self.tr("印刷されませんでした(未印刷のままです)。"))
            return
        self.service.unprinted.printed(entry.issuance_id)
        self._done("printed", self.tr("印刷しました。交付してください: {numbers}").format(
            numbers=" ".join(entry.issue_numbers)))

    def _done(self, what: str, message: str) -> None:
        emit(self.changed, what)
        self._own_change = what  # the change event that follows is this one: reloaded already
        self.reload()
        self.message_label.setText(message)

    def _counter_changed(self, what: str) -> None:
        """TaskManager.changed: something was issued, voided or reprinted (here or in another dialog)."""
        if what == self._own_change:
            self._own_change = None
            return
        if what in (ISSUED, VOIDED, REPRINTED) and self.isVisible():
            self.reload()
