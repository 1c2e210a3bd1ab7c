"""Replica records: what the snapshot and the change feed send for each kind of row.

A record is ``(kind, key, op, index, data)`` (``Rec``): ``data`` is the domain dict
(``Resident.to_dict()`` etc.; 個人番号 and 住民票コード always None) as compact UTF-8 JSON — the
client stores that text verbatim and both sides compute checksums over it — and ``index`` the
columns the client indexes, computed here with the same client.domain key functions the server's
own search uses (see server_stub/replica/api.py for the endpoints and the page formats).
The bulk of a 400,000-resident snapshot is residents and tax summaries: their rows are read
straight from the DB-API cursor by position, and tax text is formatted directly.
"""

from __future__ import annotations

import base64
import collections
import functools
import hashlib
import json
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import Table, select, tuple_
from sqlalchemy.orm import Session

from server_stub.models import (
    Deputy,
    FormParameter,
    Household,
    Municipality,
    Resident,
    SealRegistration,
    Staff,
    SupportMeasure,
    SupportMeasurePerson,
    Suppression,
    TaxSummary,
)
from server_stub.tenants.form_params import replica_data as form_parameter_data


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def record_digest(key: str, text: str) -> int:
    """SHA-256(key, data text) as an integer; a kind's digest is the sum mod 2**256 (order-free)."""
    return int.from_bytes(hashlib.sha256((key + "\n" + text).encode()).digest(), "big")


def _iso(v: date | datetime | str | None) -> str | None:
    if v is None or isinstance(v, str):  # str: a DATE as stored by SQLite (see _columns)
        return v
    if isinstance(v, datetime) and v.tzinfo is None:
        v = v.replace(tzinfo=UTC)
    return v.isoformat()


def _b64(v: bytes | None) -> str:
    return base64.b64encode(v or b"").decode("ascii")


# ---------------------------------------------------------------------------------------------
# Row → record data (field names and encodings of client.domain.model … .to_dict())
# ---------------------------------------------------------------------------------------------


def household_data(r: Any) -> dict[str, Any]:
    return {
        "household_no": r.household_no,
        "head_atena_no": r.head_atena_no or "",
        "address": r.address or "",
        "katagaki": r.katagaki or "",
        "postal_code": r.postal_code or "",
    }


def seal_data(r: Any) -> dict[str, Any]:
    return {
        "registration_no": r.registration_no,
        "card_no": r.card_no,
        "atena_no": r.atena_no,
        "registered_on": _iso(r.registered_on),
        "active": r.status == "active",
        "seal_image_png": _b64(r.seal_image_png),
    }


def suppression_data(r: Any) -> dict[str, Any]:
    return {
        "suppression_id": r.suppression_id,
        "process": r.process,
        "level": r.level,
        "atena_no": r.atena_no,
        "household_no": r.household_no,
        "start": _iso(r.start),
        "end": _iso(r.end),
        "reason": r.reason or "",
        "released_until": _iso(r.released_until),
    }


def staff_data(r: Any) -> dict[str, Any]:
    """Offline sign-in needs the argon2id hash and the role; nothing else about the account."""
    return {
        "user_id": r.user_id,
        "name": r.name,
        "role": r.role,
        "password_hash": r.password_hash,
        "active": bool(r.active) and not bool(r.locked),
    }


def tax_key(atena_no: str, tax_year: int) -> str:
    return f"{atena_no}:{int(tax_year)}"


def parse_tax_key(key: str) -> tuple[str, int]:
    for sep in (":", "/", "|", "-", "_"):
        if sep in key:
            atena, _, year = key.rpartition(sep)
            if year.isdigit():
                return atena, int(year)
    raise ValueError(f"not a tax key: {key!r}")


# ---------------------------------------------------------------------------------------------
# Reading records by kind
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KindSpec:
    table: Table
    key_cols: tuple[str, ...]


def table_of(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


KIND_SPECS: dict[str, KindSpec] = {
    "municipality": KindSpec(table_of(Municipality), ("code",)),
    "staff": KindSpec(table_of(Staff), ("user_id",)),
    "household": KindSpec(table_of(Household), ("household_no",)),
    "resident": KindSpec(table_of(Resident), ("atena_no",)),
    "seal": KindSpec(table_of(SealRegistration), ("registration_no",)),
    "tax": KindSpec(table_of(TaxSummary), ("atena_no", "tax_year")),
    "support_measure": KindSpec(table_of(SupportMeasure), ("measure_id",)),
    "suppression": KindSpec(table_of(Suppression), ("suppression_id",)),
    "form_parameter": KindSpec(table_of(FormParameter), ("form_id",)),
}


def municipality_column(spec: KindSpec) -> Any:
    return spec.table.c.code if "code" in spec.key_cols else spec.table.c.municipality_code


def _key_of(kind: str, row: Any) -> str:
    if kind == "tax":
        return tax_key(row.atena_no, row.tax_year)
    return str(getattr(row, KIND_SPECS[kind].key_cols[0]))


def _key_values(kind: str, key: str) -> tuple[Any, ...]:
    if kind == "tax":
        return parse_tax_key(key)
    return (key,)


def _municipality_data(session: Session, row: Any) -> dict[str, Any]:
    deputies = session.execute(
        select(table_of(Deputy)).where(table_of(Deputy).c.municipality_code == row.code).order_by(table_of(Deputy).c.start)
    ).all()
    return {
        "code": row.code,
        "name": row.name,
        "prefecture": row.prefecture,
        "mayor_title": row.mayor_title,
        "mayor_name": row.mayor_name,
        "deputies": [
            {"title": d.title, "name": d.name, "start": _iso(d.start), "end": _iso(d.end)} for d in deputies
        ],
        "seal_image_png": _b64(row.seal_image_png),
        "fees": json.loads(row.fees_json or "{}"),
        "exemption_reasons": json.loads(row.exemption_reasons_json or "[]"),
        "bcp_policy": row.bcp_policy,
        "replica_max_age_hours": int(row.replica_max_age_hours),
        "print_sex_on_inkan": bool(row.print_sex_on_inkan),
    }


def _measure_data(rows: Sequence[Any], persons: Iterable[Any]) -> dict[str, dict[str, Any]]:
    by_measure: dict[str, dict[str, list[str]]] = {}
    for p in persons:
        by_measure.setdefault(p.measure_id, {}).setdefault(p.role, []).append(p.atena_no)
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        roles = by_measure.get(r.measure_id, {})
        out[r.measure_id] = {
            "measure_id": r.measure_id,
            "protected_atena_nos": sorted(roles.get("protected", [])),
            "perpetrator_names": list(json.loads(r.perpetrator_names_json or "[]")),
            "perpetrator_atena_nos": sorted(roles.get("perpetrator", [])),
            "perpetrator_births": list(json.loads(r.perpetrator_births_json or "[]")),
            "start": _iso(r.start),
            "end": _iso(r.end),
            "provisional": bool(r.provisional),
            "processes": [p for p in (r.processes or "").split(",") if p],
        }
    return out


def _index(kind: str, r: Any) -> list[Any] | None:
    """Columns the client indexes, as the server computed them (same client.domain functions)."""
    if kind == "resident":
        return [r.household_no, r.status, r.kana_key, r.given_kana_key or "", r.name_key, r.alias_key or "",
                r.address_key or "", r.birth]
    if kind == "seal":
        return [r.atena_no, r.card_no, 1 if r.status == "active" else 0]
    if kind == "tax":
        return [r.atena_no, int(r.tax_year)]
    if kind == "suppression":
        return [r.atena_no, r.household_no]
    return None


_DATA_BUILDERS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "household": household_data,
    "seal": seal_data,
    "suppression": suppression_data,
    "staff": staff_data,
    "form_parameter": form_parameter_data,
}


# A record as built: (kind, key, op, index or None, data as UTF-8 JSON bytes or None for a delete).
# The JSON page format turns it into ``{kind, key, op, data (text), index?}``; the line format
# (replica_wire) writes the bytes as they are.
Rec = tuple[str, str, str, list[Any] | None, bytes | None]


def rec_dict(rec: Rec) -> dict[str, Any]:
    kind, key, op, index, data = rec
    out: dict[str, Any] = {"kind": kind, "key": key, "op": op, "data": data.decode() if data is not None else None}
    if index is not None:
        out["index"] = index
    return out


def rows_to_records(session: Session, code: str, kind: str, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Records (op upsert) for rows of one kind: ``{kind, key, op, data (JSON text), index?}``."""
    return [rec_dict(r) for r in rows_to_recs(session, code, kind, rows)]


def rows_to_recs(session: Session, code: str, kind: str, rows: Sequence[Any]) -> list[Rec]:
    """Records (op upsert) for rows of one kind, as ``Rec`` tuples."""
    dumps = orjson.dumps
    if kind == "support_measure":
        ids = [r.measure_id for r in rows]
        smp = table_of(SupportMeasurePerson)
        persons = (
            session.execute(select(smp).where(smp.c.municipality_code == code, smp.c.measure_id.in_(ids))).all()
            if ids
            else []
        )
        datas = _measure_data(rows, persons)
        return [(kind, r.measure_id, "upsert", None, dumps(datas[r.measure_id])) for r in rows]
    if kind == "municipality":
        return [(kind, r.code, "upsert", None, dumps(_municipality_data(session, r))) for r in rows]
    if kind == "resident":
        return _resident_recs(rows)
    if kind == "tax":
        return _tax_recs(rows)
    build = _DATA_BUILDERS[kind]
    return [(kind, _key_of(kind, r), "upsert", _index(kind, r), dumps(build(r))) for r in rows]


_RESIDENT_FIELDS = (
    "atena_no", "household_no", "name", "kana", "birth", "sex", "relation", "is_head", "address", "katagaki",
    "postal_code", "honseki", "hittousha", "former_surname", "alias", "became_resident_on", "jutei_on",
    "notified_on", "previous_address", "status", "removed_on", "removal_reason", "is_foreign", "nationality",
    "residence_status", "residence_period_end", "kana_key", "given_kana_key", "name_key", "address_key",
    "foreign_category", "residence_period", "residence_card_no", "moved_to_address", "moved_out_notified_on",
    "alias_key",
)


def _resident_recs(rows: Sequence[Any]) -> list[Rec]:
    """Residents as ``Resident.to_dict()`` without 個人番号 and 住民票コード (never replicated);
    positional row access (this is the bulk of every snapshot)."""
    if not rows:
        return []
    names = _fields(rows)
    pick = operator.itemgetter(*[names.index(f) for f in _RESIDENT_FIELDS])
    dumps = orjson.dumps
    out: list[Rec] = []
    for row in rows:
        (atena, hh, name, kana, birth, sex, relation, is_head, address, katagaki, postal, honseki, hittousha,
         former, alias, became, jutei, notified, prev, status, removed, reason, foreign, nationality, rstatus,
         rend, kana_key, given_key, name_key, address_key, category, period, card_no, moved_to,
         moved_notified, alias_key) = pick(row)
        data = {
            "atena_no": atena, "household_no": hh, "name": name, "kana": kana, "birth": birth, "sex": sex,
            "relation": relation, "is_head": bool(is_head), "address": address, "katagaki": katagaki or "",
            "postal_code": postal or "", "honseki": honseki or "", "hittousha": hittousha or "",
            "former_surname": former or "", "alias": alias or "",
            "became_resident_on": _date_text(became),
            "jutei_on": _date_text(jutei),
            "notified_on": _date_text(notified),
            "previous_address": prev or "", "status": status,
            "removed_on": _date_text(removed),
            "removal_reason": reason or "", "my_number": None, "juminhyo_code": None,
            "is_foreign": bool(foreign), "nationality": nationality or "", "residence_status": rstatus or "",
            "residence_period_end": _date_text(rend),
            "foreign_category": category or "", "residence_period": period or "",
            "residence_card_no": card_no or "", "moved_to_address": moved_to or "",
            "moved_out_notified_on": _date_text(moved_notified),
        }
        out.append(("resident", atena, "upsert",
                    [hh, status, kana_key, given_key or "", name_key, alias_key or "", address_key or "", birth],
                    dumps(data)))
    return out


_TAX_FIELDS = ("atena_no", "tax_year", "resided_on_jan1", "total_income", "salary_income", "deductions",
               "taxable_income", "municipal_tax", "prefectural_tax", "dependents", "breakdown_json")
_TAX_TEMPLATE = (b'{"atena_no":"%s","tax_year":%d,"resided_on_jan1":%s,"total_income":%d,"salary_income":%d,'
                 b'"deductions":%d,"taxable_income":%d,"municipal_tax":%d,"prefectural_tax":%d,"dependents":%d,'
                 b'"breakdown":%s}')


def tax_data(atena: str, year: int, jan1: Any, total: Any, salary: Any, ded: Any, taxable: Any, muni: Any,
             pref: Any, dep: Any, breakdown_json: str | None = "{}") -> bytes:
    """``TaxSummary.to_dict()`` as compact JSON — byte for byte what orjson writes for that dict,
    formatted directly when the 宛名番号 needs no escaping (the largest kind: a city has 900,000)."""
    breakdown = orjson.dumps(json.loads(breakdown_json or "{}"))
    if atena.isascii() and atena.isalnum():
        return _TAX_TEMPLATE % (atena.encode(), year, b"true" if jan1 else b"false", int(total), int(salary),
                                int(ded), int(taxable), int(muni), int(pref), int(dep), breakdown)
    return orjson.dumps({"atena_no": atena, "tax_year": year, "resided_on_jan1": bool(jan1),
                         "total_income": int(total), "salary_income": int(salary), "deductions": int(ded),
                         "taxable_income": int(taxable), "municipal_tax": int(muni), "prefectural_tax": int(pref),
                         "dependents": int(dep), "breakdown": json.loads(breakdown_json or "{}")})


# The kinds whose builders read rows by position: only the columns they use are selected.
POSITIONAL_FIELDS: dict[str, tuple[str, ...]] = {"resident": _RESIDENT_FIELDS, "tax": _TAX_FIELDS}


def _tax_recs(rows: Sequence[Any]) -> list[Rec]:
    """Tax summaries as ``TaxSummary.to_dict()``; positional row access."""
    if not rows:
        return []
    names = _fields(rows)
    pick = operator.itemgetter(*[names.index(f) for f in _TAX_FIELDS])
    out: list[Rec] = []
    for row in rows:
        atena, year, *values = pick(row)
        year = int(year)
        out.append(("tax", f"{atena}:{year}", "upsert", [atena, year], tax_data(atena, year, *values)))
    return out


def fetch_by_keys(session: Session, code: str, kind: str, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Current records for ``keys`` of one kind; missing keys are absent (deleted)."""
    spec = KIND_SPECS[kind]
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        cols = [spec.table.c[c] for c in spec.key_cols]
        if kind == "tax":
            where = tuple_(*cols).in_([_key_values(kind, k) for k in chunk])
        else:
            where = cols[0].in_(list(chunk))
        stmt = select(spec.table).where(municipality_column(spec) == code, where)
        rows = session.execute(stmt).all()
        for rec in rows_to_records(session, code, kind, rows):
            found[rec["key"]] = rec
    return found


def select_columns(session: Session, spec: KindSpec, kind: str = "") -> list[Any]:
    """The table's columns (for resident and tax only those the record needs); on SQLite, DATE
    columns come back as their stored ISO text (no parsing)."""
    from sqlalchemy import Date, String, type_coerce

    wanted = POSITIONAL_FIELDS.get(kind)
    columns = [c for c in spec.table.columns if wanted is None or c.name in wanted]
    if session.get_bind().dialect.name != "sqlite":
        return columns
    return [type_coerce(c, String()).label(c.name) if isinstance(c.type, Date) else c for c in columns]


@functools.lru_cache(maxsize=64)
def _row_type(names: tuple[str, ...]) -> Any:
    return collections.namedtuple("SnapshotRow", names)  # type: ignore[misc]


class RowList(list):  # type: ignore[type-arg]
    """Plain DB-API row tuples with the column names in ``fields``."""

    fields: tuple[str, ...] = ()


def fetch_rows(session: Session, stmt: Any, *, named: bool = True) -> Any:
    """The rows of ``stmt`` read straight from the DB-API cursor: named tuples, or with
    ``named=False`` plain tuples in a ``RowList`` that knows the column names.

    Snapshot pages read 1.6 million rows for a city of 400,000: SQLAlchemy's ``Row`` processing
    (and even building a named tuple per row) costs more than the database read itself. The
    values are the driver's own (on SQLite, DATE columns are already text through ``_columns``;
    booleans arrive as 0/1 and every builder converts them with ``bool()``).
    """
    result = session.execute(stmt)
    cursor = result.cursor  # type: ignore[attr-defined]
    names = tuple(d[0] for d in cursor.description)
    rows = cursor.fetchall()
    result.close()
    if not named:
        out = RowList(rows)
        out.fields = names
        return out
    make = _row_type(names)._make
    return [make(r) for r in rows]


def _fields(rows: Any) -> list[str]:
    return list(rows.fields) if isinstance(rows, RowList) else list(rows[0]._fields)


def _date_text(v: Any) -> str | None:
    return None if v is None else v if isinstance(v, str) else v.isoformat()
