"""Terminal enrolment (admin) and 発行番号 serial leases for BCP mode."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, StringConstraints
from sqlalchemy import select, update

from server_stub import counters
from server_stub.api.deps import AdminDep, CallerDep, PrincipalDep, PushCallerDep, SessionDep
from server_stub.api.errors import ApiError, not_found
from server_stub.api.schemas import EnrollIn, LeaseIn, LeaseReturnIn
from server_stub.audit import chain as audit
from server_stub.auth.sign_in import terminal_for
from server_stub.auth.terminal_standing import (
    lease_accounting,
    lease_wrapping_key,
    revoke_terminal,
    standing,
    terminal_row,
)
from server_stub.clock import now_jst, to_utc
from server_stub.db import begin_write
from server_stub.models import SerialLease
from server_stub.seed.demo import enroll_terminal
from server_stub.tenants.mutual_backup import PartnerQuery, acting_for
from server_stub.trust.keys import renew_terminal

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["terminals"])
LEASE_LIFETIME = timedelta(days=30)


@router.post("/terminals/enroll", status_code=201)
def post_enroll(body: EnrollIn, principal: AdminDep, session: SessionDep) -> dict[str, Any]:
    """Enrol a terminal with its Ed25519 public key (raw 32 bytes, base64) (admin)."""
    try:
        public = base64.b64decode(body.public_key_b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ApiError(422, "invalid_public_key", "公開鍵の形式が正しくありません。", "public_key_b64 is not base64") from exc
    if len(public) != 32:
        raise ApiError(422, "invalid_public_key", "公開鍵の形式が正しくありません（Ed25519, 32バイト）。",
                       "An Ed25519 public key has 32 raw bytes")
    terminal_id = body.terminal_id or f"T{uuid.uuid4().hex[:10]}"
    now = now_jst()
    begin_write(session)
    from server_stub.models import Terminal

    existing = session.scalars(select(Terminal).where(
        (Terminal.municipality_code == principal.municipality_code) & (Terminal.terminal_id == terminal_id)
    )).one_or_none()
    if existing is not None:
        raise ApiError(409, "terminal_exists", "この端末IDはすでに登録されています。", "Terminal id already enrolled")
    from client.certificate.signing import key_id_for

    if session.scalars(select(Terminal).where(Terminal.key_id == key_id_for(public))).first() is not None:
        raise ApiError(409, "key_exists", "この公開鍵はすでに登録されています。", "Public key already enrolled")
    terminal = enroll_terminal(session, principal.municipality_code, terminal_id, body.terminal_name, public,
                               principal.user_id, to_utc(now))
    audit.append(session, principal.municipality_code, now=now, user_id=principal.user_id,
                 terminal_id=principal.terminal_id, action="enroll_terminal", subject=terminal_id)
    renew_terminal(session, principal.municipality_code, terminal.terminal_id, now)  # BCP key period (issue 14)
    session.commit()
    return {"terminal_id": terminal.terminal_id, "terminal_name": terminal.name, "key_id": terminal.key_id}


def _require_terminal(session: Any, principal: Any) -> None:
    if terminal_for(session, principal.municipality_code, principal.terminal_id) is None:
        raise ApiError(403, "unknown_terminal", "登録済みの端末からのみ操作できます。",
                       "Only an enrolled terminal may lease serials")


def _lease_dict(row: SerialLease) -> dict[str, Any]:
    return {
        "lease_id": row.lease_id,
        "terminal_id": row.terminal_id,
        "first": row.first,
        "last": row.last,
        "leased_at": to_utc(row.leased_at).isoformat(),
        "expires_at": to_utc(row.expires_at).isoformat(),
        "status": row.status,
        "unused": json.loads(row.unused_json or "[]"),
    }


@router.post("/serials/lease", status_code=201)
def post_lease(body: LeaseIn, caller: CallerDep, session: SessionDep,
               municipality: PartnerQuery = None) -> dict[str, Any]:
    """Lease a block of serials from the same counter as online issuance (never collides).

    ``municipality=`` (相互バックアップ): a terminal leases from a partner's counter, only when an
    agreement between the two is recorded (403 ``no_agreement`` otherwise).
    """
    now = now_jst()
    _require_terminal(session, caller)
    principal = acting_for(session, caller, municipality)
    begin_write(session)
    # leases of this terminal past their expiry are closed as expired (their unused serials stay unused)
    session.execute(
        update(SerialLease)
        .where(SerialLease.municipality_code == principal.municipality_code,
               SerialLease.terminal_id == principal.terminal_id, SerialLease.status == "active",
               SerialLease.expires_at <= to_utc(now))
        .values(status="expired")
    )
    first, last = counters.take(session, principal.municipality_code, counters.ISSUE_SERIAL, body.size)
    row = SerialLease(
        lease_id=str(uuid.uuid4()), municipality_code=principal.municipality_code,
        terminal_id=principal.terminal_id, first=first, last=last, leased_at=to_utc(now),
        expires_at=to_utc(now + LEASE_LIFETIME), status="active", unused_json="[]",
    )
    session.add(row)
    session.flush()
    audit.append(session, principal.municipality_code, now=now, user_id=principal.user_id,
                 terminal_id=principal.terminal_id, action="lease_serials", subject=f"{first}-{last}")
    renew_terminal(session, caller.municipality_code, caller.terminal_id, now)  # BCP key period (issue 14)
    session.commit()
    return _lease_dict(row)


@router.post("/serials/leases/{lease_id}/return")
def post_lease_return(body: LeaseReturnIn, caller: CallerDep, session: SessionDep,
                      lease_id: Annotated[str, Path(max_length=36)],
                      municipality: PartnerQuery = None) -> dict[str, Any]:
    """Give a lease back, recording the serial ranges ``[[first, last], ...]`` that were not used.

    ``municipality=``: a lease taken from a partner's counter (same agreement check as leasing).
    """
    now = now_jst()
    principal = acting_for(session, caller, municipality)
    begin_write(session)
    row = session.get(SerialLease, lease_id)
    if row is None or row.municipality_code != principal.municipality_code or row.terminal_id != principal.terminal_id:
        raise not_found("リース", "Lease")
    if row.status != "active":
        raise ApiError(409, "lease_closed", "このリースはすでに返却済みです。", "Lease already returned or expired")
    for a, b in body.unused:
        if not (row.first <= a <= b <= row.last):
            raise ApiError(422, "range_outside_lease", "返却範囲がリースの範囲外です。",
                           f"[{a}, {b}] is not inside [{row.first}, {row.last}]")
    row.status = "returned"
    row.returned_at = to_utc(now)
    row.unused_json = json.dumps(sorted(body.unused))
    audit.append(session, principal.municipality_code, now=now, user_id=principal.user_id,
                 terminal_id=principal.terminal_id, action="return_lease", subject=lease_id)
    session.commit()
    return _lease_dict(row)


@router.get("/serials/leases")
def list_leases(principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    """Leases of the caller's terminal (all terminals for a supervisor or admin). Expired ones are marked."""
    now = now_jst()
    stmt = select(SerialLease).where(SerialLease.municipality_code == principal.municipality_code)
    if principal.role == "clerk":
        stmt = stmt.where(SerialLease.terminal_id == principal.terminal_id)
    rows = session.scalars(stmt.order_by(SerialLease.first)).all()
    out = []
    for r in rows:
        d = _lease_dict(r)
        if r.status == "active" and to_utc(r.expires_at) <= to_utc(now):
            d["status"] = "expired"
        out.append(d)
    return {"leases": out}


# -- standing and revocation (issue 15; server_stub.auth.terminal_standing) ---------------------------

class RevokeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)]


@router.post("/terminals/{terminal_id}/revoke")
def post_revoke(body: RevokeIn, principal: AdminDep, session: SessionDep,
                terminal_id: Annotated[str, Path(max_length=64)]) -> dict[str, Any]:
    """Revoke a terminal of the admin's municipality (lost or stolen): every later request of it
    is refused, its tokens and unused leased serials are voided. Who, when and why are logged."""
    now = now_jst()
    begin_write(session)
    # a StandingError is a Refusal: rendered as the error body by api.errors
    report = revoke_terminal(session, principal.municipality_code, terminal_id, by=principal.user_id,
                             reason=body.reason, now=now)
    session.commit()
    log.warning("terminal revoked: %s", report.to_dict())
    return report.to_dict()


@router.get("/terminals/{terminal_id}/standing")
def get_terminal_standing(principal: AdminDep, session: SessionDep,
                          terminal_id: Annotated[str, Path(max_length=64)]) -> dict[str, Any]:
    """A terminal's standing and the accounting of its serial leases (admin)."""
    terminal = terminal_row(session, principal.municipality_code, terminal_id)
    if terminal is None:
        raise not_found("端末", "Terminal")
    return {**standing(session, terminal, now_jst()),
            "leases": lease_accounting(session, principal.municipality_code, terminal_id)}


@router.get("/terminal/standing")
def get_own_standing(caller: PushCallerDep, session: SessionDep) -> dict[str, Any]:
    """The calling terminal's own standing (signed; a revoked terminal learns it here too)."""
    terminal = terminal_row(session, caller.municipality_code, caller.terminal_id)
    if terminal is None or caller.role != "terminal":
        raise ApiError(403, "terminal_only", "登録済み端末の署名でのみ確認できます。", "terminal signature required")
    return standing(session, terminal, now_jst())


@router.post("/terminal/wrapping-key")
def post_wrapping_key(caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    """Lease the replica wrapping key with its validity (docs/terminal-security.md), signed only."""
    if caller.role != "terminal":
        raise ApiError(403, "terminal_only", "登録済み端末の署名でのみ取得できます。", "terminal signature required")
    begin_write(session)
    terminal = terminal_row(session, caller.municipality_code, caller.terminal_id)
    if terminal is None:
        raise ApiError(403, "unknown_terminal", "この端末は登録されていません。", "not enrolled")
    # a StandingError is a Refusal: rendered as the error body by api.errors
    lease = lease_wrapping_key(session, terminal, now_jst())
    session.commit()
    return lease
