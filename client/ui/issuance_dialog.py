"""The issuance dialog: what to issue, for whom, who asks; the rule engine's verdict shown live.

The dialog draws an ``IssuanceForm`` (Qt-free state) and asks ``CounterService.evaluate`` on a
worker after every edit (debounced). It never decides eligibility or fees itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from client.domain.model import (
    CertificateType,
    Decision,
    Outcome,
    Resident,
    SupportRelease,
)
from client.services.counter import CounterService, SupervisorGrant
from client.services.display import birth_text
from client.services.issuance_form import IssuanceForm
from client.services.records import IssuanceOutcome
from client.ui.issuance_requester import RequesterSection
from client.ui.operations import (
    Failure,
    authorize_supervisor,
    error_message,
    evaluate_request,
    issue_certificate,
    preview_certificate,
)
from client.ui.qt_signals import emit
from client.ui.supervisor_dialog import SupervisorDialog
from client.ui.taskman import TaskManager
from client.ui.verdict_panel import VerdictPanel

log = logging.getLogger(__name__)

EVALUATE_DEBOUNCE_MS = 200
PdfPrinter = Callable[[QWidget, list[Path]], "bool | None"]  # False: nothing was printed
PdfPreviewer = Callable[[QWidget, Path], None]

class IssuanceDialog(RequesterSection):
    evaluated = Signal(object)  # Decision
    issued = Signal(object)  # IssuanceOutcome, printed (handed over)
    not_printed = Signal(object)  # IssuanceOutcome recorded but not printed (未印刷)
    failed = Signal(str)  # Japanese message
    previewed = Signal(str)  # path of the preview PDF (見本)

    def __init__(
        self,
        service: CounterService,
        taskman: TaskManager,
        subject: Resident,
        household: tuple[Resident, ...],
        *,
        printer: PdfPrinter | None = None,
        previewer: PdfPreviewer | None = None,
        tax_years: tuple[int, ...] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.taskman = taskman
        self.printer = printer
        self.previewer = previewer
        self.form = IssuanceForm(subject=subject, household=household)
        self.decision: Decision | None = None
        self.grant: SupervisorGrant | None = None
        self.outcome: IssuanceOutcome | None = None
        self.unprinted = False  # issued and recorded, but the paper did not come out (未印刷)
        self._seq = 0
        self._busy = False
        self.setObjectName("issuanceDialog")
        self.setWindowTitle(self.tr("証明書の交付"))
        self.setMinimumWidth(640)
        municipality = service.session.municipality

        header = QLabel(
            f"<b>{subject.name}</b>　{subject.kana}　{birth_text(subject.birth, foreign=subject.is_foreign)}"
            f"　{self.tr('宛名番号')} {subject.atena_no}",
            self,
        )
        header.setObjectName("subjectHeader")

        # certificate type
        self.type_combo = QComboBox(self)
        self.type_combo.setObjectName("certTypeCombo")
        self.type_combo.setAccessibleName(self.tr("証明書の種類"))
        for ct in CertificateType:
            self.type_combo.addItem(self.tr(ct.label_ja), ct)
        self.type_combo.currentIndexChanged.connect(self._type_changed)

        # members
        self.members_box = QGroupBox(self.tr("対象者"), self)
        members_layout = QVBoxLayout(self.members_box)
        self.whole_check = QCheckBox(self.tr("世帯全員"), self.members_box)
        self.whole_check.setObjectName("wholeHouseholdCheck")
        self.whole_check.setAccessibleName(self.tr("世帯全員"))
        self.whole_check.toggled.connect(self._whole_toggled)
        members_layout.addWidget(self.whole_check)
        self.member_checks: dict[str, QCheckBox] = {}
        for m in household:
            check = QCheckBox(f"{m.relation}　{m.name}", self.members_box)
            check.setObjectName(f"member_{m.atena_no}")
            check.setAccessibleName(f"{m.relation} {m.name}")
            check.setChecked(m.atena_no == subject.atena_no)
            check.setEnabled(m.atena_no != subject.atena_no)
            check.toggled.connect(lambda on, a=m.atena_no: self._member_toggled(a, on))
            members_layout.addWidget(check)
            self.member_checks[m.atena_no] = check

        # options
        self.items_box = QGroupBox(self.tr("記載事項(特別の請求があるもののみ)"), self)
        items_layout = QHBoxLayout(self.items_box)
        self.item_checks: dict[str, QCheckBox] = {}
        for item, label in self.form.item_options:
            check = QCheckBox(self.tr(label), self.items_box)
            check.setObjectName(f"item_{item.value}")
            check.setAccessibleName(self.tr(label))
            check.toggled.connect(lambda on, it=item: self._edit(lambda f: f.set_item(it, on)))
            items_layout.addWidget(check)
            self.item_checks[item.value] = check

        self._build_requester_box()

        # certificate-specific inputs, copies, fee exemption
        other = QFormLayout()
        self.card_edit = self._line("inkanCardEdit", self.tr("印鑑登録証番号"), "inkan_card_no")
        self.tax_year_spin = QSpinBox(self)
        self.tax_year_spin.setObjectName("taxYearSpin")
        self.tax_year_spin.setAccessibleName(self.tr("課税年度"))
        this_year = service.session.signed_in_at.year
        self.tax_year_spin.setRange(this_year - 4, this_year)  # current year and the previous 4
        if tax_years and this_year - 4 <= tax_years[0] <= this_year:
            this_year = tax_years[0]  # the newest year with income data
        self.tax_year_spin.setValue(this_year)
        self.tax_year_spin.valueChanged.connect(lambda v: self._edit(lambda f: setattr(f, "tax_year", v)))
        self.form.tax_year = this_year
        self.copies_spin = QSpinBox(self)
        self.copies_spin.setObjectName("copiesSpin")
        self.copies_spin.setAccessibleName(self.tr("通数"))
        self.copies_spin.setRange(1, 20)
        self.copies_spin.valueChanged.connect(lambda v: self._edit(lambda f: setattr(f, "copies", v)))
        self.exemption_combo = QComboBox(self)
        self.exemption_combo.setObjectName("exemptionCombo")
        self.exemption_combo.setAccessibleName(self.tr("手数料免除事由"))
        self.exemption_combo.addItem(self.tr("なし(有料)"), "")
        for reason in municipality.exemption_reasons:
            self.exemption_combo.addItem(reason, reason)
        self.exemption_combo.currentIndexChanged.connect(
            lambda _i: self._edit(lambda f: setattr(f, "exemption_reason", self.exemption_combo.currentData()))
        )
        other.addRow(self.tr("印鑑登録証番号"), self.card_edit)
        other.addRow(self.tr("課税年度"), self.tax_year_spin)
        other.addRow(self.tr("通数"), self.copies_spin)
        other.addRow(self.tr("手数料免除"), self.exemption_combo)
        self._other_form = other

        # verdict
        self.verdict = VerdictPanel(self)
        self.verdict_label = self.verdict.verdict_label
        self.fee_label = self.verdict.fee_label
        self.release_button = QPushButton(self.tr("支援措置責任者による解除(F8)"), self)
        self.release_button.setObjectName("releaseButton")
        self.release_button.setAccessibleName(self.tr("支援措置責任者による解除"))
        self.release_button.clicked.connect(self.request_release)
        self.release_button.hide()
        self.result_label = QLabel(self)
        self.result_label.setObjectName("resultLabel")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.preview_button = QPushButton(self.tr("F10 プレビュー"), self)
        self.preview_button.setObjectName("previewButton")
        self.preview_button.setAccessibleName(self.tr("プレビュー"))
        self.issue_button = QPushButton(self.tr("F12 発行・印刷"), self)
        self.issue_button.setObjectName("issueButton")
        self.issue_button.setAccessibleName(self.tr("発行・印刷"))
        self.close_button = QPushButton(self.tr("Esc 閉じる"), self)
        self.close_button.setObjectName("closeButton")
        self.close_button.setAccessibleName(self.tr("閉じる"))
        for b in (self.preview_button, self.issue_button, self.close_button):
            b.setAutoDefault(False)
        self.preview_button.clicked.connect(self.preview)
        self.issue_button.clicked.connect(self.issue)
        self.close_button.clicked.connect(self.reject)
        QShortcut(QKeySequence("F10"), self, self.preview)
        QShortcut(QKeySequence("F12"), self, self.issue)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.issue)
        QShortcut(QKeySequence("F8"), self, self.request_release)

        buttons = QHBoxLayout()
        buttons.addWidget(self.release_button)
        buttons.addStretch(1)
        buttons.addWidget(self.preview_button)
        buttons.addWidget(self.issue_button)
        buttons.addWidget(self.close_button)

        top = QFormLayout()
        top.addRow(self.tr("証明書(&T)"), self.type_combo)
        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addLayout(top)
        layout.addWidget(self.members_box)
        layout.addWidget(self.items_box)
        layout.addWidget(self.requester_box)
        layout.addLayout(other)
        layout.addWidget(self.verdict)
        layout.addWidget(self.result_label)
        layout.addLayout(buttons)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(EVALUATE_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.evaluate)
        self.installEventFilter(self)
        for child in self.findChildren(QWidget):
            if isinstance(child, (QLineEdit, QComboBox, QSpinBox, QCheckBox)):
                child.installEventFilter(self)
        # 本人確認 is needed for every request: the next stop after the certificate type
        QWidget.setTabOrder(self.type_combo, self.identity_combo)
        QWidget.setTabOrder(self.identity_combo, self.kind_combo)
        self._sync_visibility()
        self.verdict.show_pending()
        self.evaluate()
        self.type_combo.setFocus()

    # -- building helpers ------------------------------------------------------------------------

    def _rows_needed(self) -> tuple[bool, ...]:
        f = self.form
        return (f.needs_special_reason, f.needs_legal_basis, f.offers_delivery_by_post)

    def _sync_visibility(self) -> None:
        f = self.form
        self.members_box.setVisible(f.shows_members)
        self.items_box.setVisible(f.shows_items)
        self._sync_requester_rows()
        self._set_row_visible(self._other_form, self.card_edit, f.needs_card_no)
        self._set_row_visible(self._other_form, self.tax_year_spin, f.needs_tax_year)
        self.adjustSize()

    # -- keyboard: Enter moves on, Esc backs out ------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.KeyPress and isinstance(watched, QWidget):
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
                if isinstance(watched, QAbstractButton) and not isinstance(watched, QCheckBox):
                    return False
                if watched is not self:
                    self.focusNextChild()
                    return True
        return super().eventFilter(watched, event)

    # -- edits -------------------------------------------------------------------------------------------

    def _edit(self, change: Callable[[IssuanceForm], None]) -> None:
        shown_before = self._rows_needed()
        change(self.form)
        if self._rows_needed() != shown_before:  # e.g. 本籍 for a third party asks for a 特別の請求 reason
            self._sync_visibility()
        self.outcome = None
        self.unprinted = False  # a new request; an unprinted one stays printable from the 交付履歴
        if self.form.drop_stale_release():
            self.grant = None
            self.result_label.setText(self.tr(
                "請求の内容が変わったため、支援措置の解除は無効になりました。必要なら改めて解除を受けてください。"))
        self._schedule()

    def _schedule(self) -> None:
        self._seq += 1
        self.decision = None  # a verdict for the old choices must not be acted on
        self.verdict.show_pending()
        self.issue_button.setEnabled(False)
        self.preview_button.setEnabled(False)
        self._debounce.start()

    # Qt hands a StrEnum stored as item data back as a plain ``str``; the form and the rule
    # engine compare members by identity, so every combo choice is converted back here.

    def cert_type_choice(self) -> CertificateType:
        return CertificateType(self.type_combo.currentData())

    def _type_changed(self, _index: int) -> None:
        self.form.cert_type = self.cert_type_choice()
        self._sync_visibility()
        self._edit(lambda f: None)

    def _whole_toggled(self, on: bool) -> None:
        self.form.set_whole_household(on)
        for atena, check in self.member_checks.items():
            check.blockSignals(True)
            check.setChecked(atena in self.form.chosen_members)
            check.blockSignals(False)
        self._edit(lambda f: None)

    def _member_toggled(self, atena_no: str, on: bool) -> None:
        self.form.set_member(atena_no, on)
        self.whole_check.blockSignals(True)
        self.whole_check.setChecked(self.form.whole_household)
        self.whole_check.blockSignals(False)
        self._edit(lambda f: None)

    # -- verdict -------------------------------------------------------------------------------------------

    def evaluate(self) -> None:
        self._seq += 1
        seq = self._seq
        request = self.form.to_request()
        release, grant = self.form.release, self.grant
        (evaluate_request(self, request, release, grant)
         .success(lambda d: self._evaluated(seq, d))
         .failure(lambda f: self._evaluate_failed(seq, f))
         .run())

    def _evaluated(self, seq: int, decision: Decision) -> None:
        if seq != self._seq:
            return
        self.decision = decision
        self.verdict.show_decision(decision, self.form.copies)
        self.release_button.setVisible(decision.outcome is Outcome.NEEDS_RELEASE and self.form.release is None)
        self.issue_button.setEnabled(decision.allowed and self.outcome is None and not self._busy)
        self.preview_button.setEnabled(decision.allowed and decision.content is not None)
        emit(self.evaluated, decision)

    def _evaluate_failed(self, seq: int, failure: Failure) -> None:
        if seq != self._seq:
            return
        self.decision = None
        self.verdict.show_error(failure.message)
        self.issue_button.setEnabled(False)
        emit(self.failed, failure.message)

    # -- supervisor release -----------------------------------------------------------------------------

    def request_release(self) -> None:
        d = self.decision
        if d is None or d.outcome is not Outcome.NEEDS_RELEASE or not d.release_measure_ids:
            return
        dialog = SupervisorDialog(
            self.tr("支援措置の解除"),
            self.tr("支援措置責任者が、この請求が加害者によるものでないことを確認した場合に限り解除します。"
                    "解除は記録されます。"),
            parent=self,
        )
        self.supervisor_dialog = dialog
        dialog.accepted.connect(lambda: self._authorize(dialog, d.release_measure_ids[0]))
        dialog.open()

    def _authorize(self, dialog: SupervisorDialog, measure_id: str) -> None:
        user_id, password, reason = dialog.user_id, dialog.password, dialog.reason

        def granted(grant: SupervisorGrant) -> None:
            self.grant = grant
            self.form.grant_release(
                SupportRelease(measure_id=measure_id, supervisor=grant.user.user_id, reason=reason))
            self.release_button.hide()
            self.result_label.setText(self.tr("{name} が解除しました。理由: {reason}").format(
                name=grant.user.name, reason=reason))
            self._schedule()

        def refused(failure: Failure) -> None:
            self.result_label.setText(failure.message)

        authorize_supervisor(self, user_id, password).success(granted).failure(refused).run()

    # -- preview and issue ----------------------------------------------------------------------------------

    def preview(self) -> None:
        d = self.decision
        if d is None or not d.allowed or d.content is None:
            return

        def show(path: Path) -> None:
            self.result_label.setText(self.tr("プレビュー: {path}").format(path=path))
            emit(self.previewed, str(path))
            if self.previewer is not None:
                self.previewer(self, path)

        preview_certificate(self, d).success(show).failure(self._issue_failed).run()

    def issue(self) -> None:
        if self.outcome is not None and self.unprinted and not self._busy:
            self.print_again()
            return
        d = self.decision
        if self._busy or d is None or not d.allowed or self.outcome is not None:
            return
        self._busy = True
        self.issue_button.setEnabled(False)
        self.result_label.setText(self.tr("発行しています…"))
        request, release, grant = self.form.to_request(), self.form.release, self.grant
        issue_certificate(self, request, release, grant).success(self._issued).failure(self._issue_failed).run()

    def _issued(self, outcome: IssuanceOutcome) -> None:
        self._busy = False
        self.outcome = outcome
        self.close_button.setText(self.tr("Esc 閉じる"))
        printed = True
        if self.printer is not None:
            printed = self.printer(self, list(outcome.pdf_paths)) is not False
        if not printed:
            self._not_printed(outcome)
            return
        self._handed_over(outcome)

    def _numbers(self, outcome: IssuanceOutcome) -> str:
        return "\n".join(c.issue_number for c in outcome.certificates)

    def _handed_over(self, outcome: IssuanceOutcome) -> None:
        self.unprinted = False
        self.result_label.setText(self.tr("交付しました。発行番号:\n{numbers}").format(numbers=self._numbers(outcome)))
        alerts = [a for c in outcome.certificates for a in c.alerts]
        if alerts:
            self.result_label.setText(self.result_label.text() + "\n⚠ " + "\n⚠ ".join(alerts))
        self.issue_button.setText(self.tr("F12 発行・印刷"))
        self.issue_button.setEnabled(False)
        self.close_button.setFocus()
        emit(self.issued, outcome)

    def _not_printed(self, outcome: IssuanceOutcome) -> None:
        """Recorded in the 交付履歴 with its numbers, but no paper: not handed over, fee not taken.

        The clerk prints the same certificates now (F12) or later from the 交付履歴 (F6), without a
        supervisor and without a new number."""
        self.unprinted = True
        self.service.unprinted.add(outcome)
        self.result_label.setText(self.tr(
            "発行を記録しましたが、印刷されていません(未印刷)。まだ交付していません。手数料は受け取らないでください。\n"
            "発行番号:\n{numbers}\nF12 で印刷します(交付履歴 F6 からも印刷できます。番号は変わりません)。"
        ).format(numbers=self._numbers(outcome)))
        self.issue_button.setText(self.tr("F12 印刷(未印刷)"))
        self.issue_button.setEnabled(True)
        self.issue_button.setFocus()
        emit(self.not_printed, outcome)

    def print_again(self) -> None:
        outcome = self.outcome
        if outcome is None or self.printer is None:
            return
        try:
            paths = self.service.unprinted.paths_to_print(outcome.issuance_id)
        except Exception as exc:  # noqa: BLE001 - shown to the clerk
            self.result_label.setText(error_message(exc))
            return
        if self.printer(self, paths) is False:
            return  # still 未印刷; the message stays
        self.service.unprinted.printed(outcome.issuance_id)
        self._handed_over(outcome)

    def _issue_failed(self, failure: Failure) -> None:
        self._busy = False
        self.result_label.setText(failure.message)
        self.issue_button.setEnabled(self.decision is not None and self.decision.allowed)
        emit(self.failed, failure.message)
