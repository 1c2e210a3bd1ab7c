"""BCP照合結果の確認 (supervisor): conflicts the server found when BCP issuances were synced back.

The list shows each conflict (宛名番号, 氏名, 区分, 登録日時, 状態); the detail puts both sides next to
each other — what the terminal printed in BCP mode (names, address, data as-of) and the server's
decision (reasons, differences). The supervisor records 問題なし / 回収要 / その他 (note required).
A clerk gets the supervisor prompt first. Every network call runs on the task manager.
"""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from client.services.conflicts import OUTCOME_LABELS, BcpConflict, check_resolution
from client.services.counter import JST, CounterService, SupervisorGrant
from client.services.errors import ClerkError
from client.ui.qt_signals import emit
from client.ui.supervisor_dialog import SupervisorDialog
from client.ui.taskman import TaskManager, describe_error

log = logging.getLogger(__name__)

_STATUS_FILTERS = (("open", "未処理"), ("resolved", "処理済"), ("all", "すべて"))


def _when(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(JST)
    return f"{value:%Y-%m-%d %H:%M}"


def bcp_side_text(c: BcpConflict) -> str:
    """What the terminal printed in BCP mode."""
    lines = ["【BCPで交付した内容】"]
    content = c.bcp_content
    if content is None:
        lines.append("(記載内容の記録がありません)")
    else:
        lines += [
            f"証明書: {content.title}",
            f"発行番号: {'、'.join(c.bcp_issue_numbers) or '(記録なし)'}",
            f"交付日時: {_when(content.issued_at)}",
            f"住所: {content.address}{(' ' + content.katagaki) if content.katagaki else ''}",
            "記載者:",
        ]
        lines += [f"　{p.name}({p.kana}) {p.birth_text} 宛名番号 {p.atena_no}" for p in content.persons]
    lines.append(f"データ基準時刻: {_when(c.bcp_data_as_of) or '不明'}")
    lines += ["", "この交付は、その時点の複製データでは交付できるものでした。照合結果は、データセンターで"
              "その後に分かった記録との突き合わせで、職員の誤りを示すものではありません。"]
    return "\n".join(lines)


def server_side_text(c: BcpConflict) -> str:
    """The server's decision as of the issue time, and where the printed content differs."""
    lines = ["【サーバーの判定(発行時点)】", f"判定: {c.server_outcome_ja}", "理由:"]
    lines += [f"　・{r.message_ja or r.code}" for r in c.server_reasons] or ["　(なし)"]
    lines.append("記載内容の相違:")
    lines += [
        f"　・{d.field_ja}{(' (' + d.atena_no + ')') if d.atena_no else ''}: "
        f"BCP「{d.show(d.bcp)}」 / サーバー「{d.show(d.server)}」"
        for d in c.differences
    ] or ["　(なし)"]
    if not c.is_open:
        lines += ["", f"処理結果: {c.outcome_ja}({c.resolved_by} {_when(c.resolved_at)})"]
        if c.note:
            lines.append(f"記入内容: {c.note}")
    return "\n".join(lines)


class ConflictDialog(QDialog):
    loaded = Signal(int)  # number of conflicts shown
    resolved = Signal(object)  # BcpConflict

    COLUMNS = ("宛名番号", "氏名", "区分", "登録日時", "状態")

    def __init__(
        self,
        service: CounterService,
        taskman: TaskManager,
        *,
        grant: SupervisorGrant | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.taskman = taskman
        self.grant = grant
        self.conflicts: list[BcpConflict] = []
        self.supervisor_dialog: SupervisorDialog | None = None
        self._notice = ""  # shown once after the next load (e.g. "recorded")
        self.setObjectName("conflictDialog")
        self.setWindowTitle(self.tr("BCP照合結果の確認(係長)"))
        self.resize(980, 680)

        self.status_combo = QComboBox(self)
        self.status_combo.setObjectName("conflictStatus")
        self.status_combo.setAccessibleName(self.tr("表示する照合結果"))
        for value, label in _STATUS_FILTERS:
            self.status_combo.addItem(self.tr(label), value)
        self.status_combo.currentIndexChanged.connect(lambda _i: self.reload())

        self.table = QTableWidget(0, len(self.COLUMNS), self)
        self.table.setObjectName("conflictTable")
        self.table.setAccessibleName(self.tr("照合で見つかった競合の一覧"))
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in self.COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.currentCellChanged.connect(lambda *_a: self._show_detail())

        self.bcp_view = QPlainTextEdit(self)
        self.bcp_view.setObjectName("conflictBcpSide")
        self.bcp_view.setAccessibleName(self.tr("BCPで交付した内容"))
        self.bcp_view.setReadOnly(True)
        self.server_view = QPlainTextEdit(self)
        self.server_view.setObjectName("conflictServerSide")
        self.server_view.setAccessibleName(self.tr("サーバーの判定"))
        self.server_view.setReadOnly(True)
        sides = QSplitter(self)
        sides.addWidget(self.bcp_view)
        sides.addWidget(self.server_view)

        self.outcome_group = QButtonGroup(self)
        self.outcome_buttons: dict[str, QRadioButton] = {}
        outcome_box = QGroupBox(self.tr("処理結果"), self)
        outcome_row = QHBoxLayout(outcome_box)
        for value, label in OUTCOME_LABELS.items():
            radio = QRadioButton(self.tr(label), outcome_box)
            radio.setObjectName(f"conflictOutcome_{value}")
            self.outcome_group.addButton(radio)
            self.outcome_buttons[value] = radio
            outcome_row.addWidget(radio)
        outcome_row.addStretch(1)
        self.note_edit = QPlainTextEdit(self)
        self.note_edit.setObjectName("conflictNote")
        self.note_edit.setAccessibleName(self.tr("処理内容の記入(「その他」は必須)"))
        self.note_edit.setPlaceholderText(self.tr("処理内容(「その他」の場合は必須)"))
        self.note_edit.setTabChangesFocus(True)
        self.note_edit.setFixedHeight(60)
        self.resolve_button = QPushButton(self.tr("F12 処理を記録"), self)
        self.resolve_button.setObjectName("conflictResolveButton")
        self.resolve_button.setAccessibleName(self.tr("処理結果を記録"))
        self.resolve_button.clicked.connect(self.resolve_selected)
        self.message_label = QLabel(self)
        self.message_label.setObjectName("conflictMessage")
        self.message_label.setWordWrap(True)
        close = QPushButton(self.tr("Esc 閉じる"), self)
        close.setAccessibleName(self.tr("閉じる"))
        close.clicked.connect(self.reject)
        for b in (self.resolve_button, close):
            b.setAutoDefault(False)
        QShortcut(QKeySequence("F12"), self, self.resolve_selected)
        QShortcut(QKeySequence("F5"), self, self.reload)

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("表示"), self))
        top.addWidget(self.status_combo)
        top.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message_label, 1)
        buttons.addWidget(self.resolve_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 2)
        layout.addWidget(sides, 3)
        layout.addWidget(outcome_box)
        layout.addWidget(self.note_edit)
        layout.addLayout(buttons)
        self._set_resolvable(False)
        self._first_load = True  # on first show: an approval box opened earlier went behind this dialog

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if self._first_load:
            self._first_load = False
            self.reload()

    # -- supervisor --------------------------------------------------------------------------

    def _ask_supervisor(self) -> None:
        dialog = SupervisorDialog(
            self.tr("BCP照合結果の確認"),
            self.tr("BCPモードで交付した証明書の照合結果を確認します。係長の承認が必要です。"),
            parent=self,
        )
        dialog.reason_edit.setPlainText(self.tr("BCP照合結果の確認"))
        self.supervisor_dialog = dialog
        self.message_label.setText(self.tr("係長の承認が必要です。"))

        def accepted() -> None:
            user_id, password = dialog.user_id, dialog.password
            self.taskman.run_network(
                lambda: self.service.authorize_supervisor(user_id, password), self._granted, self._failed
            )

        dialog.accepted.connect(accepted)
        dialog.open()

    def _granted(self, grant: SupervisorGrant) -> None:
        self.grant = grant
        self.reload()

    # -- list and detail ---------------------------------------------------------------------------

    @property
    def status(self) -> str:
        return str(self.status_combo.currentData())

    @property
    def needs_supervisor(self) -> bool:
        s = self.service
        return self.grant is None and not (s.signed_in and s.session.user.is_supervisor)

    def reload(self) -> None:
        """Load the list (F5); a clerk without a supervisor's approval gets the supervisor prompt."""
        if self.needs_supervisor:
            self._ask_supervisor()
            return
        status, grant = self.status, self.grant
        self.message_label.setText(self.tr("読み込んでいます…"))
        self.taskman.run_network(lambda: self.service.list_conflicts(status, grant), self._loaded, self._failed)

    def _loaded(self, conflicts: list[BcpConflict]) -> None:
        self.conflicts = list(conflicts)
        self.table.setRowCount(len(self.conflicts))
        for row, c in enumerate(self.conflicts):
            texts = (c.subject_atena_no, c.subject_name, "・".join(c.codes_ja), _when(c.created_at), c.status_ja)
            for col, text in enumerate(texts):
                self.table.setItem(row, col, QTableWidgetItem(text))
        if self.conflicts:
            self.table.selectRow(0)
            text = self.tr("{n}件").format(n=len(self.conflicts))
        else:
            text = self.tr("該当する照合結果はありません。")
        notice, self._notice = self._notice, ""
        self.message_label.setText(f"{notice} {text}" if notice else text)
        self._show_detail()
        emit(self.loaded, len(self.conflicts))

    def selected(self) -> BcpConflict | None:
        row = self.table.currentRow()
        return self.conflicts[row] if 0 <= row < len(self.conflicts) else None

    def _show_detail(self) -> None:
        c = self.selected()
        self.bcp_view.setPlainText(bcp_side_text(c) if c is not None else "")
        self.server_view.setPlainText(server_side_text(c) if c is not None else "")
        self._set_resolvable(c is not None and c.is_open)

    def _set_resolvable(self, enabled: bool) -> None:
        for radio in self.outcome_buttons.values():
            radio.setEnabled(enabled)
        self.note_edit.setEnabled(enabled)
        self.resolve_button.setEnabled(enabled)

    def _failed(self, exc: BaseException) -> None:
        ja, en = describe_error(exc)
        log.warning("conflict review: %s", en)
        self.message_label.setText(ja)

    # -- resolve -------------------------------------------------------------------------------------

    @property
    def outcome(self) -> str:
        return next((value for value, radio in self.outcome_buttons.items() if radio.isChecked()), "")

    def resolve_selected(self) -> None:
        c = self.selected()
        if c is None or not c.is_open:
            self.message_label.setText(self.tr("処理する照合結果を選んでください。"))
            return
        outcome, note = self.outcome, self.note_edit.toPlainText()
        try:
            note = check_resolution(outcome, note)
        except ClerkError as exc:
            self.message_label.setText(exc.message_ja)
            (self.note_edit if outcome == "other" else self.outcome_buttons["no_problem"]).setFocus()
            return
        grant = self.grant
        self.message_label.setText(self.tr("記録しています…"))

        def done(resolved: BcpConflict) -> None:
            self.note_edit.clear()
            self._notice = self.tr("{atena} を「{outcome}」として記録しました。").format(
                atena=resolved.subject_atena_no, outcome=resolved.outcome_ja)
            emit(self.resolved, resolved)
            self.reload()

        self.taskman.run_network(
            lambda: self.service.resolve_conflict(c.id, outcome, note, grant), done, self._failed
        )
