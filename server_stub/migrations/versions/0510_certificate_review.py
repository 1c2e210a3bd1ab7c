"""certificate review (issue 16): 加害者 birth dates; 外国人住民 items (30条の45); 転出先 on 除票

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
    with op.batch_alter_table("residents") as batch_op:
        for name, length in _RESIDENT_TEXT:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("moved_out_notified_on", sa.Date(), nullable=True))


_RESIDENT_TEXT = (("foreign_category", 16), ("residence_period", 16), ("residence_card_no", 16),
                  ("moved_to_address", 200))


def downgrade() -> None:
    with op.batch_alter_table("residents") as batch_op:
        batch_op.drop_column("moved_out_notified_on")
        for name, _length in reversed(_RESIDENT_TEXT):
            batch_op.drop_column(name)
    with op.batch_alter_table("support_measures") as batch_op:
        batch_op.drop_column("perpetrator_births_json")
