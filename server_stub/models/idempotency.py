"""Idempotency keys of online issuances: a resent POST returns the issuance it already made."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server_stub.models.base import Base


class IssuanceKey(Base):
    """One ``Idempotency-Key`` of ``POST /api/v1/issuances`` per municipality (the first answer wins)."""

    __tablename__ = "issuance_keys"

    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    issuance_id: Mapped[str] = mapped_column(String(36))
    request_digest: Mapped[str] = mapped_column(String(64))  # sha256 of the request body, to refuse a reuse
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
