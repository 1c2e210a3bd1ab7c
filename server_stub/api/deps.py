"""Request dependencies: a database session, the authenticated principal, role checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from server_stub.api.errors import ApiError, forbidden_role
from server_stub.auth import AuthError, Principal, principal_for_token
from server_stub.clock import now_jst

_bearer = HTTPBearer(auto_error=False, description="Token from POST /api/v1/auth/login")


def get_factory(request: Request) -> sessionmaker[Session]:
    return request.app.state.session_factory  # type: ignore[no-any-return]


def get_session(factory: Annotated[sessionmaker[Session], Depends(get_factory)]) -> Iterator[Session]:
    with factory() as session:
        yield session


def get_principal(
    factory: Annotated[sessionmaker[Session], Depends(get_factory)],
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if creds is None or not creds.credentials:
        raise ApiError(401, "not_authenticated", "ログインしてください。", "Missing bearer token")
    if len(creds.credentials) > 200:
        raise ApiError(401, "invalid_token", "ログインし直してください。", "Malformed token")
    with factory() as session:
        try:
            return principal_for_token(session, creds.credentials, now_jst())
        except AuthError as exc:
            raise ApiError(401, exc.code, exc.message_ja, exc.message_en) from exc


ROLE_LABELS = {"supervisor": "係長（支援措置責任者）", "admin": "管理者", "clerk": "窓口職員"}


def require_role(*roles: str) -> Callable[[Principal], Principal]:
    def _check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if principal.role not in roles:
            raise forbidden_role("・".join(ROLE_LABELS.get(r, r) for r in roles))
        return principal

    return _check


SessionDep = Annotated[Session, Depends(get_session)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
SupervisorDep = Annotated[Principal, Depends(require_role("supervisor"))]
AdminDep = Annotated[Principal, Depends(require_role("admin"))]
