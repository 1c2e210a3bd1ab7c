"""Operations data: server health samples, terminals' outage reports and response-time samples,
and each terminal's position in uploading its BCP access log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server_stub.models.base import Base

MC = "municipalities.code"


class HealthSample(Base):
    """The server's own heartbeat: one row per interval per serving process (all municipalities)."""

    __tablename__ = "ops_health_samples"
    __table_args__ = (Index("ix_ops_health_samples_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(64))  # host:pid of the serving process
    ok: Mapped[bool] = mapped_column(Boolean, default=True)
    db_ms: Mapped[int] = mapped_column(Integer, default=0)
    interval_s: Mapped[int] = mapped_column(Integer, default=60)


class OutageReport(Base):
    """An outage a terminal saw: when it began, when the terminal detected it, when BCP began,
    when staff/the data centre were notified, when it ended. Stored once per ``report_id``."""

    __tablename__ = "ops_outage_reports"
    __table_args__ = (
        UniqueConstraint("municipality_code", "report_id"),
        Index("ix_ops_outage_reports_start", "municipality_code", "started_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey(MC))
    terminal_id: Mapped[str] = mapped_column(String(64))
    report_id: Mapped[str] = mapped_column(String(36))  # client UUID
    scope: Mapped[str] = mapped_column(String(16), default="all")  # primary | secondary | all
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    detected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    bcp_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(String(500), default="")


class ResponseSample(Base):
    """One response time a terminal measured (online requests), uploaded in batches when it syncs."""

    __tablename__ = "ops_response_samples"
    __table_args__ = (Index("ix_ops_response_samples_at", "municipality_code", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey(MC))
    terminal_id: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[str] = mapped_column(String(36))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    operation: Mapped[str] = mapped_column(String(32))  # search | resident | issue | …
    ms: Mapped[int] = mapped_column(Integer)


class SampleBatch(Base):
    """A batch of response samples already stored (a retried upload is recognised)."""

    __tablename__ = "ops_sample_batches"
    __table_args__ = (UniqueConstraint("municipality_code", "batch_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey(MC))
    batch_id: Mapped[str] = mapped_column(String(36))
    terminal_id: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    count: Mapped[int] = mapped_column(Integer)


class TerminalLogCursor(Base):
    """How far a terminal's BCP access log has been appended to the server chain."""

    __tablename__ = "ops_terminal_log_cursors"

    municipality_code: Mapped[str] = mapped_column(ForeignKey(MC), primary_key=True)
    terminal_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    # hash of the chain's first entry: a terminal whose outbox was rebuilt starts a new chain
    first_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
