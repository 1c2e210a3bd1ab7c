"""Health, municipality parameters, public keys, token verification, day close, access log."""

from __future__ import annotations

import base64
import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import select, text
from starlette.concurrency import run_in_threadpool

from client.certificate.signing import verify_token
from server_stub import __version__
from server_stub.api.deps import PrincipalDep, SessionDep, SupervisorDep, json_response
from server_stub.api.schemas import VerifyIn
from server_stub.audit import chain as audit
from server_stub.clock import now_jst, to_utc
from server_stub.models import AccessLogEntry, Issuance, IssuedCopy, Municipality, Terminal
from server_stub.tenants.municipalities import params_of

health_router = APIRouter(tags=["health"])
router = APIRouter(prefix="/api/v1", tags=["administration"])


@health_router.get("/health", response_model=dict[str, Any])
async def health(request: Request) -> Response:
    """Liveness and database reachability; no authentication. Probed by every terminal every few
    seconds: one thread-pool call (the database ping), no other hop."""
    def ping() -> None:
        with request.app.state.session_factory() as session:
            session.execute(text("SELECT 1"))

    await run_in_threadpool(ping)
    return json_response({"status": "ok", "version": __version__, "time": now_jst().isoformat()})


@router.get("/municipality")
def get_municipality(principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    muni = session.get(Municipality, principal.municipality_code)
    assert muni is not None
    return params_of(session, muni).to_dict()


def _public_keys(session: Any, code: str) -> list[dict[str, Any]]:
    muni = session.get(Municipality, code)
    keys = [{"key_id": muni.signing_key_id, "kind": "municipality", "municipality_code": code,
             "name": muni.name, "public_key_b64": base64.b64encode(muni.signing_public_key).decode()}]
    for t in session.scalars(select(Terminal).where(Terminal.municipality_code == code).order_by(Terminal.terminal_id)):
        keys.append({"key_id": t.key_id, "kind": "terminal", "municipality_code": code, "terminal_id": t.terminal_id,
                     "name": t.name, "active": t.active, "public_key_b64": base64.b64encode(t.public_key).decode()})
    return keys


@router.get("/keys")
def get_keys(principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    """Public keys that sign certificates: the municipality key and every enrolled terminal's key."""
    return {"municipality_code": principal.municipality_code, "keys": _public_keys(session, principal.municipality_code)}


@router.post("/verify")
def post_verify(body: VerifyIn, principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    """Verify a certificate QR token against this municipality's keys, and look up its record."""
    keys = {k["key_id"]: base64.b64decode(k["public_key_b64"]) for k in _public_keys(session, principal.municipality_code)}
    verdict = verify_token(body.token, keys)
    out = verdict.to_dict()
    record = None
    if verdict.payload is not None and verdict.valid:
        copy = session.scalars(select(IssuedCopy).where(
            IssuedCopy.municipality_code == principal.municipality_code,
            IssuedCopy.issue_number == verdict.payload.issue_number,
        )).first()
        if copy is not None:
            record = {"issuance_id": copy.issuance_id, "issue_number": copy.issue_number,
                      "voided": copy.voided_at is not None, "void_reason": copy.void_reason}
    out["record"] = record
    return out


@router.get("/day-close")
def day_close(
    principal: PrincipalDep,
    session: SessionDep,
    date_: Annotated[date | None, Query(alias="date")] = None,
) -> dict[str, Any]:
    """日計表: counts (copies) and fees by certificate type, exemption reason, terminal and user."""
    day = date_ or now_jst().date()
    rows = session.scalars(select(Issuance).where(
        Issuance.municipality_code == principal.municipality_code, Issuance.issued_on == day
    )).all()

    def bucket(key: str) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for r in rows:
            if r.voided_at is not None:
                continue
            k = getattr(r, key) or "-"
            b = out.setdefault(k, {"issuances": 0, "copies": 0, "fee_yen": 0})
            b["issuances"] += 1
            b["copies"] += r.copies
            b["fee_yen"] += r.fee_yen
        return dict(sorted(out.items()))

    live = [r for r in rows if r.voided_at is None]
    voided = [r for r in rows if r.voided_at is not None]
    return {
        "date": day.isoformat(),
        "municipality_code": principal.municipality_code,
        "total": {"issuances": len(live), "copies": sum(r.copies for r in live), "fee_yen": sum(r.fee_yen for r in live)},
        "voided": {"issuances": len(voided), "copies": sum(r.copies for r in voided)},
        "by_type": bucket("cert_type"),
        "by_exemption": bucket("exemption_reason"),
        "by_terminal": bucket("terminal_id"),
        "by_user": bucket("user_id"),
        "by_mode": bucket("mode"),
    }


@router.get("/access-log")
def access_log(
    principal: SupervisorDep,
    session: SessionDep,
    after_seq: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    verify: bool = False,
) -> dict[str, Any]:
    """The access log of the caller's municipality (supervisor), with an optional chain check."""
    rows = session.scalars(select(AccessLogEntry).where(
        AccessLogEntry.municipality_code == principal.municipality_code, AccessLogEntry.seq > after_seq
    ).order_by(AccessLogEntry.seq).limit(limit)).all()
    entries = [{
        "seq": r.seq, "at": to_utc(r.at).isoformat(), "user_id": r.user_id, "terminal_id": r.terminal_id,
        "action": r.action, "subject": r.subject, "mode": r.mode, "outcome": r.outcome,
        "my_number_shown": r.my_number_shown, "seal_printed": r.seal_printed,
        "issue_numbers": [x for x in r.issue_numbers.split(",") if x], "detail": json.loads(r.detail_json or "{}"),
        "prev_hash": r.prev_hash, "entry_hash": r.entry_hash,
    } for r in rows]
    out: dict[str, Any] = {"entries": entries}
    if verify:
        broken = audit.verify_chain(session, principal.municipality_code)
        out["chain"] = {"intact": broken is None, "broken_seq": broken.seq if broken else None,
                        "reason": broken.reason if broken else None}
    return out


@router.get("/support-measures/alerts")
def support_measure_alerts(principal: SupervisorDep, session: SessionDep) -> dict[str, Any]:
    """支援措置 to follow up (supervisor): ending within a month, ended within the last month,
    仮支援措置 awaiting the decision (住民記録システム標準仕様書). Persons are not listed."""
    from client.domain.blocks import measure_alerts
    from server_stub.models import SupportMeasure
    from server_stub.register.convert import support_measure

    rows = session.scalars(select(SupportMeasure).where(SupportMeasure.municipality_code == principal.municipality_code)
                           .order_by(SupportMeasure.measure_id)).all()
    alerts = measure_alerts((support_measure(r, ()) for r in rows), now_jst().date())
    return {"alerts": [{"measure_id": a.measure_id, "kind": a.kind, "end": a.end.isoformat() if a.end else None,
                        "message_ja": a.message_ja, "message_en": a.message_en} for a in alerts]}
