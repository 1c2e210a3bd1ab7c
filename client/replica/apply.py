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
from client.remote.wire import canonical_json
from client.replica.schema import KIND_TABLES

NEVER_REPLICATED = ("my_number", "juminhyo_code")


class BadRecordError(ValueError):
    """A record from the server lacks a field the replica needs."""


@functools.lru_cache(maxsize=65536)
def _address_key(address: str) -> str:
    return address_search_key(address)


@functools.lru_cache(maxsize=65536)
def _name_key(name: str) -> str:
    return name_search_key(name)


def resident_row(key: str, data: dict[str, Any]) -> tuple[Any, ...]:
    """The residents row: search keys built by the same domain functions the server uses."""
    for field in NEVER_REPLICATED:
        data[field] = None
    keys = name_search_keys(str(data.get("kana", "")))
    alias = str(data.get("alias") or "")
    return (
        key,
        str(data["household_no"]),
        str(data.get("status", "resident")),
        keys[0] if keys else "",
        keys[1] if len(keys) > 1 else "",
        _name_key(str(data.get("name", ""))),
        alias,  # matched raw, as the server does
        _address_key(str(data.get("address", ""))),
        str(data.get("birth", "????-??-??")),
        canonical_json(data),
    )


_UPSERT_SQL = {
    "residents": "INSERT OR REPLACE INTO residents (key, household_no, status, kana_key, given_kana_key, "
    "name_key, alias_key, address_key, birth, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "seals": "INSERT OR REPLACE INTO seals (key, atena_no, card_no, active, data) VALUES (?, ?, ?, ?, ?)",
    "tax": "INSERT OR REPLACE INTO tax (key, atena_no, tax_year, data) VALUES (?, ?, ?, ?)",
    "suppressions": "INSERT OR REPLACE INTO suppressions (key, atena_no, household_no, data) VALUES (?, ?, ?, ?)",
}


def _row(table: str, key: str, data: dict[str, Any]) -> tuple[Any, ...]:
    if table == "residents":
        return resident_row(key, data)
    text = canonical_json(data)
    if table == "seals":
        return (key, str(data["atena_no"]), str(data.get("card_no", "")), 1 if data.get("active", True) else 0, text)
    if table == "tax":
        return (key, str(data["atena_no"]), int(data["tax_year"]), text)
    if table == "suppressions":
        return (key, data.get("atena_no"), data.get("household_no"), text)
    return (key, text)


def _dedupe(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    last: dict[tuple[str, str], dict[str, Any]] = {}
    for rec in records:
        last.pop((rec["kind"], rec["key"]), None)
        last[(rec["kind"], rec["key"])] = rec
    return list(last.values())


def apply_records(conn: Connection, records: Sequence[dict[str, Any]]) -> int:
    """Apply a page of records; returns how many were applied."""
    upserts: dict[str, list[tuple[Any, ...]]] = {}
    deletes: dict[str, list[str]] = {}
    other_upserts: list[tuple[str, str, str]] = []
    other_deletes: list[tuple[str, str]] = []
    measure_persons: list[tuple[str, str, str]] = []
    measure_keys: list[str] = []
    for rec in _dedupe(records):
        try:
            kind, key, op = str(rec["kind"]), str(rec["key"]), str(rec["op"])
        except KeyError as exc:
            raise BadRecordError(f"record without {exc}") from exc
        table = KIND_TABLES.get(kind)
        if op == "delete":
            if table is None:
                other_deletes.append((kind, key))
            else:
                deletes.setdefault(table, []).append(key)
                if table == "support_measures":
                    measure_keys.append(key)
            continue
        if op != "upsert" or not isinstance(rec.get("data"), dict):
            raise BadRecordError(f"bad record op/data for {kind} {key}")
        data = dict(rec["data"])
        if table is None:
            other_upserts.append((kind, key, canonical_json(data)))
            continue
        try:
            upserts.setdefault(table, []).append(_row(table, key, data))
        except (KeyError, TypeError, ValueError) as exc:
            raise BadRecordError(f"{kind} {key}: {exc!r}") from exc
        if table == "support_measures":
            measure_keys.append(key)
            for atena in data.get("protected_atena_nos", ()):
                measure_persons.append((key, str(atena), "protected"))
            for atena in data.get("perpetrator_atena_nos", ()):
                measure_persons.append((key, str(atena), "perpetrator"))
    for table, keys in deletes.items():
        conn.exec_driver_sql(f"DELETE FROM {table} WHERE key = ?", [(k,) for k in keys])
    if measure_keys:
        conn.exec_driver_sql("DELETE FROM support_measure_persons WHERE measure_id = ?", [(k,) for k in measure_keys])
    for table, rows in upserts.items():
        sql = _UPSERT_SQL.get(table, f"INSERT OR REPLACE INTO {table} (key, data) VALUES (?, ?)")
        conn.exec_driver_sql(sql, rows)
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
        raise BadRecordError("stored record is not an object")
    return value
