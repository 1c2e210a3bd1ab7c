"""Operations tables: health samples, outage reports, response samples, BCP access-log cursors

Revision ID: 0200
Revises: 0002
Create Date: 2026-11-23 01:28:05.726798
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0200"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ops_health_samples",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("db_ms", sa.Integer(), nullable=False),
        sa.Column("interval_s", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ops_health_samples")),
    )
    with op.batch_alter_table("ops_health_samples", schema=None) as batch_op:
        batch_op.create_index("ix_ops_health_samples_at", ["at"], unique=False)

    op.create_table(
        "ops_outage_reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("terminal_id", sa.String(length=64), nullable=False),
        sa.Column("report_id", sa.String(length=36), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("bcp_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipalities.code"],
            name=op.f("fk_ops_outage_reports_municipality_code_municipalities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ops_outage_reports")),
        sa.UniqueConstraint(
            "municipality_code", "report_id", name=op.f("uq_ops_outage_reports_municipality_code_report_id")
        ),
    )
    with op.batch_alter_table("ops_outage_reports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ops_outage_reports_start", ["municipality_code", "started_at"], unique=False
        )

    op.create_table(
        "ops_response_samples",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("terminal_id", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("operation", sa.String(length=32), nullable=False),
        sa.Column("ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipalities.code"],
            name=op.f("fk_ops_response_samples_municipality_code_municipalities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ops_response_samples")),
    )
    with op.batch_alter_table("ops_response_samples", schema=None) as batch_op:
        batch_op.create_index("ix_ops_response_samples_at", ["municipality_code", "at"], unique=False)

    op.create_table(
        "ops_sample_batches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("terminal_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipalities.code"],
            name=op.f("fk_ops_sample_batches_municipality_code_municipalities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ops_sample_batches")),
        sa.UniqueConstraint(
            "municipality_code", "batch_id", name=op.f("uq_ops_sample_batches_municipality_code_batch_id")
        ),
    )
    op.create_table(
        "ops_terminal_log_cursors",
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("terminal_id", sa.String(length=64), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipalities.code"],
            name=op.f("fk_ops_terminal_log_cursors_municipality_code_municipalities"),
        ),
        sa.PrimaryKeyConstraint("municipality_code", "terminal_id", name=op.f("pk_ops_terminal_log_cursors")),
    )


def downgrade() -> None:
    op.drop_table("ops_terminal_log_cursors")
    op.drop_table("ops_sample_batches")
    with op.batch_alter_table("ops_response_samples", schema=None) as batch_op:
        batch_op.drop_index("ix_ops_response_samples_at")

    op.drop_table("ops_response_samples")
    with op.batch_alter_table("ops_outage_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_ops_outage_reports_start")

    op.drop_table("ops_outage_reports")
    with op.batch_alter_table("ops_health_samples", schema=None) as batch_op:
        batch_op.drop_index("ix_ops_health_samples_at")

    op.drop_table("ops_health_samples")
