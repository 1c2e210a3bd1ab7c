"""The issuance dialog's state, without Qt: what the clerk chose and which inputs apply.

The dialog draws this object and feeds edits back into it; ``to_request()`` builds the
``IssuanceRequest`` the rule engine evaluates. Which inputs are relevant (purpose only for
third parties, the 印鑑登録証 number only for seal certificates …) is decided here, so the rule
stays testable without widgets.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from client.domain.model import (
    SPECIFIED_PROFESSIONS,
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
from client.domain.partial_date import PartialDate
from client.domain.rules import BEYOND_BASIC_ITEMS

# 特定事務受任者 (住基法12条の3第2項): the qualifications a 職務上請求 may name.
QUALIFICATIONS: tuple[str, ...] = SPECIFIED_PROFESSIONS

# Options a clerk can ask for on a 住民票 (omitted unless specially requested, 住基法12条5項).
JUMINHYO_OPTIONS: tuple[tuple[JuminhyoItem, str], ...] = (
    (JuminhyoItem.HEAD_RELATION, "世帯主・続柄"),
    (JuminhyoItem.HONSEKI, "本籍・筆頭者"),
    (JuminhyoItem.JUMINHYO_CODE, "住民票コード"),
    (JuminhyoItem.MY_NUMBER, "個人番号"),
)

# 外国人住民 options (30条の45表の下欄, omitted unless specially requested; 30条の51).
FOREIGN_OPTIONS: tuple[tuple[JuminhyoItem, str], ...] = (
    (JuminhyoItem.FOREIGN_STATUS, "30条の45規定区分・在留資格・在留期間"),
    (JuminhyoItem.RESIDENCE_CARD_NO, "在留カード等の番号"),
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
    # the request the 支援措置責任者 released for (copies and fee exemption aside): a release
    # answers for that request only, never for a changed requester, type, person or item
    released_for: IssuanceRequest | None = None
    requester_birth: PartialDate | None = None  # 請求者の生年月日 (identity document)
    applicant_address: str = ""  # 申出者の住所 (第三者・職務上請求)
    registration_no: str = ""  # 登録番号 (職務上請求)
    client_name: str = ""  # 依頼者 (職務上請求)
    client_birth: PartialDate | None = None
    client_atena_no: str | None = None
    special_reason: str = ""  # 特別の請求の理由 (第三者: items beyond 基礎証明事項)
    special_accepted: bool = False
    legal_basis: str = ""  # 公用: 法令上の根拠 (番号法19条 for 個人番号)
    received_by_post: bool = False  # 郵送請求
    deliver_by_post: bool = False  # 郵送交付 (to the subject's 住所)
    layout: Layout | None = None  # None: 世帯連記式 for several persons, 個人票 for one

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
    def item_options(self) -> tuple[tuple[JuminhyoItem, str], ...]:
        """The options that apply: the foreign-resident ones only when a foreign resident is printed."""
        people = (self.subject, *self.household)
        foreign = any(p.is_foreign for p in people)
        return JUMINHYO_OPTIONS + (FOREIGN_OPTIONS if foreign else ())

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
    def needs_applicant_address(self) -> bool:
        return self.needs_purpose

    @property
    def needs_registration(self) -> bool:
        """職務上請求: 登録番号 and 依頼者."""
        return self.needs_qualification

    @property
    def needs_special_reason(self) -> bool:
        """A third party asking for items beyond the 基礎証明事項 states why (特別の請求)."""
        return self.needs_purpose and self.shows_items and bool(self.items & BEYOND_BASIC_ITEMS)

    @property
    def needs_legal_basis(self) -> bool:
        return self.needs_agency and self.shows_items and JuminhyoItem.MY_NUMBER in self.items

    @property
    def offers_delivery_by_post(self) -> bool:
        """個人番号入り住民票 for an 任意代理人: only by post to the subject's 住所."""
        return (self.requester_kind is RequesterKind.AGENT and self.shows_items
                and JuminhyoItem.MY_NUMBER in self.items)

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

    # -- 支援措置 release ------------------------------------------------------------------------

    def _release_key(self) -> IssuanceRequest:
        return replace(self.to_request(), copies=1, exemption_reason="")

    def grant_release(self, release: SupportRelease) -> None:
        """The supervisor released the block for the request as it stands now."""
        self.release = release
        self.released_for = self._release_key()

    def drop_stale_release(self) -> bool:
        """Forget a release given for another request; True when one was dropped."""
        if self.release is None or self.released_for == self._release_key():
            return False
        self.release = None
        self.released_for = None
        return True

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
                else self.requester_atena_no if kind in (RequesterKind.HOUSEHOLD, RequesterKind.THIRD_PARTY)
                else None
            ),
            by_post=self.received_by_post,
            birth=self.requester_birth if kind is not RequesterKind.SELF else self.subject.birth,
            address=self.applicant_address.strip() if self.needs_applicant_address else "",
            registration_no=self.registration_no.strip() if self.needs_registration else "",
            client_name=self.client_name.strip() if self.needs_registration else "",
            client_birth=self.client_birth if self.needs_registration else None,
            client_atena_no=self.client_atena_no if self.needs_registration else None,
            special_reason=self.special_reason.strip() if self.needs_special_reason else "",
            special_accepted=self.special_accepted if self.needs_special_reason else False,
            legal_basis=self.legal_basis.strip() if self.needs_legal_basis else "",
        )
        members = self._ordered_members() if self.shows_members else (self.subject.atena_no,)
        whole = self.whole_household and self.shows_members
        return IssuanceRequest(
            cert_type=self.cert_type,
            subject_atena_no=self.subject.atena_no,
            requester=requester,
            whole_household=whole,
            member_atena_nos=members,
            layout=self._layout(members),
            items=frozenset(self.items) if self.shows_items else frozenset(),
            inkan_card_no=self.inkan_card_no.strip() if self.needs_card_no else "",
            tax_year=self.tax_year if self.needs_tax_year else None,
            copies=max(1, int(self.copies)),
            exemption_reason=self.exemption_reason,
            deliver_by_post=self.deliver_by_post and self.offers_delivery_by_post,
        )

    def _layout(self, members: tuple[str, ...]) -> Layout:
        if self.cert_type not in _MEMBER_TYPES:
            return Layout.KOJIN
        if self.layout is not None:
            return self.layout
        return Layout.RENKI if len(members) > 1 else Layout.KOJIN
