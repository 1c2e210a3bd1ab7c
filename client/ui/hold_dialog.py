"""Emergency holds (issue 18, docs/peers.md): a supervisor records one in BCP mode, and confirms or
declines on recovery the proposals they became at the data centre.

* ``EmergencyHoldDialog`` — for the person selected in the window: 緊急抑止 or 仮支援措置, the
  supervisor's ID and password (checked against the replica in BCP mode) and a reason. The hold is
  in force on this terminal at once and pushed to the hall's reachable peers; the dialog says which
  peers took it.
* ``HoldProposalDialog`` — like the BCP conflict review: the list, the detail, 確定 / 取下げ (a
  decline needs a note). A clerk gets the supervisor prompt first.

Widgets show and collect; the service decides. Every call runs on the task manager.
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
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from client.services.counter import JST, CounterService, SupervisorGrant
from client.services.emergency import (
    KIND_LABELS,
    HoldProposal,
    HoldRecorded,
    check_decision,
    check_hold_input,
)
from client.services.errors import ClerkError
from client.ui.qt_signals import emit
from client.ui.supervisor_dialog import SupervisorDialog
from client.ui.taskman import TaskManager, describe_error

log = logging.getLogger(__name__)


def _when(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(JST)
    return f"{value:%Y-%m-%d %H:%M}"


class EmergencyHoldDialog(QDialog):
    recorded = Signal(object)  # HoldRecorded
    failed = Signal(str)  # the Japanese message shown

    def __init__(self, service: CounterService, taskman: TaskManager, atena_no: str, name: str = "", *,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.taskman = taskman
        self.atena_no = atena_no
        self.result_hold: HoldRecorded | None = None
        self.setObjectName("emergencyHoldDialog")
        self.setWindowTitle(self.tr("緊急措置の記録(係長)"))
        self.setMinimumWidth(520)
        person = QLabel(self.tr("対象者: {name}(宛名番号 {atena})").format(name=name or "—", atena=atena_no), self)
        person.setObjectName("holdPerson")
        explanation = QLabel(self.tr(
            "BCPモード中の緊急措置です。この端末ですぐに適用され、庁舎内の他の端末にも送られます。"
            "回線復旧後、データセンターで係長が確定するまで有効です。"), self)
        explanation.setWordWrap(True)

        self.kind_group = QButtonGroup(self)
        self.kind_buttons: dict[str, QRadioButton] = {}
        kind_box = QGroupBox(self.tr("種類"), self)
        kind_row = QHBoxLayout(kind_box)
        for value, label in KIND_LABELS.items():
            radio = QRadioButton(self.tr(label), kind_box)
            radio.setObjectName(f"holdKind_{value}")
            self.kind_group.addButton(radio)
            self.kind_buttons[value] = radio
            kind_row.addWidget(radio)
        kind_row.addStretch(1)
        self.kind_buttons["suppression"].setChecked(True)

        self.user_edit = QLineEdit(self)
        self.user_edit.setObjectName("holdSupervisorUser")
        self.user_edit.setAccessibleName(self.tr("係長の職員ID"))
        if service.signed_in and service.session.user.is_supervisor:
            self.user_edit.setText(service.session.user.user_id)
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("holdSupervisorPassword")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setAccessibleName(self.tr("係長のパスワード"))
        self.reason_edit = QPlainTextEdit(self)
        self.reason_edit.setObjectName("holdReason")
        self.reason_edit.setAccessibleName(self.tr("理由(必須、200文字以内)"))
        self.reason_edit.setPlaceholderText(self.tr("理由(必須、200文字以内)"))
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setFixedHeight(70)
        form = QFormLayout()
        form.addRow(self.tr("係長ID(&U)"), self.user_edit)
        form.addRow(self.tr("パスワード(&P)"), self.password_edit)
        form.addRow(self.tr("理由(&R)"), self.reason_edit)

        self.message_label = QLabel(self)
        self.message_label.setObjectName("holdMessage")
        self.message_label.setStyleSheet("color: #b00020;")
        self.message_label.setWordWrap(True)
        self.record_button = QPushButton(self.tr("F12 記録"), self)
        self.record_button.setObjectName("holdRecordButton")
        self.record_button.setAccessibleName(self.tr("緊急措置を記録"))
        self.record_button.clicked.connect(self.record)
        cancel = QPushButton(self.tr("Esc 戻る"), self)
        cancel.setObjectName("holdCancelButton")
        cancel.setAccessibleName(self.tr("戻る"))
        cancel.clicked.connect(self.reject)
        self.cancel_button = cancel
        for b in (self.record_button, cancel):
            b.setAutoDefault(False)
        QShortcut(QKeySequence("F12"), self, self.record)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.record_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(person)
        layout.addWidget(explanation)
        layout.addWidget(kind_box)
        layout.addLayout(form)
        layout.addWidget(self.message_label)
        layout.addLayout(buttons)
        self.busy = False

    @property
    def kind(self) -> str:
        return next((value for value, radio in self.kind_buttons.items() if radio.isChecked()), "")

    def _fail(self, text: str) -> None:
        self.message_label.setText(text)
        emit(self.failed, text)

    def record(self) -> None:
        if self.busy:
            return
        try:
            kind, atena, reason = check_hold_input(self.kind, self.atena_no, self.reason_edit.toPlainText())
        except ClerkError as exc:
            self._fail(exc.message_ja)
            self.reason_edit.setFocus()
            return
        user_id, password = self.user_edit.text().strip(), self.password_edit.text()
        if not user_id or not password:
            self._fail(self.tr("係長のIDとパスワードを入力してください。"))
            return
        self.busy = True
        self.record_button.setEnabled(False)
        self.message_label.setText(self.tr("記録しています…"))

        def work() -> HoldRecorded:
            grant = self.service.authorize_supervisor(user_id, password)  # a clerk is refused here
            return self.service.record_emergency_hold(kind, atena, reason, grant)

        self.taskman.run_network(work, self._done, self._failed)

    def _done(self, hold: HoldRecorded) -> None:
        self.busy = False
        self.result_hold = hold
        emit(self.recorded, hold)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.record_button.setEnabled(True)
        ja, en = describe_error(exc)
        log.warning("emergency hold not recorded: %s", en)
        self.password_edit.clear()
        self._fail(ja)


_PROPOSAL_FILTERS = (("proposed", "確認待ち"), ("confirmed", "確定"), ("declined", "取下げ"), ("all", "すべて"))


def proposal_text(p: HoldProposal) -> str:
    lines = [
        f"種類: {p.kind_ja}",
        f"宛名番号: {p.atena_no}",
        f"理由: {p.reason}",
        f"記録した係長: {p.recorded_by}",
        f"記録した端末: {p.origin_terminal}",
        f"記録日時: {_when(p.recorded_at)}",
        f"状態: {p.status_ja}",
        "",
        "確定すると、データセンターの正式な"
        + ("抑止(発行・エラー)" if p.kind == "suppression" else "仮支援措置")
        + "として登録され、すべての端末の複製データに反映されます。",
    ]
    if not p.is_open:
        lines += ["", f"処理: {p.status_ja}({p.decided_by} {_when(p.decided_at)})"]
        if p.note:
            lines.append(f"記入内容: {p.note}")
    return "\n".join(lines)


class HoldProposalDialog(QDialog):
    loaded = Signal(int)
    decided = Signal(object)  # HoldProposal

    COLUMNS = ("宛名番号", "種類", "理由", "記録者", "端末", "記録日時", "状態")

    def __init__(self, service: CounterService, taskman: TaskManager, *, grant: SupervisorGrant | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.taskman = taskman
        self.grant = grant
        self.proposals: list[HoldProposal] = []
        self.supervisor_dialog: SupervisorDialog | None = None
        self._notice = ""
        self.setObjectName("holdProposalDialog")
        self.setWindowTitle(self.tr("緊急措置の確定(係長)"))
        self.resize(900, 600)

        self.status_combo = QComboBox(self)
        self.status_combo.setObjectName("proposalStatus")
        self.status_combo.setAccessibleName(self.tr("表示する提案"))
        for value, label in _PROPOSAL_FILTERS:
            self.status_combo.addItem(self.tr(label), value)
        self.status_combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.table = QTableWidget(0, len(self.COLUMNS), self)
        self.table.setObjectName("proposalTable")
        self.table.setAccessibleName(self.tr("緊急措置の提案の一覧"))
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in self.COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.currentCellChanged.connect(lambda *_a: self._show_detail())
        self.detail_view = QPlainTextEdit(self)
        self.detail_view.setObjectName("proposalDetail")
        self.detail_view.setAccessibleName(self.tr("提案の内容"))
        self.detail_view.setReadOnly(True)

        self.decision_group = QButtonGroup(self)
        self.decision_buttons: dict[str, QRadioButton] = {}
        box = QGroupBox(self.tr("処理"), self)
        row = QHBoxLayout(box)
        for value, label in (("confirm", "確定"), ("decline", "取下げ")):
            radio = QRadioButton(self.tr(label), box)
            radio.setObjectName(f"proposalDecision_{value}")
            self.decision_group.addButton(radio)
            self.decision_buttons[value] = radio
            row.addWidget(radio)
        row.addStretch(1)
        self.note_edit = QPlainTextEdit(self)
        self.note_edit.setObjectName("proposalNote")
        self.note_edit.setAccessibleName(self.tr("記入内容(取下げは必須)"))
        self.note_edit.setPlaceholderText(self.tr("記入内容(取下げの場合は必須)"))
        self.note_edit.setTabChangesFocus(True)
        self.note_edit.setFixedHeight(60)
        self.decide_button = QPushButton(self.tr("F12 処理を記録"), self)
        self.decide_button.setObjectName("proposalDecideButton")
        self.decide_button.setAccessibleName(self.tr("処理を記録"))
        self.decide_button.clicked.connect(self.decide_selected)
        self.message_label = QLabel(self)
        self.message_label.setObjectName("proposalMessage")
        self.message_label.setWordWrap(True)
        close = QPushButton(self.tr("Esc 閉じる"), self)
        close.setAccessibleName(self.tr("閉じる"))
        close.clicked.connect(self.reject)
        for b in (self.decide_button, close):
            b.setAutoDefault(False)
        QShortcut(QKeySequence("F12"), self, self.decide_selected)
        QShortcut(QKeySequence("F5"), self, self.reload)

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("表示"), self))
        top.addWidget(self.status_combo)
        top.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message_label, 1)
        buttons.addWidget(self.decide_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.detail_view, 2)
        layout.addWidget(box)
        layout.addWidget(self.note_edit)
        layout.addLayout(buttons)
        self._set_decidable(False)
        self._first_load = True

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if self._first_load:
            self._first_load = False
            self.reload()

    @property
    def needs_supervisor(self) -> bool:
        s = self.service
        return self.grant is None and not (s.signed_in and s.session.user.is_supervisor)

    def _ask_supervisor(self) -> None:
        dialog = SupervisorDialog(
            self.tr("緊急措置の確定"),
            self.tr("BCPモード中に記録された緊急措置を確定または取下げします。係長の承認が必要です。"),
            parent=self,
        )
        dialog.reason_edit.setPlainText(self.tr("緊急措置の確定"))
        self.supervisor_dialog = dialog
        self.message_label.setText(self.tr("係長の承認が必要です。"))

        def accepted() -> None:
            user_id, password = dialog.user_id, dialog.password
            self.taskman.run_network(lambda: self.service.authorize_supervisor(user_id, password),
                                     self._granted, self._failed)

        dialog.accepted.connect(accepted)
        dialog.open()

    def _granted(self, grant: SupervisorGrant) -> None:
        self.grant = grant
        self.reload()

    def reload(self) -> None:
        if self.needs_supervisor:
            self._ask_supervisor()
            return
        status, grant = str(self.status_combo.currentData()), self.grant
        self.message_label.setText(self.tr("読み込んでいます…"))
        self.taskman.run_network(lambda: self.service.list_hold_proposals(status, grant), self._loaded, self._failed)

    def _loaded(self, proposals: list[HoldProposal]) -> None:
        self.proposals = list(proposals)
        self.table.setRowCount(len(self.proposals))
        for r, p in enumerate(self.proposals):
            texts = (p.atena_no, self.tr(p.kind_ja), p.reason, p.recorded_by, p.origin_terminal,
                     _when(p.recorded_at), self.tr(p.status_ja))
            for col, text in enumerate(texts):
                self.table.setItem(r, col, QTableWidgetItem(text))
        if self.proposals:
            self.table.selectRow(0)
            text = self.tr("{n}件").format(n=len(self.proposals))
        else:
            text = self.tr("該当する提案はありません。")
        notice, self._notice = self._notice, ""
        self.message_label.setText(f"{notice} {text}" if notice else text)
        self._show_detail()
        emit(self.loaded, len(self.proposals))

    def selected(self) -> HoldProposal | None:
        r = self.table.currentRow()
        return self.proposals[r] if 0 <= r < len(self.proposals) else None

    def _show_detail(self) -> None:
        p = self.selected()
        self.detail_view.setPlainText(proposal_text(p) if p is not None else "")
        self._set_decidable(p is not None and p.is_open)

    def _set_decidable(self, enabled: bool) -> None:
        for radio in self.decision_buttons.values():
            radio.setEnabled(enabled)
        self.note_edit.setEnabled(enabled)
        self.decide_button.setEnabled(enabled)

    def _failed(self, exc: BaseException) -> None:
        ja, en = describe_error(exc)
        log.warning("hold proposals: %s", en)
        self.message_label.setText(ja)

    @property
    def decision(self) -> str:
        return next((v for v, radio in self.decision_buttons.items() if radio.isChecked()), "")

    def decide_selected(self) -> None:
        p = self.selected()
        if p is None or not p.is_open:
            self.message_label.setText(self.tr("処理する提案を選んでください。"))
            return
        decision, note = self.decision, self.note_edit.toPlainText()
        try:
            note = check_decision(decision, note)
        except ClerkError as exc:
            self.message_label.setText(exc.message_ja)
            (self.note_edit if decision == "decline" else self.decision_buttons["confirm"]).setFocus()
            return
        grant = self.grant
        self.message_label.setText(self.tr("記録しています…"))

        def done(decided: HoldProposal) -> None:
            self.note_edit.clear()
            self._notice = self.tr("{atena} の{kind}を「{status}」としました。").format(
                atena=decided.atena_no, kind=decided.kind_ja, status=decided.status_ja)
            emit(self.decided, decided)
            self.reload()

        self.taskman.run_network(lambda: self.service.decide_hold_proposal(p.hold_id, decision, note, grant),
                                 done, self._failed)
