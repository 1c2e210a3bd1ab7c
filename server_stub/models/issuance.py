"""交付履歴 (issuance log: one header per request, one row per copy/serial) and serial leases."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server_stub.models.base import Base

MC = "municipalities.code"


class Issuance(Base):
    __tablename__ = "issuances"
    __table_args__ = (
        Index("ix_issuances_day", "municipality_code", "issued_on"),
        Index("ix_issuances_subject", "municipality_code", "subject_atena_no"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUID
    municipality_code: Mapped[str] = mapped_column(ForeignKey(MC))
    client_uuid: Mapped[str | None] = mapped_column(String(36), unique=True, nullable=True)  # BCP sync
    cert_type: Mapped[str] = mapped_column(String(16))
    subject_atena_no: Mapped[str] = mapped_column(String(16))
    requester_kind: Mapped[str] = mapped_column(String(16))
    requester_name: Mapped[str] = mapped_column(String(100), default="")
    copies: Mapped[int] = mapped_column(Integer)
    fee_yen: Mapped[int] = mapped_column(Integer)  # total for all copies
    exemption_reason: Mapped[str] = mapped_column(String(64), default="")
    printed_items: Mapped[str] = mapped_column(String(200), default="")  # comma-separated
    user_id: Mapped[str] = mapped_column(String(64))
    terminal_id: Mapped[str] = mapped_column(String(64))
    terminal_name: Mapped[str] = mapped_column(String(64))
    printer_id: Mapped[str] = mapped_column(String(32))
    mode: Mapped[str] = mapped_column(String(8), default="online")
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_on: Mapped[date] = mapped_column(Date)
    request_json: Mapped[str] = mapped_column(Text)
    content_json: Mapped[str] = mapped_column(Text)  # CertificateContent without issue number
    release_measure_ids: Mapped[str] = mapped_column(String(200), default="")
    release_reason: Mapped[str] = mapped_column(String(500), default="")
    reprint_of: Mapped[str | None] = mapped_column(String(36), nullable=True)
    voided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    voided_by: Mapped[str] = mapped_column(String(64), default="")
    void_reason: Mapped[str] = mapped_column(String(500), default="")


class IssuedCopy(Base):
    """One certificate copy with its own 発行番号 (serial unique per municipality)."""

    __tablename__ = "issued_copies"
    __table_args__ = (
        UniqueConstraint("municipality_code", "serial"),
        Index("ix_issued_copies_issuance", "issuance_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey(MC))
    issuance_id: Mapped[str] = mapped_column(ForeignKey("issuances.id"))
    copy_index: Mapped[int] = mapped_column(Integer)  # 1..copies
    serial: Mapped[int] = mapped_column(BigInteger)
    issue_number: Mapped[str] = mapped_column(String(120))
    content_digest: Mapped[str] = mapped_column(String(64))
    qr_token: Mapped[str] = mapped_column(Text)
    voided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    void_reason: Mapped[str] = mapped_column(String(500), default="")


class SerialLease(Base):
    """A block of 発行番号 serials leased to a terminal for BCP mode (from the same counter)."""

    __tablename__ = "serial_leases"
    __table_args__ = (Index("ix_serial_leases_terminal", "municipality_code", "terminal_id"),)

    lease_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey(MC))
    terminal_id: Mapped[str] = mapped_column(String(64))
    first: Mapped[int] = mapped_column(BigInteger)
    last: Mapped[int] = mapped_column(BigInteger)
    leased_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | returned | expired
    returned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    unused_json: Mapped[str] = mapped_column(Text, default="[]")  # [[first, last], ...] not used
