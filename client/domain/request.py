"""The request at the counter: who asks (請求者の区分, 本人確認書類) and what they ask to issue.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from client.domain.certificates import CertificateType, JuminhyoItem, Layout
from client.domain.partial_date import PartialDate
from client.domain.serialization import Serializable, partial_date_or_none


class RequesterKind(enum.StrEnum):
    """請求者の区分 (住基法12条, 12条の2, 12条の3)."""

    SELF = "self"  # 本人
    HOUSEHOLD = "household"  # 同一世帯員
    AGENT = "agent"  # 代理人 (委任状)
    THIRD_PARTY = "third_party"  # 第三者 (正当な理由, 12条の3)
    PROFESSIONAL = "professional"  # 職務上請求 (弁護士, 司法書士, 行政書士 …)
    OFFICIAL = "official"  # 公用 (国・地方公共団体の機関, 12条の2)


# 特定事務受任者 (住基法12条の3第2項): exactly these eight qualifications may make a 職務上請求.
SPECIFIED_PROFESSIONS: tuple[str, ...] = (
    "弁護士", "司法書士", "土地家屋調査士", "税理士", "社会保険労務士", "弁理士", "海事代理士", "行政書士",
)


class IdentityDocument(enum.StrEnum):
    """窓口での本人確認書類."""

    NONE = "none"
    MY_NUMBER_CARD = "my_number_card"  # マイナンバーカード
    MY_NUMBER_CARD_IC = "my_number_card_ic"  # マイナンバーカード(IC): chip read, signature checked
    DRIVERS_LICENSE = "drivers_license"  # 運転免許証
    PASSPORT = "passport"  # パスポート
    RESIDENCE_CARD = "residence_card"  # 在留カード
    TWO_DOCUMENTS = "two_documents"  # 2点以上の書類
    OFFICIAL_ID = "official_id"  # 職員証 (公用)


@dataclass(frozen=True)
class Requester(Serializable):
    """Who is at the counter (or who sent the request)."""

    kind: RequesterKind
    name: str = ""
    identity_document: IdentityDocument = IdentityDocument.NONE
    has_power_of_attorney: bool = False  # 委任状
    purpose: str = ""  # 利用目的 (第三者, 職務上請求)
    qualification: str = ""  # 弁護士, 司法書士, 行政書士 … (職務上請求)
    agency: str = ""  # 請求機関名 (公用)
    acting_for_atena_no: str | None = None  # the person an agent acts for
    requester_atena_no: str | None = None  # when the requester is a resident here
    by_post: bool = False  # 郵送請求 (request received by post)
    birth: PartialDate | None = None  # 請求者の生年月日 (from the identity document)
    address: str = ""  # 請求者（申出者）の住所 (第三者・職務上請求)
    registration_no: str = ""  # 特定事務受任者の登録番号 (職務上請求)
    client_name: str = ""  # 依頼者 氏名 (職務上請求: on whose behalf)
    client_birth: PartialDate | None = None  # 依頼者 生年月日 when known
    client_atena_no: str | None = None  # 依頼者 when a resident here
    special_reason: str = ""  # 特別の請求: why items beyond 基礎証明事項 are needed (第三者)
    special_accepted: bool = False  # the clerk accepted that reason
    legal_basis: str = ""  # 法令上の根拠 (公用: 番号法19条各号 for 個人番号)
    identity_checks: tuple[str, ...] = ()  # what the IC check verified (labels only: no card data)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Requester:
        return cls(
            kind=RequesterKind(d["kind"]),
            name=d.get("name", ""),
            identity_document=IdentityDocument(d.get("identity_document", "none")),
            has_power_of_attorney=bool(d.get("has_power_of_attorney", False)),
            purpose=d.get("purpose", ""),
            qualification=d.get("qualification", ""),
            agency=d.get("agency", ""),
            acting_for_atena_no=d.get("acting_for_atena_no"),
            requester_atena_no=d.get("requester_atena_no"),
            by_post=bool(d.get("by_post", False)),
            birth=partial_date_or_none(d.get("birth")),
            address=d.get("address", ""),
            registration_no=d.get("registration_no", ""),
            client_name=d.get("client_name", ""),
            client_birth=partial_date_or_none(d.get("client_birth")),
            client_atena_no=d.get("client_atena_no"),
            special_reason=d.get("special_reason", ""),
            special_accepted=bool(d.get("special_accepted", False)),
            legal_basis=d.get("legal_basis", ""),
            identity_checks=tuple(str(c) for c in d.get("identity_checks", ())),
        )


@dataclass(frozen=True)
class IssuanceRequest(Serializable):
    """What the clerk asks to issue."""

    cert_type: CertificateType
    subject_atena_no: str  # the resident the request is about (or the taxpayer / seal owner)
    requester: Requester
    whole_household: bool = False  # 世帯全員
    member_atena_nos: tuple[str, ...] = ()  # 世帯一部: chosen members (subject included)
    layout: Layout = Layout.KOJIN
    items: frozenset[JuminhyoItem] = frozenset()  # specially requested items
    inkan_card_no: str = ""  # 印鑑登録証 presented
    tax_year: int | None = None  # 課税年度
    copies: int = 1
    exemption_reason: str = ""  # 手数料免除事由, empty = pays
    training: bool = False  # 「見本」 certificates (drill mode)
    deliver_by_post: bool = False  # 郵送交付: sent to the subject's 住所, not handed over at the counter

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> IssuanceRequest:
        return cls(
            cert_type=CertificateType(d["cert_type"]),
            subject_atena_no=str(d["subject_atena_no"]),
            requester=Requester.from_dict(d["requester"]),
            whole_household=bool(d.get("whole_household", False)),
            member_atena_nos=tuple(d.get("member_atena_nos", ())),
            layout=Layout(d.get("layout", "kojin")),
            items=frozenset(JuminhyoItem(i) for i in d.get("items", ())),
            inkan_card_no=d.get("inkan_card_no", ""),
            tax_year=d.get("tax_year"),
            copies=int(d.get("copies", 1)),
            exemption_reason=d.get("exemption_reason", ""),
            training=bool(d.get("training", False)),
            deliver_by_post=bool(d.get("deliver_by_post", False)),
        )
