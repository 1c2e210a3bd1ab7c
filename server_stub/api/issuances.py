"""Issuance endpoints: evaluate (dry run), issue, void, reprint, history."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from client.domain.model import IssuanceRequest, SupportRelease
from server_stub.api.deps import CredentialsDep, PrincipalDep, SessionDep, SupervisorDep, in_request_session
from server_stub.api.errors import ApiError, not_found
from server_stub.api.schemas import EvaluateIn, IssueIn, ReasonIn, ReleaseIn, ReprintIn
from server_stub.audit import chain as audit
from server_stub.auth.sign_in import Principal
from server_stub.clock import now_jst, to_utc
from server_stub.db import begin_write
from server_stub.issuing import idempotency
from server_stub.issuing.online import IssueResult, decide, issue
from server_stub.models import Issuance, IssuedCopy
from server_stub.tenants.municipalities import municipality_row

router = APIRouter(prefix="/api/v1/issuances", tags=["issuances"])


def _releases(principal: Principal, release: ReleaseIn | None) -> tuple[SupportRelease, ...]:
    if release is None:
        return ()
    if principal.role != "supervisor":
        raise ApiError(403, "release_requires_supervisor", "支援措置の解除は支援措置責任者のみ行えます。",
                       "Only a supervisor may release a support measure")
    return (SupportRelease(release.measure_id, principal.user_id, release.reason.strip()),)


def _refused(result: IssueResult) -> ApiError:
    d = result.decision
    first = next((r for r in d.reasons if r.blocking), None)
    return ApiError(
        409, d.outcome.value,
        first.message_ja if first else "発行できません。",
        first.message_en if first else "Refused",
        decision=d.to_dict(),
    )


@router.post("/evaluate", response_model=dict[str, Any])
async def post_evaluate(body: EvaluateIn, credentials: CredentialsDep) -> Response:
    """Dry run: the Decision (no writes besides the access log)."""
    return await in_request_session(credentials, lambda session, principal: _evaluate(session, principal, body))


def _evaluate(session: Session, principal: Principal, body: EvaluateIn) -> dict[str, Any]:
    request = body.request.to_domain()
    releases = _releases(principal, body.release)
    now = now_jst()
    muni = municipality_row(session, principal.municipality_code)
    assert muni is not None
    decision = decide(session, muni, request, now, releases)
    audit.record(session, muni.code, now=now, user_id=principal.user_id, terminal_id=principal.terminal_id,
                 action="evaluate", subject=request.subject_atena_no, outcome=decision.outcome.value,
                 detail={"cert_type": request.cert_type.value, "reasons": [r.code for r in decision.reasons]})
    return decision.to_dict()


def _issue_response(result: IssueResult) -> dict[str, Any]:
    return {
        "issuance_id": result.issuance_id,
        "issue_numbers": result.issue_numbers,
        "certificates": list(result.certificates),
        "decision": result.decision.to_dict() | {"content": None},
        "fee_yen": result.decision.fee_yen,
    }


@router.post("", status_code=201, response_model=dict[str, Any])
async def post_issue(body: IssueIn, credentials: CredentialsDep,
                     idempotency_key: Annotated[str | None, Header(max_length=64)] = None) -> Response:
    """Issue: evaluate, allocate one 発行番号 per copy, record 交付履歴 + access log, sign each copy.

    With an ``Idempotency-Key`` a resent request (the client tried the other line after a silent
    one) gets the first issuance back instead of a second one."""
    return await in_request_session(
        credentials, lambda session, principal: _issue(session, principal, body, idempotency_key), status_code=201)


def _issue(session: Session, principal: Principal, body: IssueIn, idempotency_key: str | None) -> dict[str, Any]:
    request = body.request.to_domain()
    releases = _releases(principal, body.release)
    key = idempotency.checked_key(idempotency_key)
    code = principal.municipality_code
    digest = idempotency.request_digest(body.model_dump(mode="json")) if key else ""
    begin_write(session)
    if key:
        done = idempotency.stored_issuance(session, code, key, digest)
        if done is not None:
            return idempotency.replay_response(session, code, done)
    now = now_jst()
    result = issue(session, principal, request, releases, body.printer_id, now)
    if key and result.issuance_id is not None:
        idempotency.remember(session, code, key, digest, result.issuance_id, now)
    try:
        session.commit()
    except IntegrityError:  # the same key committed first by a concurrent resend (PostgreSQL)
        session.rollback()
        done = idempotency.stored_issuance(session, code, key or "", digest) if key else None
        if done is None:
            raise
        return idempotency.replay_response(session, code, done)
    if result.issuance_id is None:
        raise _refused(result)
    return _issue_response(result)


def _own_issuance(session: Any, principal: Principal, issuance_id: str) -> Issuance:
    row = session.get(Issuance, issuance_id)
    if row is None or row.municipality_code != principal.municipality_code:
        raise not_found("交付履歴", "Issuance")
    return row


def _void(session: Any, principal: Principal, row: Issuance, reason: str, now: Any) -> None:
    if row.voided_at is not None:
        raise ApiError(409, "already_voided", "この交付はすでに取消済みです。", "Already voided")
    row.voided_at = to_utc(now)
    row.voided_by = principal.user_id
    row.void_reason = reason
    session.execute(update(IssuedCopy).where(IssuedCopy.issuance_id == row.id)
                    .values(voided_at=to_utc(now), void_reason=reason))


@router.post("/{issuance_id}/void")
def post_void(body: ReasonIn, principal: SupervisorDep, session: SessionDep,
              issuance_id: Annotated[str, Path(max_length=36)]) -> dict[str, Any]:
    """Void (取消) an issuance: all its copies; the record stays (supervisor)."""
    now = now_jst()
    begin_write(session)
    row = _own_issuance(session, principal, issuance_id)
    _void(session, principal, row, body.reason.strip(), now)
    numbers = list(session.scalars(select(IssuedCopy.issue_number).where(IssuedCopy.issuance_id == row.id)
                                   .order_by(IssuedCopy.copy_index)).all())
    audit.append(session, principal.municipality_code, now=now, user_id=principal.user_id,
                 terminal_id=principal.terminal_id, action="void", subject=row.subject_atena_no,
                 issue_numbers=numbers, detail={"issuance_id": row.id, "reason": body.reason.strip()})
    session.commit()
    return {"issuance_id": row.id, "voided": True, "issue_numbers": numbers}


@router.post("/{issuance_id}/reprint", status_code=201)
def post_reprint(body: ReprintIn, principal: SupervisorDep, session: SessionDep,
                 issuance_id: Annotated[str, Path(max_length=36)]) -> dict[str, Any]:
    """Reprint (再発行): re-evaluate the original request on current data, void the original and
    issue again with new 発行番号 (supervisor)."""
    now = now_jst()
    begin_write(session)
    row = _own_issuance(session, principal, issuance_id)
    if row.voided_at is not None:
        raise ApiError(409, "already_voided", "取消済みの交付は再発行できません。", "Cannot reprint a voided issuance")
    request = IssuanceRequest.from_dict(json.loads(row.request_json))
    result = issue(session, principal, request, _releases(principal, body.release), body.printer_id, now,
                   reprint_of=row.id)
    if result.issuance_id is None:
        session.commit()  # the refused attempt's access-log entry
        raise _refused(result)
    _void(session, principal, row, f"再発行: {body.reason.strip()}", now)
    session.commit()
    return _issue_response(result) | {"reprint_of": row.id}


@router.get("")
def list_issuances(
    principal: PrincipalDep,
    session: SessionDep,
    date_: Annotated[date | None, Query(alias="date")] = None,
    atena_no: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    """交付履歴 of the caller's municipality, by day and/or subject (newest first)."""
    stmt = select(Issuance).where(Issuance.municipality_code == principal.municipality_code)
    if date_ is not None:
        stmt = stmt.where(Issuance.issued_on == date_)
    if atena_no:
        stmt = stmt.where(Issuance.subject_atena_no == atena_no)
    rows = session.scalars(stmt.order_by(Issuance.issued_at.desc(), Issuance.id).limit(limit)).all()
    copies: dict[str, list[IssuedCopy]] = {}
    if rows:
        for c in session.scalars(select(IssuedCopy).where(IssuedCopy.issuance_id.in_([r.id for r in rows]))
                                 .order_by(IssuedCopy.copy_index)):
            copies.setdefault(c.issuance_id, []).append(c)
    return {"issuances": [_issuance_dict(r, copies.get(r.id, [])) for r in rows]}


def _issuance_dict(r: Issuance, copies: list[IssuedCopy]) -> dict[str, Any]:
    return {
        "issuance_id": r.id,
        "cert_type": r.cert_type,
        "subject_atena_no": r.subject_atena_no,
        "requester_kind": r.requester_kind,
        "copies": r.copies,
        "fee_yen": r.fee_yen,
        "exemption_reason": r.exemption_reason,
        "printed_items": [x for x in r.printed_items.split(",") if x],
        "delivery": "post" if json.loads(r.request_json or "{}").get("deliver_by_post") else "counter",
        "user_id": r.user_id,
        "terminal_id": r.terminal_id,
        "printer_id": r.printer_id,
        "mode": r.mode,
        "issued_at": to_utc(r.issued_at).isoformat(),
        "issued_on": r.issued_on.isoformat(),
        "issue_numbers": [c.issue_number for c in copies],
        "voided": r.voided_at is not None,
        "voided_at": to_utc(r.voided_at).isoformat() if r.voided_at else None,
        "void_reason": r.void_reason,
        "reprint_of": r.reprint_of,
        "release_measure_ids": [x for x in r.release_measure_ids.split(",") if x],
        **_identity(r.request_json),
    }


def _identity(request_json: str) -> dict[str, Any]:
    """本人確認 as recorded on the request (マイナンバーカード(IC): with what was checked)."""
    try:
        requester = json.loads(request_json).get("requester", {})
    except (ValueError, AttributeError):
        return {"identity_document": "", "identity_checks": []}
    return {"identity_document": requester.get("identity_document", ""),
            "identity_checks": list(requester.get("identity_checks", []))}
