"""BCP sync back and conflict review.

* ``POST /api/v1/bcp/issuances`` — a batch of outbox records; each one is stored exactly once
  (by its client UUID) and reconciled, the batch in one write transaction with a savepoint per
  record (a refused record changes nothing); the answer lists, per record,
  ``stored`` / ``duplicate`` / ``rejected`` (with a code), and any conflict codes.
  ``?municipality=CODE``: a partner's records (相互バックアップ, see ``server_stub.tenants.mutual_backup``).
* ``GET /api/v1/bcp/conflicts?status=open`` and ``GET /api/v1/bcp/conflicts/{id}`` (supervisor).
* ``POST /api/v1/bcp/conflicts/{id}/resolve`` ``{outcome: no_problem|recall|other, note}``
  (supervisor; logged).
* ``GET /api/v1/bcp/summary`` — counts of BCP issuances and open/resolved conflicts.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, Path, Query
from pydantic import Field, StringConstraints
from sqlalchemy import func, select

from client.wire.bcp import PUSH_MAX_RECORDS, BcpIssuanceRecord, BcpPushResult
from server_stub.api.deps import CallerDep, PrincipalDep, PushCallerDep, SessionDep, SupervisorDep
from server_stub.api.errors import ApiError
from server_stub.api.schemas import IssuanceRequestIn, Reason, _Model
from server_stub.auth.terminal_standing import after_revocation
from server_stub.clock import now_jst
from server_stub.db import begin_write
from server_stub.issuing.bcp_batch import BcpBatch, BcpRejected
from server_stub.issuing.bcp_conflicts import conflict_to_dict, resolve_conflict
from server_stub.issuing.reconcile import store_bcp_issuance
from server_stub.models import BcpConflict, Issuance
from server_stub.tenants.mutual_backup import PartnerQuery, acting_for
from server_stub.trust.keys import renew_terminal

router = APIRouter(prefix="/api/v1/bcp", tags=["bcp"])

BcpCallerDep = CallerDep  # a staff token or the terminal's own signature (see deps.get_caller)



Uuid = Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F-]{36}$")]


class BcpCopyIn(_Model):
    serial: Annotated[int, Field(ge=1, le=10**12)]
    issue_number: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    qr_token: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    content_digest: Annotated[str, StringConstraints(max_length=64)] = ""


class BcpReleaseIn(_Model):
    measure_id: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    reason: Reason
    supervisor: Annotated[str, StringConstraints(max_length=64)] = ""


class StaleOverrideIn(_Model):
    reason: Reason
    by: Annotated[str, StringConstraints(max_length=64)] = ""


class BcpRecordIn(_Model):
    """``client.wire.bcp.BcpIssuanceRecord`` with constraints (the fields are checked equal by
    tests/core/test_wire_schemas.py)."""

    uuid: Uuid
    user_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    issued_at: Annotated[str, StringConstraints(min_length=10, max_length=40)]
    data_as_of: Annotated[str, StringConstraints(max_length=40)] | None = None
    request: IssuanceRequestIn
    release: BcpReleaseIn | None = None
    printer_id: Annotated[str, StringConstraints(max_length=32)] = ""
    content: dict[str, Any]
    copies: Annotated[list[BcpCopyIn], Field(min_length=1, max_length=20)]
    fee_yen: Annotated[int, Field(ge=0, le=10_000_000)] = 0
    exemption_reason: Annotated[str, StringConstraints(max_length=64)] = ""
    stale_override: StaleOverrideIn | None = None  # supervisor override of the replica age limit


    def to_wire(self) -> BcpIssuanceRecord:
        """The record as the terminal sent it, its defaults filled in (validated: the wire shape)."""
        return cast(BcpIssuanceRecord, self.model_dump(mode="json"))


class BcpBatchIn(_Model):
    records: Annotated[list[BcpRecordIn], Field(min_length=1, max_length=PUSH_MAX_RECORDS)]


class ResolveIn(_Model):
    outcome: Literal["no_problem", "recall", "other"]
    note: Annotated[str, StringConstraints(max_length=1000)] = ""


@router.post("/issuances")
def push_issuances(body: BcpBatchIn, caller: PushCallerDep, session: SessionDep,
                   municipality: PartnerQuery = None) -> dict[str, Any]:
    """Store each record once; a rejected record does not stop the others.

    ``municipality=`` (相互バックアップ): the records were issued on this terminal for a partner
    municipality; they are stored and reconciled as that municipality's, only when an agreement
    between the two is recorded (otherwise 403 ``no_agreement`` and nothing is stored).
    """
    principal = acting_for(session, caller, municipality)
    records = [rec.to_wire() for rec in body.records]
    results: list[BcpPushResult] = []
    begin_write(session)
    # What the records share is loaded once, in the write transaction (so a concurrent push of
    # the same records waits, then sees them stored); each record is stored or refused in its own
    # savepoint; the batch commits once. An unexpected error rolls the whole batch back: the
    # terminal pushes it again and nothing is stored twice.
    renew_terminal(session, caller.municipality_code, caller.terminal_id, now_jst())  # while online (issue 14)
    batch = BcpBatch(session, principal, records)
    for rec, record in zip(body.records, records, strict=True):
        refused = after_revocation(principal, record)  # a revoked terminal: only what came before
        if refused is not None:
            results.append(refused)
            continue
        savepoint = session.begin_nested()
        try:
            stored = store_bcp_issuance(session, principal, record, now_jst(), batch)
            savepoint.commit()
        except BcpRejected as exc:
            savepoint.rollback()
            results.append(BcpPushResult(uuid=rec.uuid, status="rejected", code=exc.code, http_status=exc.status,
                                         message_ja=exc.message_ja, message_en=exc.message_en))
            continue
        except ValueError as exc:
            savepoint.rollback()
            results.append(BcpPushResult(uuid=rec.uuid, status="rejected", code="bad_record", http_status=422,
                                         message_ja="BCP発行記録の内容が正しくありません。", message_en=str(exc)))
            continue
        results.append(BcpPushResult(
            uuid=rec.uuid,
            status="duplicate" if stored.duplicate else "stored",
            issuance_id=stored.issuance_id,
            conflicts=list(stored.conflict_codes),
        ))
    session.commit()
    return {"results": results}  # a BcpPushAnswer (a plain dict here: FastAPI would make a TypedDict a response model)


@router.get("/conflicts")
def list_conflicts(
    principal: SupervisorDep,
    session: SessionDep,
    status: Annotated[Literal["open", "resolved", "all"], Query()] = "open",
) -> dict[str, Any]:
    stmt = select(BcpConflict).where(BcpConflict.municipality_code == principal.municipality_code)
    if status != "all":
        stmt = stmt.where(BcpConflict.status == status)
    rows = session.scalars(stmt.order_by(BcpConflict.id)).all()
    return {"conflicts": [conflict_to_dict(r) for r in rows]}


@router.get("/conflicts/{conflict_id}")
def get_conflict(
    principal: SupervisorDep, session: SessionDep, conflict_id: Annotated[int, Path(ge=1, le=2**62)]
) -> dict[str, Any]:
    row = session.get(BcpConflict, conflict_id)
    if row is None or row.municipality_code != principal.municipality_code:
        raise ApiError(404, "not_found", "競合が見つかりません。", "Conflict not found")
    return conflict_to_dict(row)


@router.post("/conflicts/{conflict_id}/resolve")
def post_resolve(
    body: ResolveIn,
    principal: SupervisorDep,
    session: SessionDep,
    conflict_id: Annotated[int, Path(ge=1, le=2**62)],
) -> dict[str, Any]:
    begin_write(session)
    try:
        row = resolve_conflict(session, principal, conflict_id, body.outcome, body.note, now_jst())
    except BcpRejected:
        session.rollback()
        raise  # a Refusal: rendered as the error body by api.errors
    session.commit()
    return conflict_to_dict(row)


@router.get("/summary")
def summary(principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    code = principal.municipality_code
    issued = session.scalar(
        select(func.count()).select_from(Issuance).where(Issuance.municipality_code == code, Issuance.mode == "bcp")
    )
    by_status = dict(
        session.execute(
            select(BcpConflict.status, func.count()).where(BcpConflict.municipality_code == code)
            .group_by(BcpConflict.status)
        ).all()
    )
    return {"bcp_issuances": int(issued or 0), "open_conflicts": int(by_status.get("open", 0)),
            "resolved_conflicts": int(by_status.get("resolved", 0))}
