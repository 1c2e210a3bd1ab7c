"""certificate review (issue 16): 加害者 birth dates for 支援措置 matching

Revision ID: 0510
Revises: 0400
Create Date: 2026-12-02 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0510"
down_revision = "0400"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("support_measures") as batch_op:
        batch_op.add_column(sa.Column("perpetrator_births_json", sa.Text(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("support_measures") as batch_op:
        batch_op.drop_column("perpetrator_births_json")
