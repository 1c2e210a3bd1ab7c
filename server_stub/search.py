"""Server-side resident search, classified by ``client.domain.search_query.classify_query``:
kana (prefix on the normalised full-name or given-name key), kanji name or 通称 (prefix), an
alphabet name also by its given name (inside the Latin range of the name index, not a scan),
birth date (和暦 or 西暦, partly unknown allowed), address and 宛名番号 (exact).

The stored keys are built with the same domain functions (see the seed), so the server and the
replica find the same residents. Prefix matches are ranges ``key >= p AND key < p + U+10FFFF``
on binary-ordered columns, so they use the (municipality_code, key) indexes on SQLite and
PostgreSQL. An address is tried as a prefix of the full address key (with or without the
prefecture and municipality name typed) and only then as a substring (a scan).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, union
from sqlalchemy.orm import Session

from client.domain.partial_date import PartialDate
from client.domain.search_query import Query, QueryKind, address_search_key, classify_query, is_latin_name
from server_stub.models import Municipality, Resident

__all__ = ["Query", "classify", "search"]

_TOP = "\U0010ffff"


def classify(q: str, municipality_name: str = "") -> Query:
    return classify_query(q, municipality_name=municipality_name)


def _prefix(column: Any, p: str) -> ColumnElement[bool]:
    return and_(column >= p, column < p + _TOP)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# Alphabet names have name keys of upper-case Latin letters (name_search_key upper-cases, NFKC
# folds full-width letters): the range A ≤ key < "[" holds exactly them, a few thousand of the
# 400,000 city, read from the name index; the given name is looked for inside those keys only.
LATIN_FIRST, LATIN_END = "A", "["


def _latin_contains(key: str) -> ColumnElement[bool]:
    return and_(Resident.name_key >= LATIN_FIRST, Resident.name_key < LATIN_END,
                Resident.name_key.like("%" + _like_escape(key) + "%", escape="\\"))


def _birth_condition(pd: PartialDate) -> ColumnElement[bool]:
    col = Resident.birth
    if pd.is_complete:
        return col == pd.to_str()
    if pd.year is not None and (pd.month is not None or pd.day is None):
        # known leading part (year, or year and month): a prefix, exact or 頃 (~)
        head = f"{pd.year:04d}-" + (f"{pd.month:02d}-" if pd.month is not None else "")
        if pd.day is not None:
            head += f"{pd.day:02d}"
        return or_(_prefix(col, head), _prefix(col, "~" + head))
    y = f"{pd.year:04d}" if pd.year is not None else "____"
    m = f"{pd.month:02d}" if pd.month is not None else "__"
    d = f"{pd.day:02d}" if pd.day is not None else "__"
    return col.like(f"%{y}-{m}-{d}%")  # a trailing era letter may follow (2019-??-??/H)


# What a search result shows (rows, not ORM objects: loading whole residents was a tenth of a
# search's CPU).
SUMMARY_COLUMNS = (Resident.atena_no, Resident.household_no, Resident.name, Resident.kana, Resident.birth,
                   Resident.sex, Resident.address, Resident.status, Resident.is_foreign, Resident.alias)
SummaryRow = Any  # a Row with the SUMMARY_COLUMNS as attributes


def _base(code: str, condition: ColumnElement[bool], limit: int) -> Any:
    # Order by an expression (not the bare column) so that the planner picks the index that
    # serves the condition rather than walking the kana index in order.
    return (
        select(*SUMMARY_COLUMNS)
        .where(Resident.municipality_code == code, condition)
        .order_by(Resident.kana_key + "", Resident.atena_no)
        .limit(limit)
    )


def search(session: Session, code: str, q: Query, limit: int) -> list[SummaryRow]:
    """Residents of municipality ``code`` matching the classified query (at most ``limit``)."""
    if not q.searchable:
        return []
    cond: ColumnElement[bool] | None = None
    if q.kind is QueryKind.ATENA_NO:
        cond = Resident.atena_no == q.atena_no
    elif q.kind is QueryKind.BIRTH_DATE and q.birth is not None:
        cond = _birth_condition(q.birth)
    elif q.kind is QueryKind.KANA and q.kana_key:
        return _union_search(session, code, [(_prefix(Resident.kana_key, q.kana_key), True),
                                             (_prefix(Resident.given_kana_key, q.kana_key), False)], limit)
    elif q.kind is QueryKind.NAME and q.name_key:
        alternatives = [(_prefix(Resident.name_key, q.name_key), False),
                        (_prefix(Resident.alias_key, q.name_key), False)]  # 通称, folded like the name
        if is_latin_name(q.name_key):  # an alphabet name is also found by its given name
            alternatives.append((_latin_contains(q.name_key), False))
        return _union_search(session, code, alternatives, limit)
    elif q.kind is QueryKind.ADDRESS and q.address_key:
        return _address_search(session, code, q.address_key, limit)
    if cond is None:
        return []
    return list(session.execute(_base(code, cond, limit)).all())


def _union_search(session: Session, code: str, alternatives: list[tuple[ColumnElement[bool], bool]], limit: int
                  ) -> list[SummaryRow]:
    """The first ``limit`` residents matching any of the alternatives, in (kana key, 宛名番号) order.

    As one ``OR`` the planner collects every match of both indexes and sorts them before the
    LIMIT (a common family name is a quarter of the seeded city: hundreds of milliseconds). Each
    alternative alone is read from its own index and stops at the limit; the UNION of those
    limited reads is ordered and limited again — the form the replica uses
    (client/replica/search.py), with the same results. ``in_kana_order``: the condition is a range
    of the kana index itself, read in its order; the others order by an expression so that the
    planner uses their own index rather than walking the kana index.
    """
    parts = []
    for cond, in_kana_order in alternatives:
        order_key = Resident.kana_key if in_kana_order else Resident.kana_key + ""
        sub = (select(Resident.kana_key.label("k"), Resident.atena_no.label("a"))
               .where(Resident.municipality_code == code, cond)
               .order_by(order_key, Resident.atena_no).limit(limit).subquery())
        parts.append(select(sub.c.k, sub.c.a))
    merged = union(*parts).subquery()
    keys = [a for (a,) in session.execute(select(merged.c.a).order_by(merged.c.k, merged.c.a).limit(limit))]
    if not keys:
        return []
    rows = {r.atena_no: r for r in session.execute(
        select(*SUMMARY_COLUMNS).where(Resident.municipality_code == code, Resident.atena_no.in_(keys)))}
    return [rows[a] for a in keys if a in rows]


def _address_search(session: Session, code: str, key: str, limit: int) -> list[SummaryRow]:
    muni = session.get(Municipality, code)
    prefixes = [key]
    if muni is not None:
        full = address_search_key(muni.prefecture + muni.name)
        local = address_search_key(muni.name)
        if not key.startswith(full):
            prefixes.append(full + key.removeprefix(local) if key.startswith(local) else full + key)
    for p in prefixes:
        rows = list(session.execute(_base(code, _prefix(Resident.address_key, p), limit)).all())
        if rows:
            return rows
    contains = Resident.address_key.like("%" + _like_escape(key) + "%", escape="\\")
    return list(session.execute(_base(code, contains, limit)).all())
