"""Tables of the trust module (migration 0530). Every row is append-only except ``retired_at``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server_stub.models.base import Base


class TrustRoot(Base):
    """The root's public key (its private key never enters the database)."""

    __tablename__ = "trust_roots"

    kid: Mapped[str] = mapped_column(String(32), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TrustKey(Base):
    """A certified public key: the data centre's service key, a municipality key or a terminal key.

    ``private_key`` is held only for the service key (stub: a real data centre keeps it in an HSM);
    the current municipality private key stays in ``municipalities.signing_private_key``.
    """

    __tablename__ = "trust_keys"

    kid: Mapped[str] = mapped_column(String(32), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))  # service | municipality | terminal
    municipality_code: Mapped[str] = mapped_column(String(6), default="")
    terminal_id: Mapped[str] = mapped_column(String(64), default="")
    name: Mapped[str] = mapped_column(String(64), default="")
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    private_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class TrustKeyCertificate(Base):
    """One key certificate (a signed envelope). A renewal or a rollover adds a row, never edits one."""

    __tablename__ = "trust_key_certificates"
    __table_args__ = (Index("ix_trust_key_certificates_kid", "kid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kid: Mapped[str] = mapped_column(String(32))
    issuer_kid: Mapped[str] = mapped_column(String(32))
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    not_after: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    envelope_json: Mapped[str] = mapped_column(Text)


class TrustRevocation(Base):
    """A key revoked as of ``effective_at``: what it signed before stays valid, after fails."""

    __tablename__ = "trust_revocations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kid: Mapped[str] = mapped_column(String(32), unique=True)
    effective_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(String(500))
    actor: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TrustRecall(Base):
    """誤発行 処分: a 発行番号 recalled (the 交付履歴 entry stays; the trust list names the number)."""

    __tablename__ = "trust_recalls"
    __table_args__ = (UniqueConstraint("municipality_code", "issue_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    municipality_code: Mapped[str] = mapped_column(String(6))
    issue_number: Mapped[str] = mapped_column(String(120))
    issuance_id: Mapped[str] = mapped_column(String(36))
    reason: Mapped[str] = mapped_column(String(500))
    actor: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TrustCountersignature(Base):
    """A BCP certificate the data centre checked and countersigned: append-only, hash-chained."""

    __tablename__ = "trust_countersignatures"
    __table_args__ = (UniqueConstraint("municipality_code", "issue_number"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    municipality_code: Mapped[str] = mapped_column(String(6))
    issue_number: Mapped[str] = mapped_column(String(120))
    kid: Mapped[str] = mapped_column(String(32))
    token_sha256: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    outage: Mapped[bool] = mapped_column(Boolean, default=False)
    prev_hash: Mapped[str] = mapped_column(String(64))
    envelope_json: Mapped[str] = mapped_column(Text)
