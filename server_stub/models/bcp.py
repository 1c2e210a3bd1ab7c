"""BCP reconciliation: conflicts raised when a BCP issuance disagrees with the authoritative data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server_stub.models.base import Base


class BcpConflict(Base):
    """One BCP issuance that a supervisor must review. Both sides are kept; nothing is overwritten.

    ``codes`` lists the reasons (comma-separated: moved_out, deceased, support_measure,
    suppression, server_would_deny, content_differs …); ``detail_json`` holds the BCP side (what
    was printed, the replica as-of time) and the server side (its decision and current content).
    """

    __tablename__ = "bcp_conflicts"
    __table_args__ = (Index("ix_bcp_conflicts_status", "municipality_code", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"))
    issuance_id: Mapped[str] = mapped_column(ForeignKey("issuances.id"))
    client_uuid: Mapped[str] = mapped_column(String(36))
    subject_atena_no: Mapped[str] = mapped_column(String(16))
    codes: Mapped[str] = mapped_column(String(300))
    detail_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | resolved
    outcome: Mapped[str] = mapped_column(String(16), default="")  # no_problem | recall | other
    note: Mapped[str] = mapped_column(String(1000), default="")
    resolved_by: Mapped[str] = mapped_column(String(64), default="")
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
