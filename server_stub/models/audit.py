"""The access log: append-only, hash-chained per municipality."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server_stub.models.base import Base


class AccessLogEntry(Base):
    """One 照会 / issuance / administrative action. ``entry_hash = sha256(prev_hash + canonical)``."""

    __tablename__ = "access_log"
    __table_args__ = (UniqueConstraint("municipality_code", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"))
    seq: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    user_id: Mapped[str] = mapped_column(String(64))
    terminal_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(200), default="")  # atena_no or query summary
    mode: Mapped[str] = mapped_column(String(8), default="online")
    outcome: Mapped[str] = mapped_column(String(32), default="ok")
    my_number_shown: Mapped[bool] = mapped_column(Boolean, default=False)
    seal_printed: Mapped[bool] = mapped_column(Boolean, default=False)  # 公印
    issue_numbers: Mapped[str] = mapped_column(Text, default="")
    detail_json: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))
