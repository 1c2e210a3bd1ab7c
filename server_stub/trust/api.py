"""Trust endpoints and the public verifier page.

* ``GET /trust/v1/list`` — the signed trust list (no login; ETag, ``Cache-Control: max-age``,
  304 on ``If-None-Match``); 404 ``trust_not_initialised`` before ``trust certify``.
* ``POST /trust/v1/verify`` ``{"token"}`` — the verdict on a QR token under the current list
  (no login; the same rules as ``madoguchi verify`` and the page).
* ``POST /api/v1/trust/recalls`` ``{"issue_number", "reason"}`` — 誤発行 処分 (supervisor or admin;
  audited); ``GET /api/v1/trust/recalls`` lists this municipality's.
* ``GET /verify`` and ``/verify/static/…`` — the verifier page (decoding and Ed25519 in the browser).
"""

from __future__ import annotations

import hashlib
from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import StringConstraints
from sqlalchemy.orm import Session

from client.certificate.trust_list import TrustListError, read_trust_list
from client.certificate.trust_verdict import verify_with_trust
from server_stub.api.deps import SessionDep, require_role
from server_stub.api.errors import ApiError
from server_stub.api.schemas import Reason, _Model
from server_stub.auth.sign_in import Principal
from server_stub.clock import now_jst, to_utc
from server_stub.db import begin_write
from server_stub.trust.keys import TrustError
from server_stub.trust.listing import build_trust_list
from server_stub.trust.recalls import recalls_of, record_recall

STATIC = FsPath(__file__).resolve().parent / "static"
MAX_AGE = 300
router = APIRouter(tags=["trust"])
RecallerDep = Annotated[Principal, Depends(require_role("supervisor", "admin"))]


class VerifyTokenIn(_Model):
    token: Annotated[str, StringConstraints(max_length=4000)]


class RecallIn(_Model):
    issue_number: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    reason: Reason


def _document(session: Session) -> bytes:
    doc = build_trust_list(session, now_jst())
    if doc is None:
        raise ApiError(404, "trust_not_initialised", "信頼リストはまだ発行されていません（ルート鍵の登録前）。",
                       "No trust list yet: the operator has not run `trust certify`")
    return doc


@router.get("/trust/v1/list")
def get_trust_list(request: Request, session: SessionDep) -> Response:
    """The signed trust list; cacheable."""
    doc = _document(session)
    etag = '"' + hashlib.sha256(doc).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={MAX_AGE}",
               "Access-Control-Allow-Origin": "*"}
    wanted = [t.strip() for t in request.headers.get("if-none-match", "").split(",")]
    if etag in wanted or "*" in wanted:
        return Response(status_code=304, headers=headers)
    return Response(content=doc, media_type="application/json", headers=headers)


@router.post("/trust/v1/verify")
def post_trust_verify(body: VerifyTokenIn, session: SessionDep) -> dict[str, Any]:
    """Verify a QR token under the current trust list (never raises for a bad token)."""
    doc = _document(session)
    try:
        listing = read_trust_list(doc)
    except TrustListError as exc:  # pragma: no cover - the server's own list always reads back
        raise ApiError(500, exc.code, exc.message_ja, exc.message_en) from exc
    return verify_with_trust(body.token, listing, to_utc(now_jst())).to_dict()


@router.post("/api/v1/trust/recalls", status_code=201)
def post_recall(body: RecallIn, principal: RecallerDep, session: SessionDep) -> dict[str, Any]:
    """誤発行 処分 against a 交付履歴 entry: the 発行番号 goes on the trust list's status list."""
    begin_write(session)
    try:
        row = record_recall(session, principal.municipality_code, body.issue_number, body.reason,
                            principal.user_id, principal.terminal_id, now_jst())
    except TrustError as exc:
        session.rollback()
        status = 404 if exc.code == "not_found" else 409
        raise ApiError(status, exc.code, exc.message_ja, exc.message_en) from exc
    session.commit()
    return _recall_dict(row)


@router.get("/api/v1/trust/recalls")
def get_recalls(principal: RecallerDep, session: SessionDep) -> dict[str, Any]:
    return {"recalls": [_recall_dict(r) for r in recalls_of(session, principal.municipality_code)]}


def _recall_dict(row: Any) -> dict[str, Any]:
    return {"issue_number": row.issue_number, "issuance_id": row.issuance_id, "reason": row.reason,
            "actor": row.actor, "recorded_at": to_utc(row.recorded_at).isoformat()}


@router.get("/verify", response_class=HTMLResponse, include_in_schema=False)
def verify_page() -> Response:
    return FileResponse(STATIC / "verify.html", media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-cache"})


_STATIC_FILES = {"verify.js": "text/javascript", "jsQR.js": "text/javascript",
                 "verify.css": "text/css", "jsQR-LICENSE.txt": "text/plain"}


@router.get("/verify/static/{name}", include_in_schema=False)
def verify_static(name: str) -> Response:
    if name not in _STATIC_FILES:
        raise ApiError(404, "not_found", "ファイルが見つかりません。", "No such file")
    return FileResponse(STATIC / name, media_type=f"{_STATIC_FILES[name]}; charset=utf-8",
                        headers={"Cache-Control": "no-cache"})


@router.get("/verify-sw.js", include_in_schema=False)
def verify_service_worker() -> Response:
    """The service worker (its path allows the ``/verify`` scope): the page works offline."""
    return FileResponse(STATIC / "sw.js", media_type="text/javascript; charset=utf-8",
                        headers={"Cache-Control": "no-cache"})
