"""Search keys with binary ordering (COLLATE "C" on PostgreSQL) and indexes on address_key, alias

Prefix searches are written as ranges (key >= p AND key < p || U+10FFFF), which use the
(municipality_code, key) indexes on SQLite (BINARY) and PostgreSQL (C collation).

Revision ID: 0003
Revises: 0200
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0200"
branch_labels = None
depends_on = None

_KEYS = (("name_key", 100), ("kana_key", 100), ("given_kana_key", 100), ("birth", 11), ("address_key", 300),
         ("alias", 100))


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column, length in _KEYS:
            op.execute(f'ALTER TABLE residents ALTER COLUMN {column} TYPE VARCHAR({length}) COLLATE "C"')
    op.create_index("ix_residents_address_key", "residents", ["municipality_code", "address_key"])
    op.create_index("ix_residents_alias", "residents", ["municipality_code", "alias"])


def downgrade() -> None:
    op.drop_index("ix_residents_alias", "residents")
    op.drop_index("ix_residents_address_key", "residents")
    if op.get_bind().dialect.name == "postgresql":
        for column, length in _KEYS:
            op.execute(f'ALTER TABLE residents ALTER COLUMN {column} TYPE VARCHAR({length}) COLLATE "default"')
