"""The certificates: their types, 様式, the 記載事項 shown only on request, and what one says.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from client.domain.counter import Mode
from client.domain.serialization import Serializable, datetime_or_none


class CertificateType(enum.StrEnum):
    """証明書の種類."""

    JUMINHYO = "juminhyo"  # 住民票の写し
    KISAI_JIKO = "kisai_jiko"  # 住民票記載事項証明書
    JOHYO = "johyo"  # 住民票の除票の写し
    INKAN = "inkan"  # 印鑑登録証明書
    KAZEI = "kazei"  # 課税(所得)証明書

    @property
    def label_ja(self) -> str:
        return _CERT_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _CERT_LABELS[self][1]


_CERT_LABELS = {
    CertificateType.JUMINHYO: ("住民票の写し", "Certificate of residence"),
    CertificateType.KISAI_JIKO: ("住民票記載事項証明書", "Certificate of recorded items"),
    CertificateType.JOHYO: ("住民票の除票の写し", "Certificate of removed residence record"),
    CertificateType.INKAN: ("印鑑登録証明書", "Certificate of registered seal"),
    CertificateType.KAZEI: ("課税(所得)証明書", "Tax and income certificate"),
}


class Layout(enum.StrEnum):
    """住民票の様式: 個人票 (one person a sheet) or 世帯連記式 (up to 4 persons a sheet)."""

    KOJIN = "kojin"
    RENKI = "renki"


class JuminhyoItem(enum.StrEnum):
    """住民票の記載事項のうち、特別の請求がない限り省略するもの (住基法12条5項)."""

    HEAD_RELATION = "head_relation"  # 世帯主の氏名・続柄
    HONSEKI = "honseki"  # 本籍・筆頭者
    JUMINHYO_CODE = "juminhyo_code"  # 住民票コード
    MY_NUMBER = "my_number"  # 個人番号
    PREVIOUS_ADDRESS = "previous_address"  # 前住所 (printed by default; listed for 記載事項証明)
    # 外国人住民 (30条の45表の下欄; omitted unless specially requested, 30条の51 reading 12条5項):
    FOREIGN_STATUS = "foreign_status"  # 30条の45規定区分・在留資格・在留期間・在留期間の満了の日
    RESIDENCE_CARD_NO = "residence_card_no"  # 在留カード等の番号


@dataclass(frozen=True)
class PrintedPerson(Serializable):
    """One person as printed: only the items that are to appear, already formatted."""

    atena_no: str
    name: str
    kana: str  # printed as （カナ）
    birth_text: str  # 和暦 (or 西暦 for foreign residents), e.g. 昭和60年4月1日
    sex_text: str  # 男 / 女
    relation: str = ""  # 続柄, only when HEAD_RELATION requested
    became_resident_text: str = ""
    jutei_text: str = ""
    notified_text: str = ""
    previous_address: str = ""
    honseki: str = ""  # only when HONSEKI requested
    hittousha: str = ""
    my_number: str = ""  # only when MY_NUMBER requested and allowed
    juminhyo_code: str = ""
    former_surname: str = ""
    alias: str = ""
    nationality: str = ""
    residence_status: str = ""
    foreign_category: str = ""  # 30条の45規定区分 (FOREIGN_STATUS requested)
    residence_period: str = ""  # 在留期間
    residence_period_end_text: str = ""  # 在留期間の満了の日
    residence_card_no: str = ""  # 在留カード等の番号 (RESIDENCE_CARD_NO requested)
    became_resident_label: str = ""  # 外国人住民となった年月日 for foreign residents (form default otherwise)
    previous_address_label: str = ""  # 転入前住所 (no 転居 since) or 異動前住所
    # JuminhyoItem values that apply to this person but were not requested (printed as 省略)
    omitted_items: tuple[str, ...] = ()
    removal_text: str = ""  # 除票: e.g. 令和6年3月31日 転出
    moved_to_address: str = ""  # 除票 (転出): 転出先
    moved_out_notified_text: str = ""  # 除票 (転出): 転出届出日
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PrintedPerson:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in d.items() if k in known}
        values["omitted_items"] = tuple(values.get("omitted_items", ()))
        return cls(**values)


@dataclass(frozen=True)
class CertificateContent(Serializable):
    """What a certificate says, decided by the rule engine; rendered identically online and in BCP.

    ``issue_number`` is filled in when the serial is allocated (server online, lease in BCP);
    ``digest`` in the signed QR payload is the SHA-256 of ``canonical_json()``.
    """

    cert_type: CertificateType
    title: str  # 住民票の写し …
    layout: Layout
    municipality_code: str
    municipality_name: str
    prefecture: str
    issuer_title: str  # 職名 (mayor or 職務代理者)
    issuer_name: str
    issued_at: datetime
    issue_date_text: str  # 和暦, e.g. 令和8年11月23日
    address: str  # 住所 of the household / subject
    katagaki: str
    head_name: str  # 世帯主 (printed only with HEAD_RELATION)
    persons: tuple[PrintedPerson, ...]
    certification_text: str  # 認証文
    printed_items: tuple[str, ...]  # JuminhyoItem values printed (for the 交付履歴)
    fee_yen: int
    exemption_reason: str = ""
    official_use: bool = False  # 「公用」
    training: bool = False  # 「見本」
    issue_number: str = ""  # 発行番号 (without page; renderer adds " 1/2")
    seal_image_png: bytes = b""  # 印影 for 印鑑登録証明
    municipal_seal_png: bytes = b""  # 電子公印
    tax_rows: tuple[tuple[str, str], ...] = ()  # 課税証明: (label, value) rows
    notes: tuple[str, ...] = ()  # 備考
    mode: Mode = Mode.ONLINE
    data_as_of: datetime | None = None  # BCP: replica as-of time
    # 印影/公印 as placed (client/printing/seal_marks.py), signed with the rest so that verify can
    # refuse a PDF with another seal drawn over them. ("v1", "<kind> <page> <x> <y> <w> <h> <sha>", …);
    # empty on certificates issued before: they verify with a "seal not checked" note.
    seal_marks: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if not self.seal_marks:  # absent, not empty: older certificates keep their signed digest
            del out["seal_marks"]
        return out

    def canonical_json(self) -> bytes:
        import json

        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CertificateContent:
        import base64

        return cls(
            cert_type=CertificateType(d["cert_type"]),
            title=d["title"],
            layout=Layout(d["layout"]),
            municipality_code=d["municipality_code"],
            municipality_name=d["municipality_name"],
            prefecture=d["prefecture"],
            issuer_title=d["issuer_title"],
            issuer_name=d["issuer_name"],
            issued_at=datetime.fromisoformat(d["issued_at"]),
            issue_date_text=d["issue_date_text"],
            address=d["address"],
            katagaki=d.get("katagaki", ""),
            head_name=d.get("head_name", ""),
            persons=tuple(PrintedPerson.from_dict(p) for p in d.get("persons", ())),
            certification_text=d["certification_text"],
            printed_items=tuple(d.get("printed_items", ())),
            fee_yen=int(d["fee_yen"]),
            exemption_reason=d.get("exemption_reason", ""),
            official_use=bool(d.get("official_use", False)),
            training=bool(d.get("training", False)),
            issue_number=d.get("issue_number", ""),
            seal_image_png=base64.b64decode(d.get("seal_image_png") or ""),
            municipal_seal_png=base64.b64decode(d.get("municipal_seal_png") or ""),
            tax_rows=tuple((str(a), str(b)) for a, b in d.get("tax_rows", ())),
            notes=tuple(d.get("notes", ())),
            mode=Mode(d.get("mode", "online")),
            data_as_of=datetime_or_none(d.get("data_as_of")),
            seal_marks=tuple(str(m) for m in d.get("seal_marks", ())),
        )
