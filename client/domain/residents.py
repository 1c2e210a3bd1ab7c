"""The 住民基本台帳 as the rules see it: residents (removed ones too), 印鑑登録, 課税(所得).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from client.domain.partial_date import PartialDate
from client.domain.serialization import Serializable, date_or_none


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
            became_resident_on=date_or_none(d.get("became_resident_on")),
            jutei_on=date_or_none(d.get("jutei_on")),
            notified_on=date_or_none(d.get("notified_on")),
            previous_address=d.get("previous_address", ""),
            status=ResidentStatus(d.get("status", "resident")),
            removed_on=date_or_none(d.get("removed_on")),
            removal_reason=d.get("removal_reason", ""),
            my_number=d.get("my_number"),
            juminhyo_code=d.get("juminhyo_code"),
            is_foreign=bool(d.get("is_foreign", False)),
            nationality=d.get("nationality", ""),
            residence_status=d.get("residence_status", ""),
            residence_period_end=date_or_none(d.get("residence_period_end")),
            foreign_category=d.get("foreign_category", ""),
            residence_period=d.get("residence_period", ""),
            residence_card_no=d.get("residence_card_no", ""),
            moved_to_address=d.get("moved_to_address", ""),
            moved_out_notified_on=date_or_none(d.get("moved_out_notified_on")),
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
