"""Replica pull API: snapshot pages, the change feed, checksums and mutual-backup partners.

Endpoints (municipality from the authenticated token; ``municipality=`` may name a partner with a
recorded mutual-backup agreement):

* ``GET /api/v1/replica/snapshot?cursor=&limit=`` — current state paged by (kind, key); each page
  ``{records, next_cursor, as_of_seq, checksum, server_time}``; ``next_cursor`` is null on the last
  page. ``as_of_seq`` is the change sequence read before the first page: the client pulls the
  change feed from there afterwards, which repairs anything that changed while it paged.
* ``GET /api/v1/replica/changes?since=SEQ&limit=`` — ``{records, last_seq, has_more, checksum,
  server_time}``; each change is an upsert with the current data or a delete. Nothing new: a
  response of a few dozen bytes.
* ``GET /api/v1/replica/checksum`` — ``{as_of_seq, kinds: {kind: {count, digest}}}``.
* ``GET /api/v1/replica/partners`` — mutual-backup partners of the token's municipality.

A record is ``{kind, key, op, data, index?}``: ``data`` is the domain dict (``Resident.to_dict()``
etc.; 個人番号 and 住民票コード are always None) serialized as compact JSON text — the client
stores that text verbatim and both sides compute checksums over it — or null for a delete;
``index`` (residents, seals, tax, suppressions) carries the columns the client indexes, as the
server computed them with the same client.domain key functions its own search uses:
resident ``[household_no, status, kana_key, given_kana_key, name_key, alias, address_key, birth]``,
seal ``[atena_no, card_no, active]``, tax ``[atena_no, tax_year]``, suppression ``[atena_no,
household_no]``.
Bodies are JSON, gzip-compressed when the client accepts it; ``records`` is the last member and
``checksum`` is the SHA-256 of its exact bytes, so a damaged page is detected without re-encoding.
"""


import base64
import collections
import functools
import gzip
import hashlib
import json
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any

import orjson
from sqlalchemy import Table, select, tuple_
from sqlalchemy.orm import Session

from server_stub.form_params import replica_data as form_parameter_data
from server_stub.models import (
    ChangeLogEntry,
    Counter,
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
from server_stub.replica_wire import LINES_MEDIA_TYPE, lines_body
from server_stub.terminal_signature import CallerRefused, caller_municipality

CHANGE_SEQ = "change_seq"
DEFAULT_PAGE = 2000
MAX_PAGE = 20000

# Order in which the snapshot walks the kinds (parameters and staff first: a half-finished
# bootstrap is useless anyway, but small kinds first keep the progress bar honest).
SNAPSHOT_KINDS = (
    "municipality",
    "staff",
    "household",
    "resident",
    "seal",
    "tax",
    "support_measure",
    "suppression",
    "form_parameter",  # 様式パラメータ (server_stub.form_params); last: cursors stay valid
)
NOT_REPLICATED = frozenset({"terminal"})


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


def _t(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


KIND_SPECS: dict[str, KindSpec] = {
    "municipality": KindSpec(_t(Municipality), ("code",)),
    "staff": KindSpec(_t(Staff), ("user_id",)),
    "household": KindSpec(_t(Household), ("household_no",)),
    "resident": KindSpec(_t(Resident), ("atena_no",)),
    "seal": KindSpec(_t(SealRegistration), ("registration_no",)),
    "tax": KindSpec(_t(TaxSummary), ("atena_no", "tax_year")),
    "support_measure": KindSpec(_t(SupportMeasure), ("measure_id",)),
    "suppression": KindSpec(_t(Suppression), ("suppression_id",)),
    "form_parameter": KindSpec(_t(FormParameter), ("form_id",)),
}


def _muni_col(spec: KindSpec) -> Any:
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
        select(_t(Deputy)).where(_t(Deputy).c.municipality_code == row.code).order_by(_t(Deputy).c.start)
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
            "start": _iso(r.start),
            "end": _iso(r.end),
            "provisional": bool(r.provisional),
            "processes": [p for p in (r.processes or "").split(",") if p],
        }
    return out


def data_text(data: dict[str, Any]) -> str:
    """The record's data as sent and stored: compact JSON, keys in the (fixed) order built here.

    orjson writes exactly what ``json.dumps(data, ensure_ascii=False, separators=(",", ":"))``
    writes for these values (str, int, bool, None, lists, dicts), about ten times faster.
    """
    return orjson.dumps(data).decode()


def _index(kind: str, r: Any) -> list[Any] | None:
    """Columns the client indexes, as the server computed them (same client.domain functions)."""
    if kind == "resident":
        return [r.household_no, r.status, r.kana_key, r.given_kana_key or "", r.name_key, r.alias or "",
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
        smp = _t(SupportMeasurePerson)
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
         rend, kana_key, given_key, name_key, address_key) = pick(row)
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
        }
        out.append(("resident", atena, "upsert",
                    [hh, status, kana_key, given_key or "", name_key, alias or "", address_key or "", birth],
                    dumps(data)))
    return out


_TAX_FIELDS = ("atena_no", "tax_year", "resided_on_jan1", "total_income", "salary_income", "deductions",
               "taxable_income", "municipal_tax", "prefectural_tax", "dependents")
_TAX_TEMPLATE = (b'{"atena_no":"%s","tax_year":%d,"resided_on_jan1":%s,"total_income":%d,"salary_income":%d,'
                 b'"deductions":%d,"taxable_income":%d,"municipal_tax":%d,"prefectural_tax":%d,"dependents":%d}')


def tax_data(atena: str, year: int, jan1: Any, total: Any, salary: Any, ded: Any, taxable: Any, muni: Any,
             pref: Any, dep: Any) -> bytes:
    """``TaxSummary.to_dict()`` as compact JSON — byte for byte what orjson writes for that dict,
    formatted directly when the 宛名番号 needs no escaping (the largest kind: a city has 900,000)."""
    if atena.isascii() and atena.isalnum():
        return _TAX_TEMPLATE % (atena.encode(), year, b"true" if jan1 else b"false", int(total), int(salary),
                                int(ded), int(taxable), int(muni), int(pref), int(dep))
    return orjson.dumps({"atena_no": atena, "tax_year": year, "resided_on_jan1": bool(jan1),
                         "total_income": int(total), "salary_income": int(salary), "deductions": int(ded),
                         "taxable_income": int(taxable), "municipal_tax": int(muni), "prefectural_tax": int(pref),
                         "dependents": int(dep)})


# The kinds whose builders read rows by position: only the columns they use are selected.
_POSITIONAL_FIELDS: dict[str, tuple[str, ...]] = {"resident": _RESIDENT_FIELDS, "tax": _TAX_FIELDS}


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
        stmt = select(spec.table).where(_muni_col(spec) == code, where)
        rows = session.execute(stmt).all()
        for rec in rows_to_records(session, code, kind, rows):
            found[rec["key"]] = rec
    return found


def current_seq(session: Session, code: str) -> int:
    c = _t(Counter)
    value = session.execute(select(c.c.value).where(c.c.municipality_code == code, c.c.name == CHANGE_SEQ)).scalar()
    if value is None:
        cl = _t(ChangeLogEntry)
        from sqlalchemy import func

        value = session.execute(select(func.max(cl.c.seq)).where(cl.c.municipality_code == code)).scalar()
    return int(value or 0)


# ---------------------------------------------------------------------------------------------
# Snapshot, changes, checksum
# ---------------------------------------------------------------------------------------------


class BadCursorError(ValueError):
    """The cursor is not one this server handed out."""


def encode_cursor(kind_index: int, after: Sequence[Any] | None, as_of_seq: int) -> str:
    raw = canonical_json({"k": kind_index, "a": list(after) if after is not None else None, "s": as_of_seq})
    return base64.urlsafe_b64encode(raw.encode()).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, list[Any] | None, int]:
    try:
        pad = "=" * (-len(cursor) % 4)
        obj = json.loads(base64.urlsafe_b64decode(cursor + pad))
        k, a, s = int(obj["k"]), obj["a"], int(obj["s"])
    except (ValueError, KeyError, TypeError) as exc:
        raise BadCursorError(f"bad snapshot cursor: {cursor[:40]!r}") from exc
    if not 0 <= k <= len(SNAPSHOT_KINDS) or (a is not None and not isinstance(a, list)):
        raise BadCursorError(f"bad snapshot cursor: {cursor[:40]!r}")
    return k, a, s


def _columns(session: Session, spec: KindSpec, kind: str = "") -> list[Any]:
    """The table's columns (for resident and tax only those the record needs); on SQLite, DATE
    columns come back as their stored ISO text (no parsing)."""
    from sqlalchemy import Date, String, type_coerce

    wanted = _POSITIONAL_FIELDS.get(kind)
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


def _count(session: Session, code: str, kind: str) -> int:
    from sqlalchemy import func

    spec = KIND_SPECS[kind]
    return int(session.execute(select(func.count()).select_from(spec.table).where(_muni_col(spec) == code)).scalar() or 0)


def snapshot_page(session: Session, code: str, cursor: str | None, limit: int, *, raw: bool = False) -> dict[str, Any]:
    """One snapshot page; ``records`` are dicts, or ``Rec`` tuples with ``raw`` (line format)."""
    limit = max(1, min(int(limit), MAX_PAGE))
    total: int | None = None
    if cursor:
        kind_index, after, as_of_seq = decode_cursor(cursor)
    else:
        kind_index, after, as_of_seq = 0, None, current_seq(session, code)
        total = sum(_count(session, code, kind) for kind in SNAPSHOT_KINDS)
    records: list[Any] = []
    while kind_index < len(SNAPSHOT_KINDS) and len(records) < limit:
        kind = SNAPSHOT_KINDS[kind_index]
        spec = KIND_SPECS[kind]
        cols = [spec.table.c[c] for c in spec.key_cols]
        stmt = select(*_columns(session, spec, kind)).where(_muni_col(spec) == code)
        if after is not None:
            stmt = stmt.where(tuple_(*cols) > tuple_(*after)) if len(cols) > 1 else stmt.where(cols[0] > after[0])
        want = limit - len(records)
        rows = fetch_rows(session, stmt.order_by(*cols).limit(want), named=kind not in _POSITIONAL_FIELDS)
        recs = rows_to_recs(session, code, kind, rows)
        records.extend(recs if raw else [rec_dict(r) for r in recs])
        if len(rows) < want:
            kind_index, after = kind_index + 1, None
        elif isinstance(rows, RowList):
            after = [rows[-1][rows.fields.index(c)] for c in spec.key_cols]
        else:
            after = [getattr(rows[-1], c) for c in spec.key_cols]
    done = kind_index >= len(SNAPSHOT_KINDS)
    return {
        "records": records,
        "next_cursor": None if done else encode_cursor(kind_index, after, as_of_seq),
        "as_of_seq": as_of_seq,
        "total": total,
        "server_time": datetime.now(UTC).isoformat(),
    }


def changes_page(session: Session, code: str, since: int, limit: int) -> dict[str, Any]:
    limit = max(1, min(int(limit), MAX_PAGE))
    cl = _t(ChangeLogEntry)
    rows = session.execute(
        select(cl.c.seq, cl.c.kind, cl.c.key, cl.c.op)
        .where(cl.c.municipality_code == code, cl.c.seq > since)
        .order_by(cl.c.seq)
        .limit(limit + 1)
    ).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    now = datetime.now(UTC).isoformat()
    if not rows:
        return {"records": [], "last_seq": since, "has_more": False, "current_seq": current_seq(session, code),
                "server_time": now}
    latest: dict[tuple[str, str], int] = {}
    for r in rows:
        if r.kind in NOT_REPLICATED or r.kind not in KIND_SPECS:
            continue
        key = tax_key(*parse_tax_key(r.key)) if r.kind == "tax" else r.key
        latest[(r.kind, key)] = r.seq
    by_kind: dict[str, list[str]] = {}
    for kind, key in latest:
        by_kind.setdefault(kind, []).append(key)
    current: dict[tuple[str, str], dict[str, Any]] = {}
    for kind, keys in by_kind.items():
        for key, rec in fetch_by_keys(session, code, kind, keys).items():
            current[(kind, key)] = rec
    records: list[dict[str, Any]] = []
    for (kind, key), _seq in sorted(latest.items(), key=lambda kv: kv[1]):
        found = current.get((kind, key))
        records.append(found if found is not None else {"kind": kind, "key": key, "op": "delete", "data": None})
    return {
        "records": records,
        "last_seq": int(rows[-1].seq),
        "has_more": has_more,
        "current_seq": current_seq(session, code),
        "server_time": now,
    }


def checksums(session: Session, code: str) -> dict[str, Any]:
    """Per kind: count and the sum (mod 2**256) of SHA-256(key, canonical data): order-free."""
    as_of_seq = current_seq(session, code)
    out: dict[str, dict[str, Any]] = {}
    for kind in SNAPSHOT_KINDS:
        spec = KIND_SPECS[kind]
        count, total = 0, 0
        cols = [spec.table.c[c] for c in spec.key_cols]
        after: list[Any] | None = None
        while True:
            stmt = select(spec.table).where(_muni_col(spec) == code)
            if after is not None:
                stmt = stmt.where(tuple_(*cols) > tuple_(*after)) if len(cols) > 1 else stmt.where(cols[0] > after[0])
            rows = session.execute(stmt.order_by(*cols).limit(5000)).all()
            for rec in rows_to_records(session, code, kind, rows):
                count += 1
                total = (total + record_digest(rec["key"], rec["data"])) % (1 << 256)
            if len(rows) < 5000:
                break
            after = [getattr(rows[-1], c) for c in spec.key_cols]
        out[kind] = {"count": count, "digest": f"{total:064x}"}
    return {"as_of_seq": as_of_seq, "kinds": out}


# ---------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------


def page_body(page: dict[str, Any]) -> bytes:
    """``{...head, "checksum": sha256(records bytes), "records": [...]}`` with records serialized once, last."""
    records = orjson.dumps(page["records"])
    head = {k: v for k, v in page.items() if k not in ("records", "checksum")}
    head["checksum"] = hashlib.sha256(records).hexdigest()
    head_bytes = orjson.dumps(head)
    return head_bytes[:-1] + b',"records":' + records + b"}"


def page_response(page: dict[str, Any], fmt: str, accept_encoding: str | None) -> Any:
    """A snapshot or change page in the requested format (``json``, or ``lines``: replica_wire)."""
    if fmt == "lines":
        return json_response(lines_body(page), accept_encoding, media_type=LINES_MEDIA_TYPE)
    return json_response(page_body(page), accept_encoding)


def json_response(payload: Any, accept_encoding: str | None, media_type: str = "application/json") -> Any:
    from fastapi import Response

    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False,
                                                                 separators=(",", ":")).encode()
    headers = {"Cache-Control": "no-store"}
    if accept_encoding and "gzip" in accept_encoding.lower() and len(body) > 512:
        body = gzip.compress(body, compresslevel=1)
        headers["Content-Encoding"] = "gzip"
        headers["Vary"] = "Accept-Encoding"
    return Response(content=body, media_type=media_type, headers=headers)


def create_router(session_dependency: Callable[..., Any],
                  partners_lookup: Callable[[Session, str], list[dict[str, Any]]] | None = None) -> Any:
    """The replica router for the server app: ``app.include_router(create_router(get_session))``."""
    from fastapi import Depends, Request

    from server_stub.api.errors import ApiError

    def municipality(request: Request, session: Annotated[Session, Depends(session_dependency)]) -> str:
        try:
            return caller_municipality(session, request)
        except CallerRefused as exc:
            raise ApiError(401, exc.code, exc.message_ja, exc.message_en) from exc

    return build_router(session_dependency, municipality, partners_lookup)


def build_router(
    session_dependency: Callable[..., Any],
    municipality_dependency: Callable[..., Any],
    partners_lookup: Callable[[Session, str], list[dict[str, Any]]] | None = None,
) -> Any:
    """The APIRouter; dependencies give a Session and the token's municipality code."""
    from fastapi import APIRouter, Depends, Header, Query

    from server_stub.api.errors import ApiError

    router = APIRouter(prefix="/api/v1/replica", tags=["replica"])

    def _target(session: Session, own: str, requested: str | None) -> str:
        if not requested or requested == own:
            return own
        partners = {p["municipality_code"] for p in (partners_lookup(session, own) if partners_lookup else [])}
        if requested not in partners:
            raise ApiError(403, "no_agreement", "この団体との相互バックアップ協定がありません。",
                           "no mutual backup agreement with that municipality")
        return requested

    @router.get("/snapshot")
    def snapshot(
        session: Annotated[Session, Depends(session_dependency)],
        own: Annotated[str, Depends(municipality_dependency)],
        cursor: str | None = None,
        limit: int = Query(DEFAULT_PAGE, ge=1, le=MAX_PAGE),
        municipality: str | None = None,
        format: Annotated[str, Query(pattern="^(json|lines)$")] = "json",
        accept_encoding: Annotated[str | None, Header()] = None,
    ) -> Any:
        code = _target(session, own, municipality)
        try:
            page = snapshot_page(session, code, cursor, limit, raw=format == "lines")
        except BadCursorError as exc:
            raise ApiError(400, "bad_cursor", "取得位置(カーソル)が不正です。", str(exc)) from exc
        return page_response(page, format, accept_encoding)

    @router.get("/changes")
    def changes(
        session: Annotated[Session, Depends(session_dependency)],
        own: Annotated[str, Depends(municipality_dependency)],
        since: int = Query(0, ge=0, le=2**62),
        limit: int = Query(DEFAULT_PAGE, ge=1, le=MAX_PAGE),
        municipality: str | None = None,
        format: Annotated[str, Query(pattern="^(json|lines)$")] = "json",
        accept_encoding: Annotated[str | None, Header()] = None,
    ) -> Any:
        code = _target(session, own, municipality)
        return page_response(changes_page(session, code, since, limit), format, accept_encoding)

    @router.get("/checksum")
    def checksum(
        session: Annotated[Session, Depends(session_dependency)],
        own: Annotated[str, Depends(municipality_dependency)],
        municipality: str | None = None,
        accept_encoding: Annotated[str | None, Header()] = None,
    ) -> Any:
        code = _target(session, own, municipality)
        return json_response(checksums(session, code), accept_encoding)

    @router.get("/partners")
    def partners(
        session: Annotated[Session, Depends(session_dependency)],
        own: Annotated[str, Depends(municipality_dependency)],
    ) -> Any:
        return {"municipality_code": own, "partners": partners_lookup(session, own) if partners_lookup else []}

    return router


AGREEMENTS_TABLE = "backup_agreements"


def recorded_partners(session: Session, code: str) -> list[dict[str, Any]]:
    """Mutual-backup partners of ``code`` (相互バックアップ協定), in either direction.

    Read from the ``backup_agreements`` table (``municipality_code``, ``partner_code``) when the
    database has one; without it there are no agreements.
    """
    from sqlalchemy import inspect, text

    bind = session.get_bind()
    if not inspect(bind).has_table(AGREEMENTS_TABLE):
        return []
    rows = session.execute(text(
        f"SELECT partner_code AS c FROM {AGREEMENTS_TABLE} WHERE municipality_code = :m "
        f"UNION SELECT municipality_code AS c FROM {AGREEMENTS_TABLE} WHERE partner_code = :m"), {"m": code}).all()
    codes = sorted({r.c for r in rows if r.c != code})
    if not codes:
        return []
    m = _t(Municipality)
    names = dict(session.execute(select(m.c.code, m.c.name).where(m.c.code.in_(codes))).all())
    return [{"municipality_code": c, "name": names.get(c, "")} for c in codes if c in names]


def _router() -> Any:
    from server_stub.api.deps import get_session

    return create_router(get_session, recorded_partners)


router = _router()
