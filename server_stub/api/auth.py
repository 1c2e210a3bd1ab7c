"""POST /api/v1/auth/login, /logout; POST /api/v1/staff/{user_id}/unlock (admin)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from sqlalchemy import update

from client.domain.checkdigits import is_valid_municipality_code
from server_stub.api.deps import AdminDep, PrincipalDep, SessionDep
from server_stub.api.errors import ApiError, not_found
from server_stub.api.schemas import LoginIn
from server_stub.audit import chain as audit
from server_stub.auth.sign_in import AuthError, login, revoke
from server_stub.auth.terminal_signature import (
    has_terminal_signature,
    request_body_sha256,
    verify_terminal_request,
)
from server_stub.clock import now_jst, to_utc
from server_stub.db import begin_write
from server_stub.models import Staff
from server_stub.replica import changes
from server_stub.tenants.municipalities import params_of
from server_stub.trust.keys import renew_terminal

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post("/auth/login")
def post_login(body: LoginIn, session: SessionDep, request: Request,
               body_sha256: Annotated[str, Depends(request_body_sha256)]) -> dict[str, Any]:
    """Sign in; the token is bound to municipality, user and terminal. 5 failures lock the account.

    A login that carries the terminal's own signature (the terminal named in the body) gets a
    token that is refused on any later request without that terminal's signature.
    """
    if not is_valid_municipality_code(body.municipality_code):
        raise ApiError(422, "invalid_municipality_code", "団体コードが正しくありません（チェックデジット）。",
                       f"Invalid 地方公共団体コード {body.municipality_code!r}")
    now = now_jst()
    signed = False
    if has_terminal_signature(request.headers):
        terminal = verify_terminal_request(session, request.method, request.url.path,
                                           request.query_params.multi_items(), request.headers, body_sha256, now)
        if (terminal.municipality_code, terminal.terminal_id) != (body.municipality_code, body.terminal_id):
            raise ApiError(403, "token_terminal_mismatch", "署名した端末とログインする端末が一致しません。",
                           "the login names another terminal than the one that signed it")
        signed = True
    begin_write(session)
    try:
        token, expires, staff, muni = login(
            session, municipality_code=body.municipality_code, user_id=body.user_id,
            password=body.password, terminal_id=body.terminal_id, now=to_utc(now), signed=signed,
        )
    except AuthError:
        session.commit()  # keep the failure counter
        raise  # a Refusal: rendered as the error body by api.errors
    params = params_of(session, muni)
    audit.append(session, muni.code, now=now, user_id=staff.user_id, terminal_id=body.terminal_id or "-",
                 action="login")
    renew_terminal(session, muni.code, body.terminal_id or "", now)  # the BCP key's period, while online
    session.commit()
    return {
        "token": token,
        "expires_at": to_utc(expires).isoformat(),
        "user": {"user_id": staff.user_id, "name": staff.name, "role": staff.role},
        "municipality": params.to_dict(),
    }


@router.post("/auth/logout")
def post_logout(request: Request, principal: PrincipalDep, session: SessionDep) -> dict[str, str]:
    header = request.headers.get("authorization", "")
    begin_write(session)
    revoke(session, header.split(" ", 1)[-1].strip())
    session.commit()
    return {"status": "ok", "user_id": principal.user_id}


@router.post("/staff/{user_id}/unlock")
def post_unlock(
    principal: AdminDep,
    session: SessionDep,
    user_id: str = Path(min_length=1, max_length=64),
) -> dict[str, str]:
    """Clear the lockout of a staff member of the caller's municipality (admin)."""
    begin_write(session)
    res = session.execute(
        update(Staff)
        .where(Staff.municipality_code == principal.municipality_code, Staff.user_id == user_id)
        .values(failed_attempts=0, locked=False)
    )
    if not res.rowcount:  # type: ignore[attr-defined]
        raise not_found("職員", "Staff member")
    changes.record_change(session, principal.municipality_code, "staff", user_id, changes.UPSERT, to_utc(now_jst()))
    audit.append(session, principal.municipality_code, now=now_jst(), user_id=principal.user_id,
                 terminal_id=principal.terminal_id, action="unlock_staff", subject=user_id)
    session.commit()
    return {"status": "ok", "user_id": user_id}
