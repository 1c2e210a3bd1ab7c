"""trust: root, certified keys, key certificates, revocations, recalls, countersignatures (issue 14)

Revision ID: 0530
Revises: 0510
Create Date: 2026-12-02 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0530"
down_revision = "0510"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "trust_roots",
        sa.Column("kid", sa.String(length=32), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_trust_roots")),
    )
    op.create_table(
        "trust_keys",
        sa.Column("kid", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("terminal_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("private_key", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("retired_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_trust_keys")),
    )
    op.create_table(
        "trust_key_certificates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kid", sa.String(length=32), nullable=False),
        sa.Column("issuer_kid", sa.String(length=32), nullable=False),
        sa.Column("not_before", TZ, nullable=False),
        sa.Column("not_after", TZ, nullable=False),
        sa.Column("issued_at", TZ, nullable=False),
        sa.Column("envelope_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trust_key_certificates")),
    )
    op.create_index("ix_trust_key_certificates_kid", "trust_key_certificates", ["kid"])
    op.create_table(
        "trust_revocations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kid", sa.String(length=32), nullable=False),
        sa.Column("effective_at", TZ, nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trust_revocations")),
        sa.UniqueConstraint("kid", name=op.f("uq_trust_revocations_kid")),
    )
    op.create_table(
        "trust_recalls",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("issue_number", sa.String(length=120), nullable=False),
        sa.Column("issuance_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trust_recalls")),
        sa.UniqueConstraint("municipality_code", "issue_number",
                            name=op.f("uq_trust_recalls_municipality_code_issue_number")),
    )
    op.create_table(
        "trust_countersignatures",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("issue_number", sa.String(length=120), nullable=False),
        sa.Column("kid", sa.String(length=32), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("issued_at", TZ, nullable=False),
        sa.Column("confirmed_at", TZ, nullable=False),
        sa.Column("outage", sa.Boolean(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("envelope_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_trust_countersignatures")),
        sa.UniqueConstraint("municipality_code", "issue_number",
                            name=op.f("uq_trust_countersignatures_municipality_code_issue_number")),
    )


def downgrade() -> None:
    for table in ("trust_countersignatures", "trust_recalls", "trust_revocations", "trust_key_certificates",
                  "trust_keys", "trust_roots"):
        op.drop_table(table)
