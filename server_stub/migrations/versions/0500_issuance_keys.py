"""issuance idempotency keys: a POST /api/v1/issuances resent on the other line is issued once

Revision ID: 0500
Revises: 0400
Create Date: 2026-12-02 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0500"
down_revision = "0400"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "issuance_keys",
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("issuance_id", sa.String(length=36), nullable=False),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["municipality_code"], ["municipalities.code"],
                                name=op.f("fk_issuance_keys_municipality_code_municipalities")),
        sa.PrimaryKeyConstraint("municipality_code", "idempotency_key", name=op.f("pk_issuance_keys")),
    )


def downgrade() -> None:
    op.drop_table("issuance_keys")
