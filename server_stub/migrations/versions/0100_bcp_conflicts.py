"""BCP reconciliation conflicts

Revision ID: 0100
Revises: 0001
Create Date: 2026-11-23 01:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0100"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bcp_conflicts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("issuance_id", sa.String(length=36), nullable=False),
        sa.Column("client_uuid", sa.String(length=36), nullable=False),
        sa.Column("subject_atena_no", sa.String(length=16), nullable=False),
        sa.Column("codes", sa.String(length=300), nullable=False),
        sa.Column("detail_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("resolved_by", sa.String(length=64), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["issuance_id"], ["issuances.id"], name=op.f("fk_bcp_conflicts_issuance_id_issuances")),
        sa.ForeignKeyConstraint(
            ["municipality_code"], ["municipalities.code"], name=op.f("fk_bcp_conflicts_municipality_code_municipalities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bcp_conflicts")),
    )
    op.create_index("ix_bcp_conflicts_status", "bcp_conflicts", ["municipality_code", "status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_bcp_conflicts_status", table_name="bcp_conflicts")
    op.drop_table("bcp_conflicts")
