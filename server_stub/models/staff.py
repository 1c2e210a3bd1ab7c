"""Staff accounts, enrolled terminals and sign-in tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false

from server_stub.models.base import Base

MC = "municipalities.code"


class Staff(Base):
    """A counter clerk, supervisor (支援措置責任者) or administrator. Passwords: argon2id hashes."""

    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("municipality_code", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey(MC))
    user_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))  # clerk | supervisor | admin
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Terminal(Base):
    """An enrolled counter terminal and its Ed25519 public key (signs BCP certificates)."""

    __tablename__ = "terminals"
    __table_args__ = (UniqueConstraint("municipality_code", "terminal_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey(MC))
    terminal_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))  # e.g. 本庁1 (appears in 発行番号)
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    enrolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    enrolled_by: Mapped[str] = mapped_column(String(64), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # standing (issue 15): only "active" lets a request through; any other value refuses (fail closed)
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_by: Mapped[str] = mapped_column(String(64), default="", server_default="")
    revoked_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # the replica wrapping key leased to the terminal (docs/terminal-security.md); None until first asked
    wrapping_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class TerminalNonce(Base):
    """A request nonce seen from a terminal, kept until its signature window has passed (replay
    refusal that holds across server processes: the primary key makes a second use fail)."""

    __tablename__ = "terminal_nonces"
    __table_args__ = (Index("ix_terminal_nonces_expiry", "expires_at"),)

    municipality_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    terminal_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuthToken(Base):
    """A sign-in token. Only its SHA-256 is stored, so any server process on the DB can check it."""

    __tablename__ = "auth_tokens"
    __table_args__ = (Index("ix_auth_tokens_expiry", "expires_at"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey(MC))
    user_id: Mapped[str] = mapped_column(String(64))
    terminal_id: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # issued to a login that carried the terminal's signature: every use must carry it again
    signed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
