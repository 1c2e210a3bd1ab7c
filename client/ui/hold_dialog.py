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

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from client.services.counter import CounterService, SupervisorGrant
from client.services.emergency import (
    KIND_LABELS,
    HoldProposal,
    HoldRecorded,
    check_decision,
    check_hold_input,
)
from client.services.errors import ClerkError
from client.ui.qt_signals import emit
from client.ui.review_dialog import ReviewDialog, radio_box, when_text
from client.ui.taskman import TaskManager, describe_error

log = logging.getLogger(__name__)


_when = when_text


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

        kind_box, self.kind_group, self.kind_buttons = radio_box(self, tuple(KIND_LABELS.items()), "holdKind")
        kind_box.setTitle(self.tr("種類"))
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


class HoldProposalDialog(ReviewDialog):
    decided = Signal(object)  # HoldProposal

    COLUMNS = ("宛名番号", "種類", "理由", "記録者", "端末", "記録日時", "状態")

    def __init__(self, service: CounterService, taskman: TaskManager, *, grant: SupervisorGrant | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(
            service, taskman, grant=grant, parent=parent, name="proposal", filters=_PROPOSAL_FILTERS,
            decisions=(("confirm", "確定"), ("decline", "取下げ")), decision_prefix="proposalDecision",
            detail_stretch=2, log_label="hold proposals",
        )
        self.setObjectName("holdProposalDialog")
        self.setWindowTitle(self.tr("緊急措置の確定(係長)"))
        self.resize(900, 600)
        self.status_combo.setAccessibleName(self.tr("表示する提案"))
        self.table.setAccessibleName(self.tr("緊急措置の提案の一覧"))
        self.choice_box.setTitle(self.tr("処理"))
        self.note_edit.setAccessibleName(self.tr("記入内容(取下げは必須)"))
        self.note_edit.setPlaceholderText(self.tr("記入内容(取下げの場合は必須)"))
        self.record_button.setObjectName("proposalDecideButton")
        self.record_button.setAccessibleName(self.tr("処理を記録"))
        self.decide_button = self.record_button
        self.decision_group = self.choice_group
        self.decision_buttons: dict[str, QRadioButton] = self.choice_buttons

    def make_detail(self) -> QWidget:
        self.detail_view = QPlainTextEdit(self)
        self.detail_view.setObjectName("proposalDetail")
        self.detail_view.setAccessibleName(self.tr("提案の内容"))
        self.detail_view.setReadOnly(True)
        return self.detail_view

    @property
    def proposals(self) -> list[HoldProposal]:
        return self.rows

    @property
    def decision(self) -> str:
        return self.choice

    def supervisor_texts(self) -> tuple[str, str, str]:
        return (self.tr("緊急措置の確定"),
                self.tr("BCPモード中に記録された緊急措置を確定または取下げします。係長の承認が必要です。"),
                self.tr("緊急措置の確定"))

    def fetch(self, status: str, grant: SupervisorGrant | None) -> list[HoldProposal]:
        return self.service.list_hold_proposals(status, grant)

    def row_texts(self, p: HoldProposal) -> tuple[str, ...]:
        return (p.atena_no, self.tr(p.kind_ja), p.reason, p.recorded_by, p.origin_terminal,
                _when(p.recorded_at), self.tr(p.status_ja))

    def empty_text(self) -> str:
        return self.tr("該当する提案はありません。")

    def show_item(self, p: HoldProposal | None) -> None:
        self.detail_view.setPlainText(proposal_text(p) if p is not None else "")

    def is_open(self, p: HoldProposal) -> bool:
        return p.is_open

    def record_selected(self) -> None:
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

        def done(decided: HoldProposal) -> str:
            return self.tr("{atena} の{kind}を「{status}」としました。").format(
                atena=decided.atena_no, kind=decided.kind_ja, status=decided.status_ja)

        self._record(lambda: self.service.decide_hold_proposal(p.hold_id, decision, note, grant), done, self.decided)
