"""Operations endpoints: terminals report outages and response times; BCP access-log upload; SLA.

* ``POST /api/v1/terminals/outages`` ``{reports: [{report_id, scope, started_at, detected_at,
  bcp_started_at?, notified_at?, ended_at?, note?}]}`` → per report ``stored|updated|duplicate``.
* ``POST /api/v1/terminals/samples`` ``{batch_id, samples: [{at, operation, ms}]}`` →
  ``{status: stored|duplicate, count}``.
* ``POST /api/v1/bcp/access-log`` ``{entries: [...]}`` (the terminal's chained BCP access-log
  entries as ``Outbox.access_entries`` gives them) → ``{appended, duplicates, last_seq}``; 409
  ``terminal_log_gap`` or 422 ``terminal_log_tampered`` with the seq when the chain does not check.
* ``GET /api/v1/ops/sla?month=YYYY-MM`` (supervisor, admin) → the SLA figures as JSON.

Callers: a signed-in staff member, or the enrolled terminal by request signature (as for the
outbox push). The terminal is the caller's terminal; the municipality is the caller's, or for the
access log a partner's named by ``?municipality=`` (相互バックアップ, ``server_stub.tenants.mutual_backup``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Query
from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from server_stub.api.deps import SessionDep, require_role
from server_stub.api.errors import ApiError
from server_stub.api.schemas import _Model
from server_stub.audit.terminal_log import TerminalLogRejected, append_terminal_entries
from server_stub.auth.sign_in import Principal
from server_stub.clock import now_jst
from server_stub.db import begin_write
from server_stub.operations.sla import HealthHeartbeat, sla_figures, store_outage_reports, store_samples
from server_stub.tenants.mutual_backup import PartnerQuery, acting_for

try:  # staff token or the terminal's own request signature
    from server_stub.api.deps import CallerDep as BcpCallerDep  # type: ignore[attr-defined]
except ImportError:  # before the caller dependency moved to deps
    from server_stub.api.bcp import BcpCallerDep  # type: ignore[attr-defined,no-redef]


@asynccontextmanager
async def _heartbeat(app: FastAPI) -> AsyncIterator[None]:
    """The server's own availability record: a heartbeat row per interval while serving. Also
    sets up the rotating server log in worker processes (``serve --workers N``), idempotently."""
    from server_stub.logging_setup import setup_logging

    setup_logging()
    beat = HealthHeartbeat(app.state.session_factory)
    beat.start()
    try:
        yield
    finally:
        beat.stop()


router = APIRouter(prefix="/api/v1", tags=["operations"], lifespan=_heartbeat)

Uuid = Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F-]{36}$")]
Short = Annotated[str, StringConstraints(min_length=1, max_length=32)]


class OutageIn(_Model):
    report_id: Uuid
    scope: Literal["primary", "secondary", "all"] = "all"
    started_at: AwareDatetime
    detected_at: AwareDatetime
    bcp_started_at: AwareDatetime | None = None
    notified_at: AwareDatetime | None = None
    ended_at: AwareDatetime | None = None
    note: Annotated[str, StringConstraints(max_length=500)] = ""

    @model_validator(mode="after")
    def _order(self) -> OutageIn:
        for name in ("detected_at", "bcp_started_at", "notified_at", "ended_at"):
            value = getattr(self, name)
            if value is not None and value < self.started_at:
                raise ValueError(f"{name} is before started_at")
        return self


class OutagesIn(_Model):
    reports: Annotated[list[OutageIn], Field(min_length=1, max_length=200)]


class SampleIn(_Model):
    at: AwareDatetime
    operation: Short
    ms: Annotated[int, Field(ge=0, le=3_600_000)]


class SamplesIn(_Model):
    batch_id: Uuid
    samples: Annotated[list[SampleIn], Field(max_length=5000)]


class AccessEntriesIn(_Model):
    entries: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=500)]

    @model_validator(mode="after")
    def _shape(self) -> AccessEntriesIn:
        for e in self.entries:
            seq = e.get("seq")
            if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= 2**53:
                raise ValueError("each entry needs an integer seq ≥ 1")
            for key in ("at", "user_id", "action", "prev_hash", "hash"):
                if not isinstance(e.get(key), str) or not e[key] or len(e[key]) > 200:
                    raise ValueError(f"entry {seq}: {key} must be a non-empty string")
            if not isinstance(e.get("subject", ""), str):
                raise ValueError(f"entry {seq}: subject must be a string")
        return self


def _terminal(principal: Principal) -> str:
    if not principal.terminal_id:
        raise ApiError(400, "terminal_required", "端末IDが必要です(端末からログインしてください)。",
                       "the caller is not bound to a terminal")
    return principal.terminal_id


@router.post("/terminals/outages")
def post_outages(body: OutagesIn, principal: BcpCallerDep, session: SessionDep) -> dict[str, Any]:
    terminal = _terminal(principal)
    begin_write(session)
    results = store_outage_reports(session, principal.municipality_code, terminal,
                                   [r.model_dump() for r in body.reports], now_jst())
    session.commit()
    return {"results": results}


@router.post("/terminals/samples")
def post_samples(body: SamplesIn, principal: BcpCallerDep, session: SessionDep) -> dict[str, Any]:
    terminal = _terminal(principal)
    begin_write(session)
    status = store_samples(session, principal.municipality_code, terminal, body.batch_id,
                           [s.model_dump() for s in body.samples], now_jst())
    session.commit()
    return {"status": status, "count": len(body.samples)}


@router.post("/bcp/access-log")
def post_access_log(body: AccessEntriesIn, caller: BcpCallerDep, session: SessionDep,
                    municipality: PartnerQuery = None) -> dict[str, Any]:
    """``municipality=``: the log of BCP work done for a partner (相互バックアップ) joins its chain."""
    principal = acting_for(session, caller, municipality)
    terminal = _terminal(principal)
    begin_write(session)
    try:
        outcome = append_terminal_entries(session, principal.municipality_code, terminal, principal.user_id,
                                          body.entries, now_jst())
    except TerminalLogRejected:
        session.rollback()
        raise  # a Refusal (with ``seq``): rendered as the error body by api.errors
    session.commit()
    return outcome.to_dict()


@router.get("/ops/sla")
def get_sla(principal: Annotated[Principal, Depends(require_role("supervisor", "admin"))], session: SessionDep,
            month: Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]) -> dict[str, Any]:
    return sla_figures(session, principal.municipality_code, month, now_jst())
