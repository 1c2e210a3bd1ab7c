"""The card dialog's 交付請求書 section (書かない窓口) and the hand-off to the issuance dialog.

A base of ``CardDialog``: it builds step 4 on the dialog (the request kind, certificates, copies,
items, purpose) into a ``SheetForm`` (client/card, Qt-free), renders the sheet to a PDF for the
requester to check and sign, and puts a card identification on an issuance dialog through that
dialog's own widgets. Nothing here decides who may have what: the issuance dialog asks the rules.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from client.card.identification import IC_LABEL, CardHandoff, IdentityCheck
from client.card.sheet_form import SheetForm
from client.domain.model import CertificateType, IdentityDocument, JuminhyoItem, RequesterKind
from client.printing.request_sheet import render_request_sheet
from client.services.counter import CounterService
from client.services.display import REQUESTER_JA
from client.ui.qt_signals import emit
from client.ui.taskman import describe_error

PdfPrinter = Callable[[QWidget, list[Path]], bool | None]  # True when something printed (issue 19)
PdfPreviewer = Callable[[QWidget, Path], None]
_SHEET_KINDS = (RequesterKind.SELF, RequesterKind.HOUSEHOLD, RequesterKind.AGENT, RequesterKind.THIRD_PARTY,
                RequesterKind.PROFESSIONAL)
_SHEET_ITEMS = (JuminhyoItem.HEAD_RELATION, JuminhyoItem.HONSEKI)


class RequestSheetSection(QDialog):
    sheet_ready = Signal(str)  # path of the 交付請求書 PDF

    service: CounterService
    sheet_form: SheetForm | None
    sheet_path: Path | None
    out_dir: Path
    clock: Callable[[], datetime]
    printer: PdfPrinter | None
    previewer: PdfPreviewer | None
    _busy: bool

    def _sync(self) -> None:
        raise NotImplementedError  # the dialog's: which steps and buttons are enabled

    def _say(self, text: str, *, error: bool = False) -> None:
        raise NotImplementedError

    def _current_identity(self) -> IdentityCheck | None:
        raise NotImplementedError

    def _build_sheet_box(self) -> None:
        self.sheet_box = QGroupBox(self.tr("4. 交付請求書(書かない窓口)"), self)
        sform = QFormLayout(self.sheet_box)
        self.kind_combo = QComboBox(self.sheet_box)
        self.kind_combo.setObjectName("sheetKindCombo")
        for kind in _SHEET_KINDS:
            self.kind_combo.addItem(self.tr(REQUESTER_JA[kind]), kind)
        self.kind_combo.currentIndexChanged.connect(lambda _i: self._edit_sheet())
        self.subject_label = QLabel(self.sheet_box)
        self.subject_label.setObjectName("sheetSubject")
        sform.addRow(self.tr("請求者の区分"), self.kind_combo)
        sform.addRow(self.tr("対象者"), self.subject_label)
        self.cert_checks: dict[CertificateType, QCheckBox] = {}
        self.cert_copies: dict[CertificateType, QSpinBox] = {}
        for ct in CertificateType:
            check = QCheckBox(self.tr(ct.label_ja), self.sheet_box)
            check.setObjectName(f"sheetCert_{ct.value}")
            spin = QSpinBox(self.sheet_box)
            spin.setObjectName(f"sheetCopies_{ct.value}")
            spin.setRange(1, 20)
            check.toggled.connect(lambda _on: self._edit_sheet())
            spin.valueChanged.connect(lambda _v: self._edit_sheet())
            line = QHBoxLayout()
            line.addWidget(check, 1)
            line.addWidget(QLabel(self.tr("通数"), self.sheet_box))
            line.addWidget(spin)
            sform.addRow(line)
            self.cert_checks[ct], self.cert_copies[ct] = check, spin
        self.whole_check = QCheckBox(self.tr("住民票は世帯全員"), self.sheet_box)
        self.whole_check.setObjectName("sheetWhole")
        self.whole_check.toggled.connect(lambda _on: self._edit_sheet())
        self.item_checks: dict[JuminhyoItem, QCheckBox] = {}
        irow = QHBoxLayout()
        irow.addWidget(self.whole_check)
        from client.services.issuance_form import JUMINHYO_OPTIONS

        labels = dict(JUMINHYO_OPTIONS)
        for item in _SHEET_ITEMS:
            check = QCheckBox(self.tr(labels[item]), self.sheet_box)
            check.setObjectName(f"sheetItem_{item.value}")
            check.toggled.connect(lambda _on: self._edit_sheet())
            irow.addWidget(check)
            self.item_checks[item] = check
        sform.addRow(irow)
        self.purpose_edit = QLineEdit(self.sheet_box)
        self.purpose_edit.setObjectName("sheetPurpose")
        self.purpose_edit.textChanged.connect(lambda _t: self._edit_sheet())
        self.submit_to_edit = QLineEdit(self.sheet_box)
        self.submit_to_edit.setObjectName("sheetSubmitTo")
        self.submit_to_edit.textChanged.connect(lambda _t: self._edit_sheet())
        self.qualification_edit = QLineEdit(self.sheet_box)
        self.qualification_edit.setObjectName("sheetQualification")
        self.qualification_edit.textChanged.connect(lambda _t: self._edit_sheet())
        self.poa_check = QCheckBox(self.tr("委任状あり"), self.sheet_box)
        self.poa_check.setObjectName("sheetPoa")
        self.poa_check.toggled.connect(lambda _on: self._edit_sheet())
        sform.addRow(self.tr("使用目的"), self.purpose_edit)
        sform.addRow(self.tr("提出先"), self.submit_to_edit)
        sform.addRow(self.tr("資格・登録番号"), self.qualification_edit)
        sform.addRow(self.poa_check)
        self._sheet_form_layout = sform

    def _edit_sheet(self) -> None:
        f = self.sheet_form
        if f is None:
            self._sync()
            return
        f.requester_kind = RequesterKind(self.kind_combo.currentData())
        for ct, check in self.cert_checks.items():
            f.choose(ct, check.isChecked(), self.cert_copies[ct].value())
        for ct in (CertificateType.JUMINHYO, CertificateType.KISAI_JIKO):
            if ct in f.choices:
                f.choices[ct].whole_household = self.whole_check.isChecked()
                f.choices[ct].items = {i for i, c in self.item_checks.items() if c.isChecked()}
        f.purpose = self.purpose_edit.text()
        f.submit_to = self.submit_to_edit.text()
        f.qualification = self.qualification_edit.text()
        f.power_of_attorney = self.poa_check.isChecked()
        target = f.target
        self.subject_label.setText(
            f"{target.name}　{target.address}" if target is not None
            else self.tr("(メイン画面で対象の住民を選んでください)"))
        self._sync()

    def make_sheet(self, *, print_it: bool) -> None:
        f = self.sheet_form
        if f is None or self._busy:
            return
        f.identity = self._current_identity()
        if f.identity is None:
            self._say(self.tr("顔写真の確認(と不一致の確認)をしてから請求書を作成してください。"), error=True)
            return
        session = self.service.session
        try:
            sheet = f.sheet(municipality_name=session.municipality.name, now=self.clock(),
                            bcp=self.service.mode == "bcp", terminal=str(self.service.terminal_id or ""))
            pdf = render_request_sheet(sheet)
        except Exception as exc:  # RenderError carries the Japanese message
            self._say(describe_error(exc)[0], error=True)
            return
        self.out_dir.mkdir(parents=True, exist_ok=True)
        path = self.out_dir / f"kofu-seikyusho-{self.clock():%Y%m%d-%H%M%S-%f}.pdf"
        path.write_bytes(pdf)
        self.sheet_path = path
        if print_it and self.printer is not None:
            self.printer(self, [path])
        elif self.previewer is not None:
            self.previewer(self, path)
        self._say(self.tr("交付請求書を作成しました。請求者に内容を確認していただき、署名をもらってください。"))
        emit(self.sheet_ready, str(path))

    def handoff(self) -> CardHandoff | None:
        f = self.sheet_form
        identity = self._current_identity()
        if f is None or identity is None or f.target is None:
            return None
        first = next((ct for ct in CertificateType if ct in f.choices), CertificateType.JUMINHYO)
        purpose = f.purpose.strip()
        if purpose and f.submit_to.strip():
            purpose = f"{purpose}(提出先: {f.submit_to.strip()})"
        return CardHandoff(
            identity=identity, subject_atena_no=f.target.atena_no, requester_kind=f.requester_kind.value,
            requester_name=f.card.name, power_of_attorney=f.power_of_attorney, purpose=purpose,
            qualification=f.qualification.strip(), cert_type=first.value,
            copies=f.choices[first].copies if first in f.choices else 1,
        )


def _apply_qualification(d: object, text: str) -> None:
    """The sheet's free '資格・登録番号' into the issuance dialog's 資格 combo and 登録番号 field.

    '弁護士 12345' chooses 弁護士 and fills 12345 (unless a 登録番号 is already there); a text that
    starts with none of the eight qualifications leaves the combo unchosen, so the dialog's rules
    say the qualification is missing and the clerk picks it.
    """
    combo: QComboBox = d.qualification_combo  # type: ignore[attr-defined]
    text = text.strip()
    known = [str(combo.itemData(i)) for i in range(combo.count()) if combo.itemData(i)]
    qualification = max((q for q in known if text.startswith(q)), key=len, default="")
    if not qualification:
        return
    combo.setCurrentIndex(combo.findData(qualification))
    number = text[len(qualification):].strip(" \u3000・:：")
    registration: QLineEdit = d.registration_edit  # type: ignore[attr-defined]
    if number and not registration.text():
        registration.setText(number)


def apply_handoff(issuance_dialog: object, handoff: CardHandoff) -> None:
    """Put the card identification on an issuance dialog through its own widgets.

    The identity combo shows 'マイナンバーカード(IC)' and is locked: it can only come from a card read.
    """
    d = issuance_dialog
    kind = RequesterKind(handoff.requester_kind)
    type_combo: QComboBox = d.type_combo  # type: ignore[attr-defined]
    type_combo.setCurrentIndex(max(0, type_combo.findData(CertificateType(handoff.cert_type))))
    d.copies_spin.setValue(handoff.copies)  # type: ignore[attr-defined]
    kind_combo: QComboBox = d.kind_combo  # type: ignore[attr-defined]
    kind_combo.setCurrentIndex(max(0, kind_combo.findData(kind)))
    if kind is RequesterKind.HOUSEHOLD:
        members: QComboBox = d.member_requester_combo  # type: ignore[attr-defined]
        index = members.findData(handoff.identity.atena_no)
        if index >= 0:
            members.setCurrentIndex(index)
    elif kind is not RequesterKind.SELF:
        d.requester_name_edit.setText(handoff.requester_name)  # type: ignore[attr-defined]
    if kind is RequesterKind.AGENT:
        d.poa_check.setChecked(handoff.power_of_attorney)  # type: ignore[attr-defined]
    if handoff.purpose:
        d.purpose_edit.setText(handoff.purpose)  # type: ignore[attr-defined]
    if handoff.qualification:
        _apply_qualification(d, handoff.qualification)
    combo: QComboBox = d.identity_combo  # type: ignore[attr-defined]
    d.form.identity_checks = handoff.identity.checks  # type: ignore[attr-defined]
    if combo.findData(IdentityDocument.MY_NUMBER_CARD_IC) < 0:
        combo.addItem(IC_LABEL, IdentityDocument.MY_NUMBER_CARD_IC)
    combo.setCurrentIndex(combo.findData(IdentityDocument.MY_NUMBER_CARD_IC))  # the dialog's own handler
    combo.setEnabled(False)
    combo.setToolTip("、".join(handoff.identity.checks))

