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
With ``format=lines`` snapshot and change pages come in the line format of
``server_stub.replica.wire`` (what terminals ask for). The records themselves are built in
``server_stub.replica.records``.
"""


import base64
import gzip
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from client.wire.replica import RECORDS_MARKER, ChangesPage, SnapshotPage
from server_stub.auth.terminal_signature import caller_municipality
from server_stub.models import (
    ChangeLogEntry,
    Counter,
    Municipality,
)
from server_stub.replica.records import (
    KIND_SPECS,
    POSITIONAL_FIELDS,
    RowList,
    canonical_json,
    fetch_by_keys,
    fetch_rows,
    municipality_column,
    parse_tax_key,
    rec_dict,
    record_digest,
    rows_to_records,
    rows_to_recs,
    select_columns,
    table_of,
    tax_key,
)
from server_stub.replica.wire import FORMATS, LINES_MEDIA_TYPE, lines_body

CHANGE_SEQ = "change_seq"
DEFAULT_PAGE = 2000
MAX_PAGE = 20000
_FORMAT_PATTERN = f"^({'|'.join(FORMATS)})$"  # ^(json|lines)$

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
    "form_parameter",  # 様式パラメータ (server_stub.tenants.form_params); last: cursors stay valid
)
NOT_REPLICATED = frozenset({"terminal"})


def current_seq(session: Session, code: str) -> int:
    c = table_of(Counter)
    value = session.execute(select(c.c.value).where(c.c.municipality_code == code, c.c.name == CHANGE_SEQ)).scalar()
    if value is None:
        cl = table_of(ChangeLogEntry)
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


def _count(session: Session, code: str, kind: str) -> int:
    from sqlalchemy import func

    spec = KIND_SPECS[kind]
    return int(session.execute(select(func.count()).select_from(spec.table).where(municipality_column(spec) == code)).scalar() or 0)


def snapshot_page(session: Session, code: str, cursor: str | None, limit: int, *, raw: bool = False) -> SnapshotPage:
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
        stmt = select(*select_columns(session, spec, kind)).where(municipality_column(spec) == code)
        if after is not None:
            stmt = stmt.where(tuple_(*cols) > tuple_(*after)) if len(cols) > 1 else stmt.where(cols[0] > after[0])
        want = limit - len(records)
        rows = fetch_rows(session, stmt.order_by(*cols).limit(want), named=kind not in POSITIONAL_FIELDS)
        recs = rows_to_recs(session, code, kind, rows)
        records.extend(recs if raw else [rec_dict(r) for r in recs])
        if len(rows) < want:
            kind_index, after = kind_index + 1, None
        elif isinstance(rows, RowList):
            after = [rows[-1][rows.fields.index(c)] for c in spec.key_cols]
        else:
            after = [getattr(rows[-1], c) for c in spec.key_cols]
    done = kind_index >= len(SNAPSHOT_KINDS)
    return SnapshotPage(
        records=records,
        next_cursor=None if done else encode_cursor(kind_index, after, as_of_seq),
        as_of_seq=as_of_seq,
        total=total,
        server_time=datetime.now(UTC).isoformat(),
    )


def changes_page(session: Session, code: str, since: int, limit: int) -> ChangesPage:
    limit = max(1, min(int(limit), MAX_PAGE))
    cl = table_of(ChangeLogEntry)
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
        return ChangesPage(records=[], last_seq=since, has_more=False, current_seq=current_seq(session, code),
                           server_time=now)
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
    return ChangesPage(
        records=records,
        last_seq=int(rows[-1].seq),
        has_more=has_more,
        current_seq=current_seq(session, code),
        server_time=now,
    )


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
            stmt = select(spec.table).where(municipality_column(spec) == code)
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


def page_body(page: Mapping[str, Any]) -> bytes:
    """``{...head, "checksum": sha256(records bytes), "records": [...]}`` with records serialized once, last."""
    records = orjson.dumps(page["records"])
    head = {k: v for k, v in page.items() if k not in ("records", "checksum")}
    head["checksum"] = hashlib.sha256(records).hexdigest()
    head_bytes = orjson.dumps(head)
    return head_bytes[:-1] + RECORDS_MARKER + records + b"}"


def page_response(page: Mapping[str, Any], fmt: str, accept_encoding: str | None) -> Any:
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

    from server_stub.auth.terminal_signature import request_body_sha256

    def resolve(session: Session, request: Request, body_sha256: str) -> str:
        # a refused caller raises CallerRefused, a Refusal the API renders as the error body
        return caller_municipality(session, request, body_sha256)

    def municipality(request: Request, session: Annotated[Session, Depends(session_dependency)],
                     body_sha256: Annotated[str, Depends(request_body_sha256)]) -> str:
        return resolve(session, request, body_sha256)

    return build_router(session_dependency, municipality, partners_lookup, resolve)


def build_router(
    session_dependency: Callable[..., Any],
    municipality_dependency: Callable[..., Any],
    partners_lookup: Callable[[Session, str], list[dict[str, Any]]] | None = None,
    resolve_municipality: Callable[[Session, Any, str], str] | None = None,
) -> Any:
    """The APIRouter; dependencies give a Session and the token's municipality code.

    ``resolve_municipality(session, request, body_sha256)`` is what ``municipality_dependency``
    does, callable in a thread: the change feed (polled by every terminal) resolves the caller and
    reads its page in ONE thread-pool call instead of one per sync dependency (issue 23)."""
    from fastapi import APIRouter, Depends, Header, Query, Request
    from starlette.concurrency import run_in_threadpool

    from server_stub.api.errors import ApiError
    from server_stub.auth.terminal_signature import request_body_sha256

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
        format: Annotated[str, Query(pattern=_FORMAT_PATTERN)] = "json",
        accept_encoding: Annotated[str | None, Header()] = None,
    ) -> Any:
        code = _target(session, own, municipality)
        try:
            page = snapshot_page(session, code, cursor, limit, raw=format == "lines")
        except BadCursorError as exc:
            raise ApiError(400, "bad_cursor", "取得位置(カーソル)が不正です。", str(exc)) from exc
        return page_response(page, format, accept_encoding)

    @router.get("/changes")
    async def changes(
        request: Request,
        body_sha256: Annotated[str, Depends(request_body_sha256)],
        since: int = Query(0, ge=0, le=2**62),
        limit: int = Query(DEFAULT_PAGE, ge=1, le=MAX_PAGE),
        municipality: str | None = None,
        format: Annotated[str, Query(pattern=_FORMAT_PATTERN)] = "json",
        accept_encoding: Annotated[str | None, Header()] = None,
    ) -> Any:
        assert resolve_municipality is not None

        def job() -> Any:
            with request.app.state.session_factory() as session:
                own = resolve_municipality(session, request, body_sha256)
                code = _target(session, own, municipality)
                return page_response(changes_page(session, code, since, limit), format, accept_encoding)

        return await run_in_threadpool(job)

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
    m = table_of(Municipality)
    names = dict(session.execute(select(m.c.code, m.c.name).where(m.c.code.in_(codes))).all())
    return [{"municipality_code": c, "name": names.get(c, "")} for c in codes if c in names]


def _router() -> Any:
    from server_stub.api.deps import get_session

    return create_router(get_session, recorded_partners)


router = _router()
