"""様式パラメータ: per municipality and certificate form, what the town may change without a release.

See ``client.domain.form_params`` for the meaning; a form without a row uses the defaults.
Replicated as kind ``form_parameter`` (key = form id).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column

from server_stub.models.base import Base


class FormParameter(Base):
    """One form's settings at one municipality ("" = the default wording / no 備考 line)."""

    __tablename__ = "form_parameters"

    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"), primary_key=True)
    form_id: Mapped[str] = mapped_column(String(32), primary_key=True)  # forms/*.toml id
    certification_text: Mapped[str] = mapped_column(String(200), default="")  # 認証文 override
    note: Mapped[str] = mapped_column(String(200), default="")  # 備考 line on every certificate
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    registration_no: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # inkan: print the 登録番号
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(64), default="")
