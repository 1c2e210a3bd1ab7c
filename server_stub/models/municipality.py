"""Municipalities (tenants), their parameters, signing keys and per-municipality counters."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server_stub.models.base import Base


class Municipality(Base):
    """全国地方公共団体コード (with check digit) and the parameters the counter needs."""

    __tablename__ = "municipalities"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    prefecture: Mapped[str] = mapped_column(String(16))
    mayor_title: Mapped[str] = mapped_column(String(64))  # 職名
    mayor_name: Mapped[str] = mapped_column(String(64))
    seal_image_png: Mapped[bytes] = mapped_column(LargeBinary, default=b"")  # 電子公印
    fees_json: Mapped[str] = mapped_column(Text, default="{}")  # CertificateType value → yen per copy
    exemption_reasons_json: Mapped[str] = mapped_column(Text, default="[]")
    bcp_policy: Mapped[str] = mapped_column(String(16), default="auto")  # auto | confirm
    replica_max_age_hours: Mapped[int] = mapped_column(Integer, default=72)
    # days a terminal may keep opening its replica without reaching the data centre (issue 15)
    replica_key_days: Mapped[int] = mapped_column(Integer, default=14, server_default="14")
    print_sex_on_inkan: Mapped[bool] = mapped_column(Boolean, default=True)
    # Ed25519 key for online certificates. The private key is stored in the database: acceptable
    # for the stub only (a real data centre keeps it in an HSM).
    signing_key_id: Mapped[str] = mapped_column(String(32))
    signing_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    signing_public_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Deputy(Base):
    """職務代理者: signs instead of the mayor within the period."""

    __tablename__ = "municipality_deputies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"), index=True)
    title: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)


class Counter(Base):
    """Per-municipality monotonic counters, taken with ``UPDATE ... RETURNING`` (row lock).

    Names: ``issue_serial`` (発行番号 serial, shared by online issuance and terminal leases),
    ``change_seq`` (change feed), ``access_seq`` (access-log chain).
    """

    __tablename__ = "counters"

    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)  # the last value handed out
