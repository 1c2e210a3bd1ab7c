"""certificate review (issue 16): 加害者 birth dates; 外国人住民 items (30条の45); 転出先 on 除票

Revision ID: 0510
Revises: 0500
Create Date: 2026-12-02 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0510"
down_revision = "0500"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("support_measures") as batch_op:
        batch_op.add_column(sa.Column("perpetrator_births_json", sa.Text(), nullable=False, server_default="[]"))
    with op.batch_alter_table("residents") as batch_op:
        for name, length in _RESIDENT_TEXT:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("moved_out_notified_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("alias_key", _key(100), nullable=False, server_default=""))
        batch_op.create_index("ix_residents_alias_key", ["municipality_code", "alias_key"])
        # PartialDate text may keep the era it was written in: 2019-??-??/H (平成31年)
        batch_op.alter_column("birth", existing_type=_key(11), type_=_key(13), existing_nullable=False)
    with op.batch_alter_table("tax_summaries") as batch_op:
        batch_op.add_column(sa.Column("breakdown_json", sa.Text(), nullable=False, server_default="{}"))
    _rekey_names()


def _key(length: int) -> sa.String:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")  # type: ignore[return-value]


def _rekey_names() -> None:
    """通称 get a search key; name keys upper-case Latin letters (alphabet names in any case)."""
    from client.domain.search_query import name_search_key

    conn = op.get_bind()
    residents = sa.table("residents", sa.column("id", sa.Integer), sa.column("name", sa.String),
                         sa.column("name_key", sa.String), sa.column("alias", sa.String),
                         sa.column("alias_key", sa.String))
    rows = conn.execute(sa.select(residents.c.id, residents.c.name, residents.c.name_key, residents.c.alias)
                        .where(sa.or_(residents.c.alias != "", residents.c.name_key != sa.func.upper(residents.c.name_key))))
    for rid, name, name_key, alias in rows.all():
        values = {"alias_key": name_search_key(alias or "")}
        if name_search_key(name) != name_key:
            values["name_key"] = name_search_key(name)
        conn.execute(sa.update(residents).where(residents.c.id == rid).values(**values))


_RESIDENT_TEXT = (("foreign_category", 16), ("residence_period", 16), ("residence_card_no", 16),
                  ("moved_to_address", 200))


def downgrade() -> None:
    with op.batch_alter_table("tax_summaries") as batch_op:
        batch_op.drop_column("breakdown_json")
    with op.batch_alter_table("residents") as batch_op:
        batch_op.alter_column("birth", existing_type=_key(13), type_=_key(11), existing_nullable=False)
        batch_op.drop_index("ix_residents_alias_key")
        batch_op.drop_column("alias_key")
        batch_op.drop_column("moved_out_notified_on")
        for name, _length in reversed(_RESIDENT_TEXT):
            batch_op.drop_column(name)
    with op.batch_alter_table("support_measures") as batch_op:
        batch_op.drop_column("perpetrator_births_json")
