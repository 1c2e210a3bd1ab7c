"""Server-side resident search: kana (prefix on the normalised key, full or given name), kanji
name (prefix), birth date (和暦 or 西暦, partly unknown allowed), address (contains) and 宛名番号.

The query is classified by ``client.domain.search_query.classify_query`` when that module is
available, else by the local rules in :func:`classify` (same categories).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Select, or_, select

from client.domain.checkdigits import is_valid_atena_no
from client.domain.kana import is_kana_text, normalize_for_search
from client.domain.partial_date import PartialDate, PartialDateError
from client.domain.wareki import parse_date
from server_stub.models import Resident

_ADDRESS_HINT = re.compile(r"[都道府県市区町村丁目番地号]|[0-9０-９]+[-－ー][0-9０-９]")


@dataclass(frozen=True)
class Query:
    kind: str  # atena | birth | kana | name | address | empty
    text: str
    birth: PartialDate | None = None


def classify(q: str) -> Query:
    text = q.strip().replace("\u3000", " ")
    if not text:
        return Query("empty", "")
    compact = text.replace(" ", "")
    if compact.isascii() and compact.isdigit() and len(compact) >= 6 and is_valid_atena_no(compact):
        return Query("atena", compact)
    try:
        birth = parse_date(text)
        if birth.year is not None or birth.month is not None:
            return Query("birth", text, birth)
    except (PartialDateError, ValueError):
        pass
    if is_kana_text(text):
        return Query("kana", normalize_for_search(text))
    if _ADDRESS_HINT.search(text):
        return Query("address", compact)
    return Query("name", compact)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _birth_pattern(pd: PartialDate) -> str:
    """A LIKE pattern on the stored PartialDate text: known parts fixed, unknown parts free."""
    y = f"{pd.year:04d}" if pd.year is not None else "____"
    m = f"{pd.month:02d}" if pd.month is not None else "__"
    d = f"{pd.day:02d}" if pd.day is not None else "__"
    return f"%{y}-{m}-{d}"


def search_statement(code: str, q: Query, limit: int) -> Select[tuple[Resident]]:
    stmt = select(Resident).where(Resident.municipality_code == code)
    if q.kind == "atena":
        stmt = stmt.where(Resident.atena_no == q.text)
    elif q.kind == "birth" and q.birth is not None:
        if q.birth.is_complete:
            stmt = stmt.where(Resident.birth == q.birth.to_str())
        else:
            stmt = stmt.where(Resident.birth.like(_birth_pattern(q.birth)))
    elif q.kind == "kana":
        pat = _like_escape(q.text) + "%"
        stmt = stmt.where(or_(Resident.kana_key.like(pat, escape="\\"), Resident.given_kana_key.like(pat, escape="\\")))
    elif q.kind == "name":
        pat = _like_escape(q.text) + "%"
        stmt = stmt.where(or_(Resident.name_key.like(pat, escape="\\"), Resident.alias.like(pat, escape="\\")))
    elif q.kind == "address":
        stmt = stmt.where(Resident.address.like("%" + _like_escape(q.text) + "%", escape="\\"))
    else:
        stmt = stmt.where(Resident.id.is_(None))
    return stmt.order_by(Resident.kana_key, Resident.atena_no).limit(limit)
