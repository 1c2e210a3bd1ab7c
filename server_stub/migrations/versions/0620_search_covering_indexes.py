"""Search indexes that serve the result order: (key, kana_key, 宛名番号) after the municipality

A search answers its first 50 hits in (kana_key, 宛名番号) order. On (municipality_code,
kana_key) alone SQLite reads every row of a common family name to sort the ties by 宛名番号
("USE TEMP B-TREE FOR RIGHT PART OF ORDER BY": サトウ, a quarter of the seeded 400,000-resident
city, 6 ms against 0.14 ms with atena_no in the index); the name, given-name and 通称 indexes
also carry kana_key and atena_no, so the alternatives ordered by kana are read from the index
alone (佐藤 typed in kanji: 670 → 110 ms on the same city). Issue 23, docs/performance.md.

Revision ID: 0620
Revises: 0610_i16
"""

from __future__ import annotations

from alembic import op

revision = "0620"
down_revision = "0610_i16"
branch_labels = None
depends_on = None

# index name → (old columns, new columns)
_INDEXES = {
    "ix_residents_kana_key": (["municipality_code", "kana_key"], ["municipality_code", "kana_key", "atena_no"]),
    "ix_residents_given_kana_key": (["municipality_code", "given_kana_key"],
                                    ["municipality_code", "given_kana_key", "kana_key", "atena_no"]),
    "ix_residents_name_key": (["municipality_code", "name_key"],
                              ["municipality_code", "name_key", "kana_key", "atena_no"]),
    "ix_residents_alias_key": (["municipality_code", "alias_key"],
                               ["municipality_code", "alias_key", "kana_key", "atena_no"]),
}


def _rebuild(which: int) -> None:
    for name, columns in _INDEXES.items():
        op.drop_index(name, "residents")
        op.create_index(name, "residents", columns[which])


def upgrade() -> None:
    _rebuild(1)


def downgrade() -> None:
    _rebuild(0)
