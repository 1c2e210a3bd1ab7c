"""Applying replica records (snapshot pages and change pages) inside the caller's transaction.

Idempotent: an upsert replaces the row, a delete of a missing row does nothing, so a page applied
twice (after a kill between apply and commit of the cursor — impossible, they share the
transaction — or a replayed change feed after a snapshot) leaves the same state.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection

from client.domain.kana import name_search_keys
from client.domain.search_query import address_search_key, name_search_key
from client.local.keystore import LocalDataError
from client.remote.wire import canonical_json
from client.replica.schema import KIND_TABLES

NEVER_REPLICATED = ("my_number", "juminhyo_code")


class BadRecordError(LocalDataError):
    """A record from the server is malformed or carries what must never be replicated."""

    default_ja = "データセンターから受け取ったデータに不備があるため、適用しませんでした(複製は変更していません)。"


@functools.lru_cache(maxsize=65536)
def _address_key(address: str) -> str:
    return address_search_key(address)


@functools.lru_cache(maxsize=65536)
def _name_key(name: str) -> str:
    return name_search_key(name)


_NULLS = ('"my_number":null', '"juminhyo_code":null')


def scrub_text(text: str) -> str:
    """The resident's data text with 個人番号 and 住民票コード forced to null (never stored)."""
    if _NULLS[0] in text and _NULLS[1] in text:
        return text
    data = loads(text)
    for field in NEVER_REPLICATED:
        data[field] = None
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def resident_index(data: dict[str, Any]) -> list[Any]:
    """The index columns computed locally (when the server did not send them)."""
    keys = name_search_keys(str(data.get("kana", "")))
    return [
        str(data["household_no"]),
        str(data.get("status", "resident")),
        keys[0] if keys else "",
        keys[1] if len(keys) > 1 else "",
        _name_key(str(data.get("name", ""))),
        _name_key(str(data.get("alias") or "")),  # 通称, keyed like the name (as the server does)
        _address_key(str(data.get("address", ""))),
        str(data.get("birth", "????-??-??")),
    ]


_UPSERT_SQL = {
    "residents": "INSERT OR REPLACE INTO residents (key, data) VALUES (?, ?)",
    "resident_keys": "INSERT OR REPLACE INTO resident_keys (key, household_no, status, kana_key, given_kana_key, "
    "name_key, alias_key, address_key, birth) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "seals": "INSERT OR REPLACE INTO seals (key, atena_no, card_no, active, data) VALUES (?, ?, ?, ?, ?)",
    "tax": "INSERT OR REPLACE INTO tax (key, atena_no, tax_year, data) VALUES (?, ?, ?, ?)",
    "suppressions": "INSERT OR REPLACE INTO suppressions (key, atena_no, household_no, data) VALUES (?, ?, ?, ?)",
}


def _text_of(rec: dict[str, Any]) -> str:
    data = rec.get("data")
    if isinstance(data, str):
        return data
    if isinstance(data, dict):
        return canonical_json(data)
    raise BadRecordError(message_en=f"bad data for {rec.get('kind')} {rec.get('key')}")


def _row(table: str, key: str, text: str, index: Any) -> tuple[Any, ...]:
    if table == "residents":
        text = scrub_text(text)
        idx = index if isinstance(index, list) and len(index) == 8 else resident_index(loads(text))
        return (key, *[str(v) for v in idx], text)
    if table == "seals":
        if not (isinstance(index, list) and len(index) == 3):
            d = loads(text)
            index = [d["atena_no"], d.get("card_no", ""), 1 if d.get("active", True) else 0]
        return (key, str(index[0]), str(index[1]), 1 if index[2] else 0, text)
    if table == "tax":
        if not (isinstance(index, list) and len(index) == 2):
            d = loads(text)
            index = [d["atena_no"], d["tax_year"]]
        return (key, str(index[0]), int(index[1]), text)
    if table == "suppressions":
        if not (isinstance(index, list) and len(index) == 2):
            d = loads(text)
            index = [d.get("atena_no"), d.get("household_no")]
        return (key, index[0], index[1], text)
    return (key, text)


def _dedupe(records: Iterable[Any]) -> list[Any]:
    last: dict[tuple[str, str], Any] = {}
    for rec in records:
        ident = (rec[0], rec[1]) if type(rec) is tuple else (rec["kind"], rec["key"])
        last.pop(ident, None)
        last[ident] = rec
    return list(last.values())


def apply_records(conn: Connection, records: Sequence[Any], *, unique: bool = False) -> int:
    """Apply a page of records (dicts ``{kind, key, op, data, index?}`` or ``wire.RecordTuple``s);
    returns how many were applied.

    ``unique``: the page holds each (kind, key) once (snapshot pages), so no de-duplication pass.
    """
    upserts: dict[str, list[tuple[Any, ...]]] = {}
    deletes: dict[str, list[str]] = {}
    other_upserts: list[tuple[str, str, str]] = []
    other_deletes: list[tuple[str, str]] = []
    measure_persons: list[tuple[str, str, str]] = []
    measure_keys: list[str] = []
    for rec in records if unique else _dedupe(records):
        if type(rec) is tuple:  # wire.RecordTuple from a line-format page
            kind, key, op, index, text_or_none = rec
        else:
            try:
                kind, key, op = str(rec["kind"]), str(rec["key"]), str(rec["op"])
            except KeyError as exc:
                raise BadRecordError(message_en=f"record without {exc}") from exc
            index, text_or_none = rec.get("index"), None
        table = KIND_TABLES.get(kind)
        if op == "delete":
            if table is None:
                other_deletes.append((kind, key))
            else:
                deletes.setdefault(table, []).append(key)
                if table == "support_measures":
                    measure_keys.append(key)
            continue
        if op != "upsert":
            raise BadRecordError(message_en=f"bad record op {op!r} for {kind} {key}")
        if type(rec) is tuple:
            if not isinstance(text_or_none, str):
                raise BadRecordError(message_en=f"bad data for {kind} {key}")
            text = text_or_none
        else:
            text = _text_of(rec)
        if table is None:
            other_upserts.append((kind, key, text))
            continue
        try:
            upserts.setdefault(table, []).append(_row(table, key, text, index))
        except (KeyError, TypeError, ValueError) as exc:
            raise BadRecordError(message_en=f"{kind} {key}: {exc!r}") from exc
        if table == "support_measures":
            data = loads(text)
            measure_keys.append(key)
            for atena in data.get("protected_atena_nos", ()):
                measure_persons.append((key, str(atena), "protected"))
            for atena in data.get("perpetrator_atena_nos", ()):
                measure_persons.append((key, str(atena), "perpetrator"))
    for table, keys in deletes.items():
        conn.exec_driver_sql(f"DELETE FROM {table} WHERE key = ?", [(k,) for k in keys])
        if table == "residents":
            conn.exec_driver_sql("DELETE FROM resident_keys WHERE key = ?", [(k,) for k in keys])
    if measure_keys:
        conn.exec_driver_sql("DELETE FROM support_measure_persons WHERE measure_id = ?", [(k,) for k in measure_keys])
    for table, rows in upserts.items():
        if table == "residents":  # (key, 8 index columns, data): split over the two tables
            conn.exec_driver_sql(_UPSERT_SQL["resident_keys"], [row[:9] for row in rows])
            rows = [(row[0], row[9]) for row in rows]
        sql = _UPSERT_SQL.get(table, f"INSERT OR REPLACE INTO {table} (key, data) VALUES (?, ?)")
        conn.exec_driver_sql(sql, rows)
        if table == "residents" and not unique:  # snapshot pages: the address index is built at the end
            conn.exec_driver_sql("INSERT OR IGNORE INTO address_keys (key) VALUES (?)",
                                 [(row[7],) for row in upserts[table] if row[7]])
    if measure_persons:
        conn.exec_driver_sql(
            "INSERT OR IGNORE INTO support_measure_persons (measure_id, atena_no, role) VALUES (?, ?, ?)",
            measure_persons,
        )
    if other_deletes:
        conn.exec_driver_sql("DELETE FROM other_records WHERE kind = ? AND key = ?", other_deletes)
    if other_upserts:
        conn.exec_driver_sql("INSERT OR REPLACE INTO other_records (kind, key, data) VALUES (?, ?, ?)", other_upserts)
    return len(records)


def loads(text: str) -> dict[str, Any]:
    value = json.loads(text)
    if not isinstance(value, dict):
        raise BadRecordError(message_en="stored record is not an object")
    return value
