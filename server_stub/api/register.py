"""Recording changes to the register at the data centre (支援措置責任者 and administrators only).

* ``POST /api/v1/register/support-measures`` — a 支援措置 (protected persons, perpetrators, period)
* ``POST /api/v1/register/suppressions`` — an 抑止 on a person or household for one process
* ``POST /api/v1/register/removals`` — a 異動: 転出 or 死亡 (the person becomes a 除票)

Each write is validated first (422 ``invalid_register_change``/``unknown_resident``, 409 for a
duplicate id or a person already removed; nothing written), then stored with its change-feed row
(the terminals' replicas pick it up at the next pull) and an access-log entry, in one transaction.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from server_stub.api.deps import SessionDep, require_role
from server_stub.auth.sign_in import Principal
from server_stub.clock import now_jst
from server_stub.db import begin_write
from server_stub.register import recording as register_changes
from server_stub.register.recording import Actor, RegisterError

router = APIRouter(prefix="/api/v1/register", tags=["register"])
RegistrarDep = Annotated[Principal, Depends(require_role(*register_changes.ROLES))]
Id = Annotated[str, StringConstraints(min_length=1, max_length=32)]
Atena = Annotated[str, StringConstraints(min_length=1, max_length=16)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SupportMeasureIn(_In):
    measure_id: Id
    protected: Annotated[list[Atena], Field(min_length=1, max_length=50)]
    perpetrator_names: Annotated[list[Annotated[str, StringConstraints(max_length=100)]], Field(max_length=20)] = []
    perpetrator_atena_nos: Annotated[list[Atena], Field(max_length=20)] = []
    start: date | None = None
    end: date | None = None
    provisional: bool = False
    processes: Annotated[list[Annotated[str, StringConstraints(max_length=16)]], Field(min_length=1, max_length=3)] = [
        "hakko", "shokai"]


class SuppressionIn(_In):
    suppression_id: Id
    atena_no: Atena | None = None
    household_no: Atena | None = None
    process: Annotated[str, StringConstraints(max_length=16)]
    level: Annotated[str, StringConstraints(max_length=16)] = "error"
    reason: Annotated[str, StringConstraints(max_length=200)]
    start: date | None = None
    end: date | None = None


class RemovalIn(_In):
    atena_no: Atena
    status: Annotated[str, StringConstraints(max_length=16)]
    removed_on: date
    reason: Annotated[str, StringConstraints(max_length=32)] = ""


def _write(session: Any, principal: Principal, call: Any) -> dict[str, Any]:
    begin_write(session)
    try:
        out: dict[str, Any] = call(session, principal.municipality_code,
                                   Actor(principal.user_id, principal.terminal_id or ""), now_jst())
    except RegisterError:
        session.rollback()
        raise  # a Refusal: rendered as the error body by api.errors
    session.commit()
    return out


@router.post("/support-measures", status_code=201)
def post_support_measure(body: SupportMeasureIn, principal: RegistrarDep, session: SessionDep) -> dict[str, Any]:
    return _write(session, principal, lambda s, c, a, n: register_changes.record_support_measure(
        s, c, a, n, **body.model_dump()))


@router.post("/suppressions", status_code=201)
def post_suppression(body: SuppressionIn, principal: RegistrarDep, session: SessionDep) -> dict[str, Any]:
    return _write(session, principal, lambda s, c, a, n: register_changes.record_suppression(
        s, c, a, n, **body.model_dump()))


@router.post("/removals", status_code=201)
def post_removal(body: RemovalIn, principal: RegistrarDep, session: SessionDep) -> dict[str, Any]:
    return _write(session, principal, lambda s, c, a, n: register_changes.record_removal(
        s, c, a, n, **body.model_dump()))
