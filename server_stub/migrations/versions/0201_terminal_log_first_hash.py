"""ops_terminal_log_cursors.first_hash: recognise a terminal's restarted BCP access-log chain

Revision ID: 0201
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0201"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ops_terminal_log_cursors") as batch_op:
        batch_op.add_column(sa.Column("first_hash", sa.String(length=64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("ops_terminal_log_cursors") as batch_op:
        batch_op.drop_column("first_hash")
