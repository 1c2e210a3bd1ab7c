"""The 住民基本台帳 and what hangs off it: households, residents, seals, tax, 支援措置, 抑止."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from server_stub.models.base import Base

MC = "municipalities.code"


def _key(length: int) -> String:
    """A search-key column: binary ordering (COLLATE "C" on PostgreSQL) so prefix ranges use the index."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")  # type: ignore[return-value]


class Household(Base):
    __tablename__ = "households"
    __table_args__ = (UniqueConstraint("municipality_code", "household_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey(MC))
    household_no: Mapped[str] = mapped_column(String(16))  # 世帯番号 (with check digit)
    head_atena_no: Mapped[str] = mapped_column(String(16), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    katagaki: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(8), default="")
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Resident(Base):
    """One person (current or removed: 除票). ``birth`` is PartialDate text, never a DATE."""

    __tablename__ = "residents"
    # the search indexes end in (kana_key, atena_no), the result order: a common name is read in
    # order from the index, not sorted (migration 0620)
    __table_args__ = (
        UniqueConstraint("municipality_code", "atena_no"),
        Index("ix_residents_household", "municipality_code", "household_no"),
        Index("ix_residents_kana_key", "municipality_code", "kana_key", "atena_no"),
        Index("ix_residents_given_kana_key", "municipality_code", "given_kana_key", "kana_key", "atena_no"),
        Index("ix_residents_name_key", "municipality_code", "name_key", "kana_key", "atena_no"),
        Index("ix_residents_birth", "municipality_code", "birth"),
        Index("ix_residents_address_key", "municipality_code", "address_key"),
        Index("ix_residents_alias", "municipality_code", "alias"),
        Index("ix_residents_alias_key", "municipality_code", "alias_key", "kana_key", "atena_no"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey(MC))
    atena_no: Mapped[str] = mapped_column(String(16))  # 宛名番号 (with check digit)
    household_no: Mapped[str] = mapped_column(String(16))  # 世帯番号
    name: Mapped[str] = mapped_column(String(100))  # 氏名 (may hold 外字)
    name_key: Mapped[str] = mapped_column(_key(100))  # search_query.name_search_key(name)
    kana: Mapped[str] = mapped_column(String(100))  # 氏名カナ
    kana_key: Mapped[str] = mapped_column(_key(100))  # kana.normalize_for_search(kana)
    given_kana_key: Mapped[str] = mapped_column(_key(100), default="")  # given name only
    birth: Mapped[str] = mapped_column(_key(13))  # PartialDate.to_str() (era suffix: 2019-??-??/H)
    sex: Mapped[str] = mapped_column(String(1))
    relation: Mapped[str] = mapped_column(String(32))  # 続柄
    is_head: Mapped[bool] = mapped_column(Boolean, default=False)
    address: Mapped[str] = mapped_column(String(200))
    # search_query.address_search_key(address + katagaki), for address search (contains)
    address_key: Mapped[str] = mapped_column(_key(300), default="", server_default="")
    katagaki: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(8), default="")
    honseki: Mapped[str] = mapped_column(String(200), default="")
    hittousha: Mapped[str] = mapped_column(String(100), default="")
    former_surname: Mapped[str] = mapped_column(String(50), default="")  # 旧氏
    alias: Mapped[str] = mapped_column(_key(100), default="")  # 通称
    alias_key: Mapped[str] = mapped_column(_key(100), default="", server_default="")  # name_search_key(通称)
    became_resident_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    jutei_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    notified_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    previous_address: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="resident")  # resident|moved_out|deceased
    removed_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # 消除日
    removal_reason: Mapped[str] = mapped_column(String(32), default="")  # 消除事由
    my_number: Mapped[str | None] = mapped_column(String(12), nullable=True)  # 個人番号
    juminhyo_code: Mapped[str | None] = mapped_column(String(11), nullable=True)
    is_foreign: Mapped[bool] = mapped_column(Boolean, default=False)
    nationality: Mapped[str] = mapped_column(String(64), default="")
    residence_status: Mapped[str] = mapped_column(String(64), default="")  # 在留資格
    residence_period_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    foreign_category: Mapped[str] = mapped_column(String(16), default="", server_default="")  # 30条の45規定区分
    residence_period: Mapped[str] = mapped_column(String(16), default="", server_default="")  # 在留期間
    residence_card_no: Mapped[str] = mapped_column(String(16), default="", server_default="")  # 在留カード等の番号
    moved_to_address: Mapped[str] = mapped_column(String(200), default="", server_default="")  # 転出先
    moved_out_notified_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # 転出届出日
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SealRegistration(Base):
    """印鑑登録."""

    __tablename__ = "seal_registrations"
    __table_args__ = (
        UniqueConstraint("municipality_code", "registration_no"),
        Index("ix_seal_atena", "municipality_code", "atena_no"),
        Index("ix_seal_card", "municipality_code", "card_no"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey(MC))
    registration_no: Mapped[str] = mapped_column(String(16))
    card_no: Mapped[str] = mapped_column(String(16))
    atena_no: Mapped[str] = mapped_column(String(16))
    registered_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | abolished
    seal_image_png: Mapped[bytes] = mapped_column(LargeBinary, default=b"")


class TaxSummary(Base):
    """課税(所得)の概要 per taxpayer and 課税年度."""

    __tablename__ = "tax_summaries"
    __table_args__ = (UniqueConstraint("municipality_code", "atena_no", "tax_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey(MC))
    atena_no: Mapped[str] = mapped_column(String(16))
    tax_year: Mapped[int] = mapped_column(Integer)
    resided_on_jan1: Mapped[bool] = mapped_column(Boolean, default=True)
    total_income: Mapped[int] = mapped_column(Integer, default=0)
    salary_income: Mapped[int] = mapped_column(Integer, default=0)
    deductions: Mapped[int] = mapped_column(Integer, default=0)
    taxable_income: Mapped[int] = mapped_column(Integer, default=0)
    municipal_tax: Mapped[int] = mapped_column(Integer, default=0)
    prefectural_tax: Mapped[int] = mapped_column(Integer, default=0)
    dependents: Mapped[int] = mapped_column(Integer, default=0)
    breakdown_json: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")  # by kind (yen)


class SupportMeasure(Base):
    """支援措置. Persons (protected / perpetrator) are in ``support_measure_persons``."""

    __tablename__ = "support_measures"
    __table_args__ = (UniqueConstraint("municipality_code", "measure_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey(MC))
    measure_id: Mapped[str] = mapped_column(String(32))
    perpetrator_names_json: Mapped[str] = mapped_column(Text, default="[]")  # 加害者 氏名
    # 加害者 生年月日 (PartialDate text or null), in the order of the names
    perpetrator_births_json: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    start: Mapped[date | None] = mapped_column(Date, nullable=True)
    end: Mapped[date | None] = mapped_column(Date, nullable=True)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)  # 仮支援措置
    processes: Mapped[str] = mapped_column(String(64), default="hakko,shokai")  # Process values


class SupportMeasurePerson(Base):
    __tablename__ = "support_measure_persons"
    __table_args__ = (
        UniqueConstraint("municipality_code", "measure_id", "atena_no", "role"),
        Index("ix_smp_atena", "municipality_code", "atena_no"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey(MC))
    measure_id: Mapped[str] = mapped_column(String(32))
    atena_no: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(16))  # protected | perpetrator


class Suppression(Base):
    """抑止: per person or household, per process; does not lapse by itself."""

    __tablename__ = "suppressions"
    __table_args__ = (
        UniqueConstraint("municipality_code", "suppression_id"),
        Index("ix_supp_atena", "municipality_code", "atena_no"),
        Index("ix_supp_household", "municipality_code", "household_no"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey(MC))
    suppression_id: Mapped[str] = mapped_column(String(32))
    atena_no: Mapped[str | None] = mapped_column(String(16), nullable=True)
    household_no: Mapped[str | None] = mapped_column(String(16), nullable=True)
    process: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))  # error | alert
    start: Mapped[date | None] = mapped_column(Date, nullable=True)
    end: Mapped[date | None] = mapped_column(Date, nullable=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    released_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
