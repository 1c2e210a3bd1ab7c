"""form parameters (様式パラメータ): 認証文 override, 備考 line, enabled — per municipality and form

Revision ID: 0400
Revises: 0300
Create Date: 2026-11-23 04:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0400"
down_revision = "0300"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "form_parameters",
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("form_id", sa.String(length=32), nullable=False),
        sa.Column("certification_text", sa.String(length=200), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["municipality_code"], ["municipalities.code"],
                                name=op.f("fk_form_parameters_municipality_code_municipalities")),
        sa.PrimaryKeyConstraint("municipality_code", "form_id", name=op.f("pk_form_parameters")),
    )


def downgrade() -> None:
    op.drop_table("form_parameters")
