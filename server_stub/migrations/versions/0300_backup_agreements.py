"""mutual backup agreements (相互バックアップ協定)

Revision ID: 0300
Revises: 0201
Create Date: 2026-11-23 02:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0300"
down_revision = "0201"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "backup_agreements",
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("partner_code", sa.String(length=6), nullable=False),
        sa.ForeignKeyConstraint(["municipality_code"], ["municipalities.code"],
                                name=op.f("fk_backup_agreements_municipality_code_municipalities")),
        sa.ForeignKeyConstraint(["partner_code"], ["municipalities.code"],
                                name=op.f("fk_backup_agreements_partner_code_municipalities")),
        sa.PrimaryKeyConstraint("municipality_code", "partner_code", name=op.f("pk_backup_agreements")),
    )


def downgrade() -> None:
    op.drop_table("backup_agreements")
