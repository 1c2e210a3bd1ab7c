"""access log accepted then sequenced: access_log_pending, access_log_batches; the existing chain sealed

Revision ID: 0600
Revises: 0580

Every municipality's existing entries become its first batch (batch 1 = seq 1..last, signed with
the municipality key), so `audit verify` covers them as before and no entry moves or changes.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0600"
down_revision = "0580"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_log_pending",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("municipality_code", sa.String(length=6), sa.ForeignKey("municipalities.code"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("terminal_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("my_number_shown", sa.Boolean(), nullable=False),
        sa.Column("seal_printed", sa.Boolean(), nullable=False),
        sa.Column("issue_numbers", sa.Text(), nullable=False),
        sa.Column("detail_json", sa.Text(), nullable=False),
    )
    op.create_index("ix_access_log_pending_municipality_code", "access_log_pending", ["municipality_code"])
    batches = op.create_table(
        "access_log_batches",
        sa.Column("municipality_code", sa.String(length=6), sa.ForeignKey("municipalities.code"), primary_key=True),
        sa.Column("batch_no", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("first_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_entry_hash", sa.String(length=64), nullable=False),
        sa.Column("prev_batch_hash", sa.String(length=64), nullable=False),
        sa.Column("batch_hash", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
    )
    from server_stub.audit.chain import GENESIS, head_row

    conn = op.get_bind()
    now = datetime.now(UTC)
    ends = conn.execute(sa.text(
        "SELECT a.municipality_code, a.seq, a.entry_hash, m.signing_private_key FROM access_log a "
        "JOIN municipalities m ON m.code = a.municipality_code "
        "WHERE a.seq = (SELECT MAX(b.seq) FROM access_log b WHERE b.municipality_code = a.municipality_code)")).all()
    rows = [head_row(code, 1, 1, int(seq), digest, GENESIS, now, bytes(key)) for code, seq, digest, key in ends]
    if rows:
        op.bulk_insert(batches, rows)


def downgrade() -> None:
    op.drop_table("access_log_batches")
    op.drop_index("ix_access_log_pending_municipality_code", table_name="access_log_pending")
    op.drop_table("access_log_pending")
