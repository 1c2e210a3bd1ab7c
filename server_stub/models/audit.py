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


class AccessLogPending(Base):
    """An accepted entry not yet sequenced: written in the transaction of the action it records
    (an issuance, an enrolment, an uploaded BCP log), so it is durable with it, without taking the
    chain's lock. The sealer moves it into ``access_log`` (seq, prev_hash, entry_hash) and
    deletes it here, in one transaction."""

    __tablename__ = "access_log_pending"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    user_id: Mapped[str] = mapped_column(String(64))
    terminal_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(200), default="")
    mode: Mapped[str] = mapped_column(String(8), default="online")
    outcome: Mapped[str] = mapped_column(String(32), default="ok")
    my_number_shown: Mapped[bool] = mapped_column(Boolean, default=False)
    seal_printed: Mapped[bool] = mapped_column(Boolean, default=False)
    issue_numbers: Mapped[str] = mapped_column(Text, default="")
    detail_json: Mapped[str] = mapped_column(Text, default="{}")


class AccessLogBatch(Base):
    """A batch head: entries ``first_seq..last_seq`` sealed together, like a transparency log's
    signed tree head. ``batch_hash = sha256(head text)`` (the text names the municipality, the
    batch number, the range, the last entry's hash, the previous batch's hash and the time), so
    the heads form a chain of their own; ``signature`` is the municipality key's Ed25519 signature
    over ``batch_hash`` (base64), so a head can be handed out and checked outside the database."""

    __tablename__ = "access_log_batches"

    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"), primary_key=True)
    batch_no: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_seq: Mapped[int] = mapped_column(BigInteger)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    last_entry_hash: Mapped[str] = mapped_column(String(64))
    prev_batch_hash: Mapped[str] = mapped_column(String(64))
    batch_hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))
    sealed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
