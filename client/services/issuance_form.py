"""The issuance dialog's state, without Qt: what the clerk chose and which inputs apply.

The dialog draws this object and feeds edits back into it; ``to_request()`` builds the
``IssuanceRequest`` the rule engine evaluates. Which inputs are relevant (purpose only for
third parties, the 印鑑登録証 number only for seal certificates …) is decided here, so the rule
stays testable without widgets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from client.domain.model import (
    CertificateType,
    IdentityDocument,
    IssuanceRequest,
    JuminhyoItem,
    Layout,
    Requester,
    RequesterKind,
    Resident,
    SupportRelease,
)

# Options a clerk can ask for on a 住民票 (omitted unless specially requested, 住基法12条5項).
JUMINHYO_OPTIONS: tuple[tuple[JuminhyoItem, str], ...] = (
    (JuminhyoItem.HEAD_RELATION, "世帯主・続柄"),
    (JuminhyoItem.HONSEKI, "本籍・筆頭者"),
    (JuminhyoItem.JUMINHYO_CODE, "住民票コード"),
    (JuminhyoItem.MY_NUMBER, "個人番号"),
)

IDENTITY_DOCUMENTS: tuple[tuple[IdentityDocument, str], ...] = (
    (IdentityDocument.NONE, "未確認"),
    (IdentityDocument.MY_NUMBER_CARD, "マイナンバーカード"),
    (IdentityDocument.DRIVERS_LICENSE, "運転免許証"),
    (IdentityDocument.PASSPORT, "パスポート"),
    (IdentityDocument.RESIDENCE_CARD, "在留カード"),
    (IdentityDocument.TWO_DOCUMENTS, "2点以上の書類"),
    (IdentityDocument.OFFICIAL_ID, "職員証(公用)"),
)

_MEMBER_TYPES = frozenset({CertificateType.JUMINHYO, CertificateType.KISAI_JIKO})
_ITEM_TYPES = frozenset({CertificateType.JUMINHYO, CertificateType.KISAI_JIKO, CertificateType.JOHYO})


@dataclass
class IssuanceForm:
    """Everything the issuance dialog collects."""

    subject: Resident
    household: tuple[Resident, ...] = ()
    cert_type: CertificateType = CertificateType.JUMINHYO
    whole_household: bool = False
    chosen_members: set[str] = field(default_factory=set)
    items: set[JuminhyoItem] = field(default_factory=set)
    requester_kind: RequesterKind = RequesterKind.SELF
    requester_name: str = ""
    requester_atena_no: str | None = None
    identity_document: IdentityDocument = IdentityDocument.NONE
    identity_checks: tuple[str, ...] = ()  # set by the card identification (client/card), never typed
    has_power_of_attorney: bool = False
    purpose: str = ""
    qualification: str = ""
    agency: str = ""
    inkan_card_no: str = ""
    tax_year: int | None = None
    copies: int = 1
    exemption_reason: str = ""
    release: SupportRelease | None = None

    def __post_init__(self) -> None:
        if not self.chosen_members:
            self.chosen_members = {self.subject.atena_no}

    # -- which inputs apply ------------------------------------------------------------------

    @property
    def shows_members(self) -> bool:
        return self.cert_type in _MEMBER_TYPES and len(self.household) > 1

    @property
    def shows_items(self) -> bool:
        return self.cert_type in _ITEM_TYPES

    @property
    def needs_card_no(self) -> bool:
        return self.cert_type is CertificateType.INKAN

    @property
    def needs_tax_year(self) -> bool:
        return self.cert_type is CertificateType.KAZEI

    @property
    def needs_purpose(self) -> bool:
        return self.requester_kind in (RequesterKind.THIRD_PARTY, RequesterKind.PROFESSIONAL)

    @property
    def needs_qualification(self) -> bool:
        return self.requester_kind is RequesterKind.PROFESSIONAL

    @property
    def needs_agency(self) -> bool:
        return self.requester_kind is RequesterKind.OFFICIAL

    @property
    def needs_power_of_attorney(self) -> bool:
        return self.requester_kind is RequesterKind.AGENT

    @property
    def needs_household_requester(self) -> bool:
        """同一世帯員: the clerk picks which member of the household is at the counter."""
        return self.requester_kind is RequesterKind.HOUSEHOLD and bool(self.household_requesters)

    @property
    def household_requesters(self) -> tuple[Resident, ...]:
        return tuple(m for m in self.household if m.atena_no != self.subject.atena_no)

    @property
    def needs_requester_name(self) -> bool:
        return self.requester_kind is not RequesterKind.SELF and not self.needs_household_requester

    def choose_household_requester(self, atena_no: str | None) -> None:
        member = next((m for m in self.household if m.atena_no == atena_no), None)
        self.requester_atena_no = member.atena_no if member else None
        self.requester_name = member.name if member else ""

    # -- edits ---------------------------------------------------------------------------------

    def set_member(self, atena_no: str, chosen: bool) -> None:
        if chosen:
            self.chosen_members.add(atena_no)
        elif atena_no != self.subject.atena_no:  # the subject is always on the certificate
            self.chosen_members.discard(atena_no)
        self.whole_household = bool(self.household) and self.chosen_members >= {m.atena_no for m in self.household}

    def set_whole_household(self, whole: bool) -> None:
        self.whole_household = whole
        if whole:
            self.chosen_members = {m.atena_no for m in self.household} | {self.subject.atena_no}
        else:
            self.chosen_members = {self.subject.atena_no}

    def set_item(self, item: JuminhyoItem, on: bool) -> None:
        if on:
            self.items.add(item)
        else:
            self.items.discard(item)

    # -- the request -----------------------------------------------------------------------------

    def _ordered_members(self) -> tuple[str, ...]:
        order = [m.atena_no for m in self.household]
        chosen = [a for a in order if a in self.chosen_members]
        chosen += sorted(a for a in self.chosen_members if a not in order)
        return tuple(chosen)

    def to_request(self) -> IssuanceRequest:
        kind = self.requester_kind
        requester = Requester(
            kind=kind,
            name=(
                self.subject.name if kind is RequesterKind.SELF
                else self.requester_name.strip()
            ),
            identity_document=self.identity_document,
            identity_checks=(
                self.identity_checks if IdentityDocument(self.identity_document) is IdentityDocument.MY_NUMBER_CARD_IC
                else ()
            ),
            has_power_of_attorney=self.has_power_of_attorney if self.needs_power_of_attorney else False,
            purpose=self.purpose.strip() if self.needs_purpose else "",
            qualification=self.qualification.strip() if self.needs_qualification else "",
            agency=self.agency.strip() if self.needs_agency else "",
            acting_for_atena_no=self.subject.atena_no if kind is RequesterKind.AGENT else None,
            requester_atena_no=(
                self.subject.atena_no if kind is RequesterKind.SELF
                else self.requester_atena_no if kind is RequesterKind.HOUSEHOLD
                else None
            ),
        )
        members = self._ordered_members() if self.shows_members else (self.subject.atena_no,)
        whole = self.whole_household and self.shows_members
        return IssuanceRequest(
            cert_type=self.cert_type,
            subject_atena_no=self.subject.atena_no,
            requester=requester,
            whole_household=whole,
            member_atena_nos=members,
            layout=Layout.RENKI if len(members) > 1 else Layout.KOJIN,
            items=frozenset(self.items) if self.shows_items else frozenset(),
            inkan_card_no=self.inkan_card_no.strip() if self.needs_card_no else "",
            tax_year=self.tax_year if self.needs_tax_year else None,
            copies=max(1, int(self.copies)),
            exemption_reason=self.exemption_reason,
        )
