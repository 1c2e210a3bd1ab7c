"""Server-side resident search, classified by ``client.domain.search_query.classify_query``:
kana (prefix on the normalised full-name or given-name key), kanji name (prefix on the name key),
birth date (和暦 or 西暦, partly unknown allowed), address (contains on the address key) and
宛名番号 (exact). The stored keys are built with the same domain functions (see the seed and the
models), so the server and the replica find the same residents.
"""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from client.domain.partial_date import PartialDate
from client.domain.search_query import Query, QueryKind, classify_query
from server_stub.models import Resident

__all__ = ["Query", "classify", "search_statement"]


def classify(q: str, municipality_name: str = "") -> Query:
    return classify_query(q, municipality_name=municipality_name)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _birth_pattern(pd: PartialDate) -> str:
    """A LIKE pattern on the stored PartialDate text: known parts fixed, unknown parts free."""
    y = f"{pd.year:04d}" if pd.year is not None else "____"
    m = f"{pd.month:02d}" if pd.month is not None else "__"
    d = f"{pd.day:02d}" if pd.day is not None else "__"
    return f"%{y}-{m}-{d}"


def search_statement(code: str, q: Query, limit: int) -> Select[Resident]:  # type: ignore[type-var]
    stmt = select(Resident).where(Resident.municipality_code == code)
    if not q.searchable:
        return stmt.where(Resident.id.is_(None)).limit(0)
    if q.kind is QueryKind.ATENA_NO:
        stmt = stmt.where(Resident.atena_no == q.atena_no)
    elif q.kind is QueryKind.BIRTH_DATE and q.birth is not None:
        if q.birth.is_complete:
            stmt = stmt.where(Resident.birth == q.birth.to_str())
        else:
            stmt = stmt.where(Resident.birth.like(_birth_pattern(q.birth)))
    elif q.kind is QueryKind.KANA and q.kana_key:
        pat = _like_escape(q.kana_key) + "%"
        stmt = stmt.where(or_(Resident.kana_key.like(pat, escape="\\"), Resident.given_kana_key.like(pat, escape="\\")))
    elif q.kind is QueryKind.NAME and q.name_key:
        pat = _like_escape(q.name_key) + "%"
        stmt = stmt.where(or_(Resident.name_key.like(pat, escape="\\"),
                              Resident.alias.like(_like_escape(q.text) + "%", escape="\\")))
    elif q.kind is QueryKind.ADDRESS and q.address_key:
        stmt = stmt.where(Resident.address_key.like("%" + _like_escape(q.address_key) + "%", escape="\\"))
    else:
        stmt = stmt.where(Resident.id.is_(None))
    return stmt.order_by(Resident.kana_key, Resident.atena_no).limit(limit)
