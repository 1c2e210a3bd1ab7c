"""様式パラメータ (form parameters) of the caller's municipality: list, set, clear (admin only).

* ``GET /api/v1/admin/form-parameters`` — every form with its effective parameters.
* ``PUT /api/v1/admin/form-parameters/{form_id}`` — body ``{"certification_text"?, "note"?,
  "enabled"?, "registration_no"?}`` (any subset; an empty text returns to the default;
  ``registration_no`` for ``inkan`` only); unknown keys are refused.
* ``DELETE /api/v1/admin/form-parameters/{form_id}`` — back to the defaults.

Bad input: 422 ``invalid_form_parameter`` (404 ``unknown_form`` for a form id that does not
exist) and nothing changes. Each change is in the replica change feed (kind ``form_parameter``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path

from client.domain.form_params import FORM_IDS, FormParameterError
from server_stub.api.deps import AdminDep, SessionDep
from server_stub.api.errors import ApiError
from server_stub.clock import now_jst
from server_stub.db import begin_write
from server_stub.tenants import form_params

router = APIRouter(prefix="/api/v1/admin/form-parameters", tags=["administration"])

FormId = Annotated[str, Path(max_length=32, description=f"form id: {', '.join(FORM_IDS)}")]


def _refuse(exc: FormParameterError, form_id: str) -> ApiError:
    if form_id not in FORM_IDS:
        return ApiError(404, "unknown_form", exc.message_ja, exc.message_en, forms=list(FORM_IDS))
    return ApiError(422, "invalid_form_parameter", exc.message_ja, exc.message_en)


@router.get("")
def list_form_parameters(principal: AdminDep, session: SessionDep) -> dict[str, Any]:
    return {"municipality": principal.municipality_code,
            "forms": form_params.listing(session, principal.municipality_code)}


@router.put("/{form_id}")
def put_form_parameters(form_id: FormId, principal: AdminDep, session: SessionDep,
                        body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    begin_write(session)
    try:
        new = form_params.set_params(session, principal.municipality_code, form_id, body, now=now_jst(),
                                     user_id=principal.user_id, terminal_id=principal.terminal_id)
    except FormParameterError as exc:
        session.rollback()
        raise _refuse(exc, form_id) from exc
    session.commit()
    return {**new.to_dict(), "customised": not new.is_default}


@router.delete("/{form_id}")
def delete_form_parameters(form_id: FormId, principal: AdminDep, session: SessionDep) -> dict[str, Any]:
    begin_write(session)
    try:
        cleared = form_params.clear_params(session, principal.municipality_code, form_id, now=now_jst(),
                                           user_id=principal.user_id, terminal_id=principal.terminal_id)
    except FormParameterError as exc:
        session.rollback()
        raise _refuse(exc, form_id) from exc
    session.commit()
    return {"form_id": form_id, "cleared": cleared}
