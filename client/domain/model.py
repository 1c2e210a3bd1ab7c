"""The domain vocabulary shared by the rule engine, the server, the replica and the renderer.

Plain dataclasses and enums only: no I/O, no clock reads. Everything that crosses the wire
(server → client certificate content, outbox records) has ``to_dict``/``from_dict`` with
JSON-safe values (dates as ISO strings, enums as their values).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from client.domain.partial_date import PartialDate

if TYPE_CHECKING:
    from client.domain.form_params import FormParameters


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


class ForeignResidentCategory(enum.StrEnum):
    """住基法30条の45の規定区分 (外国人住民)."""

    MID_LONG_TERM = "中長期在留者"
    SPECIAL_PERMANENT = "特別永住者"  # 特別永住者証明書; no 在留資格 nor 在留期間
    TEMPORARY_REFUGE = "一時庇護許可者"
    PROVISIONAL_STAY = "仮滞在許可者"
    TRANSITIONAL = "経過滞在者"  # 出生による経過滞在者 又は 国籍喪失による経過滞在者


class ResidentStatus(enum.StrEnum):
    RESIDENT = "resident"  # 住民
    MOVED_OUT = "moved_out"  # 転出 (除票)
    DECEASED = "deceased"  # 死亡 (除票)


class Sex(enum.StrEnum):
    MALE = "M"
    FEMALE = "F"


class Mode(enum.StrEnum):
    ONLINE = "online"
    BCP = "bcp"


class Process(enum.StrEnum):
    """抑止・支援措置の対象業務."""

    IDO = "ido"  # 異動
    HAKKO = "hakko"  # 発行 (交付)
    SHOKAI = "shokai"  # 照会 (閲覧)


class SuppressionLevel(enum.StrEnum):
    ERROR = "error"  # 抑止 (エラー): blocks
    ALERT = "alert"  # 警告: allows with a warning the clerk must see


class Outcome(enum.StrEnum):
    ALLOW = "allow"
    DENY = "deny"
    NEEDS_RELEASE = "needs_release"  # a 支援措置責任者 may release with a reason


class Role(enum.StrEnum):
    CLERK = "clerk"
    SUPERVISOR = "supervisor"  # 係長 / 支援措置責任者
    ADMIN = "admin"


# ---------------------------------------------------------------------------------------------
# Serialisation helpers: dataclass <-> JSON-safe dict
# ---------------------------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, PartialDate):
        return value.to_str()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        import base64

        return base64.b64encode(value).decode("ascii")
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_encode(v) for v in value)
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return value


class Serializable:
    """Mixin: ``to_dict`` encodes fields; ``from_dict`` is written per class where types need it."""

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _encode(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]


def _d(v: str | None) -> date | None:
    return date.fromisoformat(v) if v else None


def _dt(v: str | None) -> datetime | None:
    return datetime.fromisoformat(v) if v else None


def _pd(v: str | None) -> PartialDate | None:
    return PartialDate.parse_str(v) if v else None


# ---------------------------------------------------------------------------------------------
# Residents and what hangs off them
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resident(Serializable):
    """One person in the 住民基本台帳 (including removed persons, for 除票)."""

    atena_no: str  # 宛名番号 (with check digit)
    household_no: str  # 世帯番号 (with check digit)
    name: str  # 氏名 (may hold 外字)
    kana: str  # 氏名カナ (katakana, family and given name separated by a space)
    birth: PartialDate  # 生年月日 (may be partly unknown)
    sex: Sex
    relation: str  # 続柄 as printed (世帯主, 妻, 子, 母 …)
    is_head: bool  # 世帯主
    address: str  # 住所
    katagaki: str = ""  # 方書
    postal_code: str = ""
    honseki: str = ""  # 本籍 (empty for foreign residents)
    hittousha: str = ""  # 筆頭者
    former_surname: str = ""  # 旧氏
    alias: str = ""  # 通称 (foreign residents)
    became_resident_on: date | None = None  # 住民となった年月日
    jutei_on: date | None = None  # 住定日
    notified_on: date | None = None  # 届出日
    previous_address: str = ""  # 転入前住所 / 前住所
    status: ResidentStatus = ResidentStatus.RESIDENT
    removed_on: date | None = None  # 消除日
    removal_reason: str = ""  # 消除事由 (転出, 死亡 …)
    my_number: str | None = None  # 個人番号 (never replicated)
    juminhyo_code: str | None = None  # 住民票コード (never replicated)
    is_foreign: bool = False  # 外国人住民: dates shown in 西暦
    nationality: str = ""  # 国籍・地域
    residence_status: str = ""  # 在留資格 (never for 特別永住者)
    residence_period_end: date | None = None  # 在留期間の満了の日
    foreign_category: str = ""  # 30条の45規定区分 (ForeignResidentCategory value)
    residence_period: str = ""  # 在留期間, e.g. 3年, 6月
    residence_card_no: str = ""  # 在留カード等の番号 (特別永住者証明書番号 for 特別永住者)
    moved_to_address: str = ""  # 転出先 (転出 除票)
    moved_out_notified_on: date | None = None  # 転出届出日

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Resident:
        return cls(
            atena_no=d["atena_no"],
            household_no=d["household_no"],
            name=d["name"],
            kana=d["kana"],
            birth=PartialDate.parse_str(d["birth"]),
            sex=Sex(d["sex"]),
            relation=d["relation"],
            is_head=bool(d["is_head"]),
            address=d["address"],
            katagaki=d.get("katagaki", ""),
            postal_code=d.get("postal_code", ""),
            honseki=d.get("honseki", ""),
            hittousha=d.get("hittousha", ""),
            former_surname=d.get("former_surname", ""),
            alias=d.get("alias", ""),
            became_resident_on=_d(d.get("became_resident_on")),
            jutei_on=_d(d.get("jutei_on")),
            notified_on=_d(d.get("notified_on")),
            previous_address=d.get("previous_address", ""),
            status=ResidentStatus(d.get("status", "resident")),
            removed_on=_d(d.get("removed_on")),
            removal_reason=d.get("removal_reason", ""),
            my_number=d.get("my_number"),
            juminhyo_code=d.get("juminhyo_code"),
            is_foreign=bool(d.get("is_foreign", False)),
            nationality=d.get("nationality", ""),
            residence_status=d.get("residence_status", ""),
            residence_period_end=_d(d.get("residence_period_end")),
            foreign_category=d.get("foreign_category", ""),
            residence_period=d.get("residence_period", ""),
            residence_card_no=d.get("residence_card_no", ""),
            moved_to_address=d.get("moved_to_address", ""),
            moved_out_notified_on=_d(d.get("moved_out_notified_on")),
        )


@dataclass(frozen=True)
class SealRegistration(Serializable):
    """印鑑登録."""

    registration_no: str  # 登録番号
    card_no: str  # 印鑑登録証 (card) number
    atena_no: str
    registered_on: date
    active: bool = True  # False once 廃止
    seal_image_png: bytes = b""  # 印影 (PNG)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SealRegistration:
        import base64

        return cls(
            registration_no=d["registration_no"],
            card_no=d["card_no"],
            atena_no=d["atena_no"],
            registered_on=date.fromisoformat(d["registered_on"]),
            active=bool(d.get("active", True)),
            seal_image_png=base64.b64decode(d.get("seal_image_png") or ""),
        )


@dataclass(frozen=True)
class TaxSummary(Serializable):
    """課税(所得)の概要, one taxpayer and one 課税年度 (tax year = 年度; income of the previous year)."""

    atena_no: str
    tax_year: int  # 年度 (e.g. 2026 → income of 2025, resident on 2026-01-01)
    resided_on_jan1: bool  # 1月1日に当該市区町村に住所があったか
    total_income: int  # 合計所得金額
    salary_income: int = 0  # 給与収入
    deductions: int = 0  # 所得控除合計
    taxable_income: int = 0  # 課税標準額
    municipal_tax: int = 0  # 市町村民税 所得割+均等割
    prefectural_tax: int = 0  # 道府県民税
    dependents: int = 0  # 扶養人数
    # by kind (all yen): business_income, pension_income, misc_income (所得); social_insurance,
    # basic, spouse, dependents_deduction, other_deductions (所得控除); municipal_income_levy,
    # prefectural_income_levy (所得割); 均等割 and 森林環境税 follow from the 年度 (client.domain.tax)
    breakdown: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TaxSummary:
        values = {f.name: d[f.name] for f in fields(cls) if f.name in d}
        values["breakdown"] = {str(k): int(v) for k, v in (d.get("breakdown") or {}).items()}
        return cls(**values)


@dataclass(frozen=True)
class SupportMeasure(Serializable):
    """支援措置 (DV・ストーカー・児童虐待等の被害者保護). Fails closed for everything it touches."""

    measure_id: str
    protected_atena_nos: tuple[str, ...]  # 支援対象者 and jointly protected persons (併せて支援)
    perpetrator_names: tuple[str, ...] = ()  # 加害者 氏名 (as written)
    perpetrator_atena_nos: tuple[str, ...] = ()  # 加害者 if a resident here
    # 生年月日 of each name in ``perpetrator_names`` (same order; None where unknown)
    perpetrator_births: tuple[PartialDate | None, ...] = ()
    start: date | None = None
    end: date | None = None  # 1 year by default; extendable
    provisional: bool = False  # 仮支援措置 (application under review) blocks too
    processes: tuple[Process, ...] = (Process.HAKKO, Process.SHOKAI)

    def active_on(self, day: date) -> bool:
        if self.provisional and self.start is None:
            return True
        if self.start is not None and day < self.start:
            return False
        return not (self.end is not None and day > self.end)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SupportMeasure:
        return cls(
            measure_id=d["measure_id"],
            protected_atena_nos=tuple(d.get("protected_atena_nos", ())),
            perpetrator_names=tuple(d.get("perpetrator_names", ())),
            perpetrator_atena_nos=tuple(d.get("perpetrator_atena_nos", ())),
            perpetrator_births=tuple(_pd(b) for b in d.get("perpetrator_births", ())),
            start=_d(d.get("start")),
            end=_d(d.get("end")),
            provisional=bool(d.get("provisional", False)),
            processes=tuple(Process(p) for p in d.get("processes", ("hakko", "shokai"))),
        )


@dataclass(frozen=True)
class Suppression(Serializable):
    """抑止: per person (atena_no) or household (household_no), per process, level, dates.

    It does not lapse by itself: ``end`` None means until lifted. A temporary release
    (``released_until``) re-locks at that time.
    """

    suppression_id: str
    process: Process
    level: SuppressionLevel
    atena_no: str | None = None
    household_no: str | None = None
    start: date | None = None
    end: date | None = None
    reason: str = ""
    released_until: datetime | None = None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Suppression:
        return cls(
            suppression_id=d["suppression_id"],
            process=Process(d["process"]),
            level=SuppressionLevel(d["level"]),
            atena_no=d.get("atena_no"),
            household_no=d.get("household_no"),
            start=_d(d.get("start")),
            end=_d(d.get("end")),
            reason=d.get("reason", ""),
            released_until=_dt(d.get("released_until")),
        )


@dataclass(frozen=True)
class Deputy(Serializable):
    """職務代理者 and the period in which they sign instead of the mayor."""

    title: str
    name: str
    start: date
    end: date

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Deputy:
        return cls(d["title"], d["name"], date.fromisoformat(d["start"]), date.fromisoformat(d["end"]))


@dataclass(frozen=True)
class MunicipalityParams(Serializable):
    """Per-municipality parameters. They come from the server; adding a town needs no code."""

    code: str  # 全国地方公共団体コード (6 digits with check digit)
    name: str  # e.g. 桜ヶ丘市
    prefecture: str  # e.g. 東京都
    mayor_title: str  # 職名, e.g. 桜ヶ丘市長
    mayor_name: str
    deputies: tuple[Deputy, ...] = ()
    seal_image_png: bytes = b""  # 電子公印
    fees: dict[str, int] = field(default_factory=dict)  # CertificateType value → yen per copy
    exemption_reasons: tuple[str, ...] = ("公用", "生活保護", "罹災", "公的年金")
    bcp_policy: str = "auto"  # "auto" | "confirm"
    replica_max_age_hours: int = 72
    print_sex_on_inkan: bool = True

    def fee_for(self, cert_type: CertificateType) -> int:
        return int(self.fees.get(cert_type.value, 300))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MunicipalityParams:
        import base64

        return cls(
            code=d["code"],
            name=d["name"],
            prefecture=d["prefecture"],
            mayor_title=d["mayor_title"],
            mayor_name=d["mayor_name"],
            deputies=tuple(Deputy.from_dict(x) for x in d.get("deputies", ())),
            seal_image_png=base64.b64decode(d.get("seal_image_png") or ""),
            fees={str(k): int(v) for k, v in d.get("fees", {}).items()},
            exemption_reasons=tuple(d.get("exemption_reasons", ())),
            bcp_policy=d.get("bcp_policy", "auto"),
            replica_max_age_hours=int(d.get("replica_max_age_hours", 72)),
            print_sex_on_inkan=bool(d.get("print_sex_on_inkan", True)),
        )


# ---------------------------------------------------------------------------------------------
# The request and the decision
# ---------------------------------------------------------------------------------------------


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
            birth=_pd(d.get("birth")),
            address=d.get("address", ""),
            registration_no=d.get("registration_no", ""),
            client_name=d.get("client_name", ""),
            client_birth=_pd(d.get("client_birth")),
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


@dataclass(frozen=True)
class SupportRelease(Serializable):
    """A 支援措置責任者's case-by-case release of a block, with a recorded reason."""

    measure_id: str
    supervisor: str
    reason: str


@dataclass(frozen=True)
class EvaluationContext:
    """Everything the rule engine looks at besides the request. Built by the server or the replica."""

    now: datetime
    mode: Mode
    municipality: MunicipalityParams
    subject: Resident | None  # None when the 宛名番号 is unknown
    household: tuple[Resident, ...] = ()  # the subject's household (current members)
    seal: SealRegistration | None = None
    tax: TaxSummary | None = None
    support_measures: tuple[SupportMeasure, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    releases: tuple[SupportRelease, ...] = ()
    replica_as_of: datetime | None = None  # BCP only
    stale_override_reason: str = ""  # supervisor override of the replica age limit (BCP)
    pending_change_atena_nos: frozenset[str] = frozenset()  # BCP: residents with changes in flight
    # 加害者 of the loaded 支援措置 who are residents here, with everyone in their households
    # (for matching a requester acting for the 加害者); online only (BCP blocks every measure)
    perpetrator_households: tuple[Resident, ...] = ()
    # form id → 様式パラメータ (認証文 override, 備考 line, enabled); absent forms use the defaults
    form_parameters: dict[str, FormParameters] = field(default_factory=dict)


@dataclass(frozen=True)
class Reason(Serializable):
    """A machine-readable reason code with messages a clerk (ja) and the log (en) can act on."""

    code: str  # e.g. "support_measure", "third_party_my_number", "replica_stale"
    message_ja: str
    message_en: str
    blocking: bool = True  # False: a warning shown to the clerk, issuance allowed


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
            data_as_of=_dt(d.get("data_as_of")),
            seal_marks=tuple(str(m) for m in d.get("seal_marks", ())),
        )


@dataclass(frozen=True)
class Decision:
    """The rule engine's answer."""

    outcome: Outcome
    reasons: tuple[Reason, ...]
    content: CertificateContent | None  # None unless outcome is ALLOW
    fee_yen: int = 0  # total for all copies
    exemption_reason: str = ""
    release_measure_ids: tuple[str, ...] = ()  # for NEEDS_RELEASE: which 支援措置 to release

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOW

    @property
    def warnings(self) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if not r.blocking)

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome.value,
            "reasons": [r.to_dict() for r in self.reasons],
            "content": self.content.to_dict() if self.content else None,
            "fee_yen": self.fee_yen,
            "exemption_reason": self.exemption_reason,
            "release_measure_ids": list(self.release_measure_ids),
        }
