"""peer groups (issue 18): terminals' site and LAN address; emergency hold proposals

Revision ID: 0580
Revises: 0540
Create Date: 2026-12-02 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0580"
down_revision = "0540"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "peer_addresses",
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("terminal_id", sa.String(length=64), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["municipality_code"], ["municipalities.code"],
                                name=op.f("fk_peer_addresses_municipality_code_municipalities")),
        sa.PrimaryKeyConstraint("municipality_code", "terminal_id", name=op.f("pk_peer_addresses")),
    )
    op.create_table(
        "hold_proposals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("hold_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("atena_no", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("origin_terminal", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.String(length=40), nullable=False),
        sa.Column("signed_json", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_from", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(["municipality_code"], ["municipalities.code"],
                                name=op.f("fk_hold_proposals_municipality_code_municipalities")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hold_proposals")),
        sa.UniqueConstraint("municipality_code", "hold_id", name=op.f("uq_hold_proposals_municipality_code_hold_id")),
    )
    op.create_index("ix_hold_proposals_status", "hold_proposals", ["municipality_code", "status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_hold_proposals_status", table_name="hold_proposals")
    op.drop_table("hold_proposals")
    op.drop_table("peer_addresses")
