"""相互バックアップ協定: municipalities that hold each other's replicas for disaster work."""

from __future__ import annotations

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from server_stub.models.base import Base


class BackupAgreement(Base):
    """One agreement, recorded once in either direction (the replica API reads both ways)."""

    __tablename__ = "backup_agreements"

    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"), primary_key=True)
    partner_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"), primary_key=True)
