"""The per-municipality change feed, written in the same transaction as each data change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server_stub.models.base import Base


class ChangeLogEntry(Base):
    """``kind`` names the entity (resident, household, seal, tax, support_measure, suppression,
    staff, terminal, municipality), ``key`` its natural key within the municipality, ``op``
    ``upsert`` or ``delete``. ``seq`` is strictly increasing per municipality."""

    __tablename__ = "change_log"
    __table_args__ = (UniqueConstraint("municipality_code", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"))
    seq: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64))
    op: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
