"""terminal security (issue 15): terminal standing and revocation, request nonces, signed tokens,
replica wrapping keys and the municipality's replica key validity

Revision ID: 0540
Revises: 0530
Create Date: 2026-12-02 14:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0540"
down_revision = "0530"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("terminals") as batch:
        batch.add_column(sa.Column("status", sa.String(length=16), nullable=False, server_default="active"))
        batch.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("revoked_by", sa.String(length=64), nullable=False, server_default=""))
        batch.add_column(sa.Column("revoked_reason", sa.String(length=500), nullable=False, server_default=""))
        batch.add_column(sa.Column("wrapping_key", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("auth_tokens") as batch:
        batch.add_column(sa.Column("signed", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("municipalities") as batch:
        batch.add_column(sa.Column("replica_key_days", sa.Integer(), nullable=False, server_default="14"))
    op.create_table(
        "terminal_nonces",
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("terminal_id", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("municipality_code", "terminal_id", "nonce", name=op.f("pk_terminal_nonces")),
    )
    op.create_index("ix_terminal_nonces_expiry", "terminal_nonces", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_terminal_nonces_expiry", table_name="terminal_nonces")
    op.drop_table("terminal_nonces")
    with op.batch_alter_table("municipalities") as batch:
        batch.drop_column("replica_key_days")
    with op.batch_alter_table("auth_tokens") as batch:
        batch.drop_column("signed")
    with op.batch_alter_table("terminals") as batch:
        for column in ("wrapping_key", "revoked_reason", "revoked_by", "revoked_at", "status"):
            batch.drop_column(column)
