"""Resident search on the replica, with the same query rules as the server.

The query is classified by ``client.domain.search_query.classify_query`` and matched against
keys built by the same domain functions the server uses (``kana.name_search_keys``,
``search_query.name_search_key``, ``search_query.address_search_key``):

* 宛名番号: exact; birth date: exact, or the known parts of a partly unknown date;
* kana: prefix on the full-name key or the given-name key;
* name: prefix on the name key (or the 通称 as typed); an alphabet name also by its given name,
  looked for inside the range of Latin name keys (``A`` ≤ key < ``[``) of the name index;
* address: the address key contains the query key.

Results are ordered by kana key then 宛名番号, like the server. Index range scans (``key >= q AND
key < q || U+10FFFF``) instead of LIKE keep kana and name searches on the indexes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from client.domain.model import Resident
from client.domain.partial_date import PartialDate
from client.domain.search_query import Query, QueryKind, classify_query, is_latin_name
from client.replica.apply import loads
from client.replica.store import ReplicaStore

_MAX = "\U0010ffff"


class SearchInputError(ValueError):
    """The input cannot be searched as typed (e.g. a wrong check digit); message in Japanese."""

    def __init__(self, message_ja: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_ja = message_ja
        self.message_en = message_en


@dataclass(frozen=True)
class ReplicaHit:
    resident: Resident
    protected: bool  # 支援措置 protects this person: details must not be shown or issued in BCP


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _birth_pattern(pd: PartialDate) -> str:
    y = f"{pd.year:04d}" if pd.year is not None else "____"
    m = f"{pd.month:02d}" if pd.month is not None else "__"
    d = f"{pd.day:02d}" if pd.day is not None else "__"
    return f"%{y}-{m}-{d}%"  # a trailing era letter may follow (2019-??-??/H)


def _where(q: Query) -> tuple[str, tuple[object, ...]]:
    """The single condition of a query (kana and name queries: ``_alternatives``)."""
    if q.kind is QueryKind.ATENA_NO:
        return "key = ?", (q.atena_no,)
    if q.kind is QueryKind.BIRTH_DATE and q.birth is not None:
        if q.birth.is_complete:
            return "birth = ?", (q.birth.to_str(),)
        pattern = _birth_pattern(q.birth)
        if q.birth.year is not None:  # index ranges on the year (plain and 頃), then the pattern
            y = f"{q.birth.year:04d}"
            return ("((birth >= ? AND birth < ?) OR (birth >= ? AND birth < ?)) AND birth LIKE ? ESCAPE '\\'",
                    (y + "-", y + ".", "~" + y + "-", "~" + y + ".", pattern))
        return "birth LIKE ? ESCAPE '\\'", (pattern,)
    if q.kind is QueryKind.ADDRESS:
        key = q.address_key
        if len(key) >= 3 and not any(c in key for c in "%_\\"):
            # the trigram index finds the distinct addresses containing the key (no ESCAPE: FTS5
            # uses its index only for a plain two-argument LIKE)
            return "address_key IN (SELECT address_key FROM address_index WHERE address_key LIKE ?)", (f"%{key}%",)
        return "address_key LIKE ? ESCAPE '\\'", ("%" + _like_escape(key) + "%",)
    return "0", ()


def _alternatives(q: Query) -> list[tuple[str, tuple[object, ...]]] | None:
    """The OR of a kana or name query as separate index ranges (None: one condition).

    A common family name matches a quarter of a city: as one OR condition SQLite collects every
    match from both indexes and sorts them before the LIMIT (1.6 s for サトウ in the 400,000
    city). Each range alone is read in index order and stops at the limit.
    """
    if q.kind is QueryKind.KANA:
        k = q.kana_key
        return [("kana_key >= ? AND kana_key < ?", (k, k + _MAX)),
                ("given_kana_key >= ? AND given_kana_key < ?", (k, k + _MAX))]
    if q.kind is QueryKind.NAME:
        k = q.name_key
        out: list[tuple[str, tuple[object, ...]]] = [
            ("name_key >= ? AND name_key < ?", (k, k + _MAX)),
            ("alias_key >= ? AND alias_key < ? AND alias_key != ''", (k, k + _MAX)),
        ]
        if is_latin_name(k):  # an alphabet name is also found by its given name: inside the Latin
            # range of the name index (A ≤ key < "[", as the server), not a scan of every resident
            out.append(("name_key >= ? AND name_key < ? AND instr(name_key, ?) > 0", ("A", "[", k)))
        return out
    return None


def _match_sql(q: Query, limit: int) -> tuple[str, tuple[object, ...]]:
    """SQL for the keys of the first ``limit`` matches, ordered by kana key then 宛名番号."""
    parts = _alternatives(q)
    if parts is None:
        where, params = _where(q)
        return f"SELECT key FROM resident_keys WHERE {where} ORDER BY kana_key, key LIMIT ?", (*params, limit)
    selects: list[str] = []
    values: list[object] = []
    for where, params in parts:
        selects.append(f"SELECT * FROM (SELECT kana_key, key FROM resident_keys WHERE {where} "
                       "ORDER BY kana_key, key LIMIT ?)")
        values.extend((*params, limit))
    return (f"SELECT key FROM ({' UNION '.join(selects)}) ORDER BY kana_key, key LIMIT ?", (*values, limit))


class ReplicaSearch:
    """Search one municipality's replica."""

    def __init__(self, store: ReplicaStore, municipality_name: str = "") -> None:
        self.store = store
        self.municipality_name = municipality_name

    def classify(self, text: str) -> Query:
        if not self.municipality_name:
            with self.store.read() as conn:
                row = conn.exec_driver_sql("SELECT data FROM municipality WHERE key = ?", (self.store.code,)).fetchone()
            self.municipality_name = str(loads(row[0]).get("name", "")) if row else ""
        return classify_query(text, municipality_name=self.municipality_name)

    def search(self, text: str, limit: int = 50) -> list[ReplicaHit]:
        q = self.classify(text)
        if q.error:
            raise SearchInputError(q.error, f"query not searchable: {q.text!r}")
        if not q.searchable:
            return []
        with self.store.read() as conn:
            return self._run(conn, q, limit)

    @staticmethod
    def _run(conn: Connection, q: Query, limit: int) -> list[ReplicaHit]:
        # 1. match, order and limit on the covering indexes only
        sql, params = _match_sql(q, int(limit))
        keys = [k for (k,) in conn.exec_driver_sql(sql, params)]
        if not keys:
            return []
        # 2. read just those rows, and whether a 支援措置 protects them
        marks = ",".join("?" * len(keys))
        rows: dict[str, str] = dict(conn.exec_driver_sql(f"SELECT key, data FROM residents WHERE key IN ({marks})", tuple(keys)).fetchall())
        protected = {a for (a,) in conn.exec_driver_sql(
            f"SELECT DISTINCT atena_no FROM support_measure_persons WHERE role = 'protected' AND atena_no IN ({marks})",
            tuple(keys))}
        return [ReplicaHit(Resident.from_dict(loads(rows[k])), k in protected) for k in keys if k in rows]
