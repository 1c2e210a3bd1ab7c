"""form_parameters.registration_no: the 印鑑登録証明書 prints the 登録番号 where the municipality chooses

Revision ID: 0610_i16
Revises: 0600
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0610_i16"
down_revision = "0600"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("form_parameters") as batch:
        batch.add_column(sa.Column("registration_no", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("form_parameters") as batch:
        batch.drop_column("registration_no")
