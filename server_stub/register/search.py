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

from functools import cache
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, bindparam, or_, select, union
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


def _birth_condition(pd: PartialDate) -> ColumnElement[bool]:
    col = _r.c.birth
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
# search's CPU). Table columns (Core), not ORM attributes: a Core select skips the ORM's compile
# and result machinery.
_r = cast(Table, Resident.__table__)
SUMMARY_COLUMNS = (_r.c.atena_no, _r.c.household_no, _r.c.name, _r.c.kana, _r.c.birth,
                   _r.c.sex, _r.c.address, _r.c.status, _r.c.is_foreign, _r.c.alias)
SummaryRow = Any  # a Row with the SUMMARY_COLUMNS as attributes


def _base(code: str, condition: ColumnElement[bool], limit: int) -> Any:
    # Order by an expression (not the bare column) so that the planner picks the index that
    # serves the condition rather than walking the kana index in order.
    return (
        select(*SUMMARY_COLUMNS)
        .where(_r.c.municipality_code == code, condition)
        .order_by(_r.c.kana_key + "", _r.c.atena_no)
        .limit(limit)
    )


def search(session: Session, code: str, q: Query, limit: int) -> list[SummaryRow]:
    """Residents of municipality ``code`` matching the classified query (at most ``limit``)."""
    if not q.searchable:
        return []
    cond: ColumnElement[bool] | None = None
    if q.kind is QueryKind.ATENA_NO:
        cond = _r.c.atena_no == q.atena_no
    elif q.kind is QueryKind.BIRTH_DATE and q.birth is not None:
        cond = _birth_condition(q.birth)
    elif q.kind is QueryKind.KANA and q.kana_key:
        return _union_search(session, _union_statement("kana"), {"code": code, "lo": q.kana_key,
                                                                 "hi": q.kana_key + _TOP, "limit": limit})
    elif q.kind is QueryKind.NAME and q.name_key:
        # 通称 folded like the name; an alphabet name is also found by its given name (Latin range)
        params = {"code": code, "lo": q.name_key, "hi": q.name_key + _TOP, "limit": limit}
        if is_latin_name(q.name_key):
            return _union_search(session, _union_statement("latin_name"),
                                 {**params, "pattern": "%" + _like_escape(q.name_key) + "%"})
        return _union_search(session, _union_statement("name"), params)
    elif q.kind is QueryKind.ADDRESS and q.address_key:
        return _address_search(session, code, q.address_key, limit)
    if cond is None:
        return []
    return list(session.execute(_base(code, cond, limit)).all())


@cache
def _union_statement(shape: str) -> Any:
    """The key query of a kana or name search, built once per shape (bound parameters ``code``,
    ``lo``/``hi`` (the prefix range), ``limit`` and, for an alphabet name, ``pattern``).

    As one ``OR`` the planner collects every match of both indexes and sorts them before the
    LIMIT (a common family name is a quarter of the seeded city: hundreds of milliseconds). Each
    alternative alone is read from its own index and stops at the limit; the UNION of those
    limited reads is ordered and limited again — the form the replica uses
    (client/replica/search.py), with the same results. ``in_kana_order``: the condition is a range
    of the kana index itself, read in its order; the others order by an expression so that the
    planner uses their own index rather than walking the kana index.
    """
    lo: Any = bindparam("lo")
    hi: Any = bindparam("hi")
    alternatives: list[tuple[ColumnElement[bool], bool]]
    if shape == "kana":
        alternatives = [(and_(_r.c.kana_key >= lo, _r.c.kana_key < hi), True),
                        (and_(_r.c.given_kana_key >= lo, _r.c.given_kana_key < hi), False)]
    else:
        alternatives = [(and_(_r.c.name_key >= lo, _r.c.name_key < hi), False),
                        (and_(_r.c.alias_key >= lo, _r.c.alias_key < hi), False)]
        if shape == "latin_name":
            # only the Latin range of the name index (issue 16): a few thousand keys, not the city
            alternatives.append((and_(_r.c.name_key >= LATIN_FIRST, _r.c.name_key < LATIN_END,
                                      _r.c.name_key.like(bindparam("pattern"), escape="\\")), False))
    limit: Any = bindparam("limit")
    parts = []
    for cond, in_kana_order in alternatives:
        order_key = _r.c.kana_key if in_kana_order else _r.c.kana_key + ""
        sub = (select(_r.c.kana_key.label("k"), _r.c.atena_no.label("a"))
               .where(_r.c.municipality_code == bindparam("code"), cond)
               .order_by(order_key, _r.c.atena_no).limit(limit).subquery())
        parts.append(select(sub.c.k, sub.c.a))
    merged = union(*parts).subquery()
    keys = select(merged.c.k, merged.c.a).order_by(merged.c.k, merged.c.a).limit(limit).subquery()
    # the limited keys joined back to their rows (by the unique (municipality_code, atena_no)) in
    # the same statement: one round trip, no list of keys bound per search
    return (select(*SUMMARY_COLUMNS)
            .join_from(keys, _r, and_(_r.c.municipality_code == bindparam("code"), _r.c.atena_no == keys.c.a))
            .order_by(keys.c.k, keys.c.a))


def _union_search(session: Session, statement: Any, params: dict[str, Any]) -> list[SummaryRow]:
    """The first ``limit`` residents matching any of the statement's alternatives, in (kana key,
    宛名番号) order (see ``_union_statement``)."""
    return list(session.execute(statement, params).all())


_m = cast(Table, Municipality.__table__)
_MUNI_NAMES = select(_m.c.prefecture, _m.c.name).where(_m.c.code == bindparam("code"))


def _address_search(session: Session, code: str, key: str, limit: int) -> list[SummaryRow]:
    muni = session.execute(_MUNI_NAMES, {"code": code}).first()
    prefixes = [key]
    if muni is not None:
        full = address_search_key(muni.prefecture + muni.name)
        local = address_search_key(muni.name)
        if not key.startswith(full):
            prefixes.append(full + key.removeprefix(local) if key.startswith(local) else full + key)
    for p in prefixes:
        rows = list(session.execute(_base(code, _prefix(_r.c.address_key, p), limit)).all())
        if rows:
            return rows
    contains = _r.c.address_key.like("%" + _like_escape(key) + "%", escape="\\")
    return list(session.execute(_base(code, contains, limit)).all())
