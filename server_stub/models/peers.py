"""Peer groups (issue 18): which terminals share a hall's LAN, and the emergency holds they propose."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server_stub.models.base import Base


class PeerAddress(Base):
    """A terminal's site (the hall) and its LAN address for the peer group (set by an admin)."""

    __tablename__ = "peer_addresses"

    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"), primary_key=True)
    terminal_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))  # host:port on the hall's LAN
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(64), default="")


class HoldProposal(Base):
    """An emergency 抑止 / 仮支援措置 recorded on a terminal during an outage, awaiting a supervisor.

    Stored once per hold id (whichever terminal of the hall reaches the data centre first);
    ``signed_json`` keeps the hold as its origin terminal signed it.
    """

    __tablename__ = "hold_proposals"
    __table_args__ = (UniqueConstraint("municipality_code", "hold_id"),
                      Index("ix_hold_proposals_status", "municipality_code", "status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"))
    hold_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(32))  # suppression | provisional_support
    atena_no: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(200))
    recorded_by: Mapped[str] = mapped_column(String(64))
    origin_terminal: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[str] = mapped_column(String(40))
    signed_json: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_from: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="proposed")  # proposed | confirmed | declined
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    note: Mapped[str] = mapped_column(String(1000), default="")
