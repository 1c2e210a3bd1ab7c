"""日計表: the day's counts and fees by certificate type, exemption reason, terminal and user; PDF."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
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

from client.services.conflicts import UnsyncedBcpError
from client.services.counter import CounterService, SupervisorGrant
from client.services.records import DayCloseReport
from client.ui.operations import Failure, authorize_supervisor, close_day, close_day_pdf
from client.ui.qt_signals import emit
from client.ui.supervisor_dialog import SupervisorDialog
from client.ui.taskman import TaskManager

log = logging.getLogger(__name__)


class DayCloseDialog(QDialog):
    report_ready = Signal(object)  # DayCloseReport
    pdf_ready = Signal(str)  # path

    def __init__(self, service: CounterService, taskman: TaskManager, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.taskman = taskman
        self.report: DayCloseReport | None = None
        self.pdf_path: Path | None = None
        self.ack: SupervisorGrant | None = None  # a supervisor acknowledged unsynced BCP issuances
        self.unsynced_count = 0
        self.supervisor_dialog: SupervisorDialog | None = None
        self.setObjectName("dayCloseDialog")
        self.setWindowTitle(self.tr("日計表"))
        self.resize(720, 600)

        self.date_edit = QDateEdit(QDate(service.today()), self)  # the Japanese day, not the machine's
        self.date_edit.setObjectName("dayCloseDate")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setAccessibleName(self.tr("対象日"))
        self.date_edit.dateChanged.connect(lambda _d: self.reload())
        self.total_label = QLabel(self)
        self.total_label.setObjectName("dayCloseTotal")
        font = self.total_label.font()
        font.setBold(True)
        self.total_label.setFont(font)
        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("dayCloseTable")
        self.table.setAccessibleName(self.tr("日計表の内訳"))
        self.table.setHorizontalHeaderLabels([self.tr("区分"), self.tr("件数"), self.tr("通数"), self.tr("手数料(円)")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.message_label = QLabel(self)
        self.message_label.setObjectName("dayCloseMessage")
        self.message_label.setWordWrap(True)
        self.notes_label = QLabel(self)
        self.notes_label.setObjectName("dayCloseNotes")
        self.notes_label.setWordWrap(True)
        self.notes_label.setStyleSheet("color: #b00020;")
        self.ack_button = QPushButton(self.tr("係長の確認で締める"), self)
        self.ack_button.setObjectName("dayCloseAckButton")
        self.ack_button.setAccessibleName(self.tr("未同期のBCP発行を係長が確認して締める"))
        self.ack_button.setAutoDefault(False)
        self.ack_button.setVisible(False)
        self.ack_button.clicked.connect(self.acknowledge_unsynced)
        self.pdf_button = QPushButton(self.tr("F12 PDF作成"), self)
        self.pdf_button.setObjectName("dayClosePdfButton")
        self.pdf_button.setAccessibleName(self.tr("日計表のPDFを作成"))
        self.pdf_button.clicked.connect(self.make_pdf)
        close = QPushButton(self.tr("Esc 閉じる"), self)
        close.setAccessibleName(self.tr("閉じる"))
        close.clicked.connect(self.reject)
        for b in (self.pdf_button, close):
            b.setAutoDefault(False)
        QShortcut(QKeySequence("F12"), self, self.make_pdf)
        QShortcut(QKeySequence("F5"), self, self.reload)

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("対象日"), self))
        top.addWidget(self.date_edit)
        top.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.ack_button)
        buttons.addWidget(self.pdf_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.total_label)
        layout.addWidget(self.notes_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message_label)
        layout.addLayout(buttons)
        self.reload()

    @property
    def day(self) -> date:
        value = self.date_edit.date().toPython()
        assert isinstance(value, date)
        return value

    def reload(self) -> None:
        day, ack = self.day, self.ack
        self.message_label.setText(self.tr("集計しています…"))
        close_day(self, day, ack).success(self._show).failure(self._failed).run()

    def _show(self, report: DayCloseReport) -> None:
        self.report = report
        self.total_label.setText(
            self.tr("合計 {count}件 {copies}通 手数料 {fee}円(取消 {voided}件は除く)").format(
                count=report.total_count, copies=report.total_copies, fee=f"{report.total_fee_yen:,}",
                voided=report.voided_count)
        )
        self.notes_label.setText("\n".join(report.notes))
        rows: list[tuple[str, str, str, str, bool]] = []
        for caption, part in (
            (self.tr("証明書の種類"), report.by_type),
            (self.tr("免除事由"), report.by_exemption),
            (self.tr("端末"), report.by_terminal),
            (self.tr("職員"), report.by_user),
            *(((self.tr("動作モード"), report.by_mode),) if report.by_mode else ()),
        ):
            rows.append((caption, "", "", "", True))
            rows += [(f"　{r.key}", str(r.count), str(r.copies), f"{r.fee_yen:,}", False) for r in part]
        self.table.setRowCount(len(rows))
        for i, (a, b, c, d, heading) in enumerate(rows):
            for col, text in enumerate((a, b, c, d)):
                item = QTableWidgetItem(text)
                if heading:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(i, col, item)
        self.message_label.setText("")
        emit(self.report_ready, report)

    def _failed(self, failure: Failure) -> None:
        exc = failure.exc
        self.message_label.setText(failure.message)
        if isinstance(exc, UnsyncedBcpError):  # refused: offer the supervisor's acknowledgement
            self.unsynced_count = exc.count
            self.report = None
            self.total_label.setText("")
            self.notes_label.setText("")
            self.table.setRowCount(0)
            self.ack_button.setVisible(True)

    def acknowledge_unsynced(self) -> None:
        """A supervisor confirms closing the day with BCP issuances still unsynced (noted on the 日計表)."""
        dialog = SupervisorDialog(
            self.tr("未同期のBCP発行の確認"),
            self.tr("BCPモードで発行した {n} 件がまだ同期されていません。係長が確認のうえ日計を締めます"
                    "(日計表に未同期の件数が記載されます)。").format(n=self.unsynced_count),
            parent=self,
        )
        dialog.reason_edit.setPlainText(self.tr("未同期のBCP発行を確認"))
        self.supervisor_dialog = dialog

        def granted(grant: SupervisorGrant) -> None:
            self.ack = grant
            self.ack_button.setVisible(False)
            self.reload()

        def accepted() -> None:
            user_id, password = dialog.user_id, dialog.password
            authorize_supervisor(self, user_id, password).success(granted).failure(self._failed).run()

        dialog.accepted.connect(accepted)
        dialog.open()

    def make_pdf(self) -> None:
        day = self.day
        self.message_label.setText(self.tr("PDFを作成しています…"))

        def done(result: tuple[DayCloseReport, Path]) -> None:
            self.report, self.pdf_path = result
            self.message_label.setText(self.tr("日計表を保存しました: {path}").format(path=self.pdf_path))
            emit(self.pdf_ready, str(self.pdf_path))

        ack = self.ack
        close_day_pdf(self, day, ack).success(done).failure(self._failed).run()
