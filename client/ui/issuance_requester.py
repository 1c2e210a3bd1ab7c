"""The issuance dialog's 請求者 section: who asks (区分, 本人確認, 委任状, 職務上請求, 公用 …).

A base of ``IssuanceDialog``: it builds the section's widgets on the dialog (the dialog and the
tests address them by name) and shows only the rows the ``IssuanceForm`` says the kind needs.
Every edit goes through the dialog's ``_edit``; nothing here decides.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QWidget,
)

from client.domain.model import IdentityDocument, RequesterKind
from client.services.display import REQUESTER_JA
from client.services.issuance_form import IDENTITY_DOCUMENTS, QUALIFICATIONS, IssuanceForm


class RequesterSection(QDialog):
    form: IssuanceForm

    def _edit(self, change: Callable[[IssuanceForm], None]) -> None:
        raise NotImplementedError  # the dialog's: apply, re-show the rows, re-evaluate

    def _sync_visibility(self) -> None:
        raise NotImplementedError

    def _build_requester_box(self) -> None:
        self.requester_box = QGroupBox(self.tr("請求者"), self)
        rform = QFormLayout(self.requester_box)
        self.kind_combo = QComboBox(self)
        self.kind_combo.setObjectName("requesterKindCombo")
        self.kind_combo.setAccessibleName(self.tr("請求者の区分"))
        for kind in RequesterKind:
            self.kind_combo.addItem(self.tr(REQUESTER_JA[kind]), kind)
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self.requester_name_edit = self._line("requesterNameEdit", self.tr("請求者の氏名"), "requester_name")
        self.member_requester_combo = QComboBox(self)
        self.member_requester_combo.setObjectName("householdRequesterCombo")
        self.member_requester_combo.setAccessibleName(self.tr("来庁した世帯員"))
        for m in self.form.household_requesters:
            self.member_requester_combo.addItem(f"{m.relation}　{m.name}", m.atena_no)
        self.member_requester_combo.currentIndexChanged.connect(
            lambda _i: self._edit(
                lambda f: f.choose_household_requester(self.member_requester_combo.currentData())
            )
        )
        self.identity_combo = QComboBox(self)
        self.identity_combo.setObjectName("identityCombo")
        self.identity_combo.setAccessibleName(self.tr("本人確認書類"))
        for doc, label in IDENTITY_DOCUMENTS:
            self.identity_combo.addItem(self.tr(label), doc)
        self.identity_combo.currentIndexChanged.connect(
            lambda _i: self._edit(lambda f: setattr(f, "identity_document", self.identity_document_choice()))
        )
        self.poa_check = QCheckBox(self.tr("委任状あり"), self)
        self.poa_check.setObjectName("powerOfAttorneyCheck")
        self.poa_check.setAccessibleName(self.tr("委任状"))
        self.poa_check.toggled.connect(lambda on: self._edit(lambda f: setattr(f, "has_power_of_attorney", on)))
        self.purpose_edit = self._line("purposeEdit", self.tr("利用目的"), "purpose")
        # 職務上請求 (12条の3第3項): one of the eight 特定事務受任者, with 登録番号 and 依頼者
        self.qualification_combo = QComboBox(self)
        self.qualification_combo.setObjectName("qualificationCombo")
        self.qualification_combo.setAccessibleName(self.tr("資格"))
        self.qualification_combo.addItem(self.tr("(選択してください)"), "")
        for qualification in QUALIFICATIONS:
            self.qualification_combo.addItem(qualification, qualification)
        self.qualification_combo.currentIndexChanged.connect(
            lambda _i: self._edit(lambda f: setattr(f, "qualification", self.qualification_combo.currentData() or ""))
        )
        self.registration_edit = self._line("registrationNoEdit", self.tr("登録番号"), "registration_no")
        self.client_name_edit = self._line("clientNameEdit", self.tr("依頼者の氏名"), "client_name")
        self.applicant_address_edit = self._line("applicantAddressEdit", self.tr("申出者の住所(事務所の所在地)"),
                                                 "applicant_address")
        self.special_reason_edit = self._line("specialReasonEdit", self.tr("特別の請求の理由"), "special_reason")
        self.special_accepted_check = QCheckBox(self.tr("特別の請求を認める"), self)
        self.special_accepted_check.setObjectName("specialAcceptedCheck")
        self.special_accepted_check.setAccessibleName(self.tr("特別の請求を認める"))
        self.special_accepted_check.toggled.connect(lambda on: self._edit(lambda f: setattr(f, "special_accepted", on)))
        self.agency_edit = self._line("agencyEdit", self.tr("請求機関"), "agency")
        self.legal_basis_edit = self._line("legalBasisEdit", self.tr("法令上の根拠(番号法19条)"), "legal_basis")
        self.by_post_check = QCheckBox(self.tr("郵送による請求"), self)
        self.by_post_check.setObjectName("receivedByPostCheck")
        self.by_post_check.setAccessibleName(self.tr("郵送による請求"))
        self.by_post_check.toggled.connect(lambda on: self._edit(lambda f: setattr(f, "received_by_post", on)))
        self.deliver_by_post_check = QCheckBox(self.tr("対象者の住所へ郵送で交付する(個人番号入り)"), self)
        self.deliver_by_post_check.setObjectName("deliverByPostCheck")
        self.deliver_by_post_check.setAccessibleName(self.tr("郵送で交付"))
        self.deliver_by_post_check.toggled.connect(lambda on: self._edit(lambda f: setattr(f, "deliver_by_post", on)))
        rform.addRow(self.tr("区分"), self.kind_combo)
        rform.addRow(self.tr("氏名"), self.requester_name_edit)
        rform.addRow(self.tr("来庁した世帯員"), self.member_requester_combo)
        identity_label = QLabel(self.tr("本人確認(&I)"), self)
        identity_label.setBuddy(self.identity_combo)  # Alt+I from anywhere in the dialog
        rform.addRow(identity_label, self.identity_combo)
        rform.addRow("", self.poa_check)
        rform.addRow(self.tr("申出者の住所"), self.applicant_address_edit)
        rform.addRow(self.tr("利用目的"), self.purpose_edit)
        rform.addRow(self.tr("資格"), self.qualification_combo)
        rform.addRow(self.tr("登録番号"), self.registration_edit)
        rform.addRow(self.tr("依頼者"), self.client_name_edit)
        rform.addRow(self.tr("特別の請求"), self.special_reason_edit)
        rform.addRow("", self.special_accepted_check)
        rform.addRow(self.tr("請求機関"), self.agency_edit)
        rform.addRow(self.tr("法令上の根拠"), self.legal_basis_edit)
        rform.addRow("", self.by_post_check)
        rform.addRow("", self.deliver_by_post_check)
        self._requester_form = rform

    def _line(self, name: str, accessible: str, attr: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setObjectName(name)
        edit.setAccessibleName(accessible)
        edit.textChanged.connect(lambda t: self._edit(lambda f: setattr(f, attr, t)))
        return edit

    def _set_row_visible(self, form: QFormLayout, widget: QWidget, visible: bool) -> None:
        form.setRowVisible(widget, visible)

    def _sync_requester_rows(self) -> None:
        f, rows = self.form, self._requester_form
        rows.setRowVisible(self.requester_name_edit, f.needs_requester_name)
        rows.setRowVisible(self.member_requester_combo, f.needs_household_requester)
        rows.setRowVisible(self.poa_check, f.needs_power_of_attorney)
        rows.setRowVisible(self.purpose_edit, f.needs_purpose)
        rows.setRowVisible(self.applicant_address_edit, f.needs_applicant_address)
        rows.setRowVisible(self.qualification_combo, f.needs_qualification)
        rows.setRowVisible(self.registration_edit, f.needs_registration)
        rows.setRowVisible(self.client_name_edit, f.needs_registration)
        rows.setRowVisible(self.special_reason_edit, f.needs_special_reason)
        rows.setRowVisible(self.special_accepted_check, f.needs_special_reason)
        rows.setRowVisible(self.agency_edit, f.needs_agency)
        rows.setRowVisible(self.legal_basis_edit, f.needs_legal_basis)
        rows.setRowVisible(self.deliver_by_post_check, f.offers_delivery_by_post)

    # Qt hands a StrEnum stored as item data back as a plain ``str``: converted back here.

    def requester_kind_choice(self) -> RequesterKind:
        return RequesterKind(self.kind_combo.currentData())

    def identity_document_choice(self) -> IdentityDocument:
        return IdentityDocument(self.identity_combo.currentData())

    def _kind_changed(self, _index: int) -> None:
        self.form.requester_kind = self.requester_kind_choice()
        if self.form.needs_household_requester:
            self.form.choose_household_requester(self.member_requester_combo.currentData())
        self._sync_visibility()
        self._edit(lambda f: None)
