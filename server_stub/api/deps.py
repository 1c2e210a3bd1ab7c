"""Request dependencies: a database session, the authenticated principal, role checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from server_stub.api.errors import ApiError, forbidden_role
from server_stub.auth import AuthError, Principal, principal_for_token, terminal_for
from server_stub.clock import now_jst

_bearer = HTTPBearer(auto_error=False, description="Token from POST /api/v1/auth/login")


def get_factory(request: Request) -> sessionmaker[Session]:
    return request.app.state.session_factory  # type: ignore[no-any-return]


def get_session(factory: Annotated[sessionmaker[Session], Depends(get_factory)]) -> Iterator[Session]:
    with factory() as session:
        yield session


def _principal(session: Session, creds: HTTPAuthorizationCredentials | None) -> Principal:
    if creds is None or not creds.credentials:
        raise ApiError(401, "not_authenticated", "ログインしてください。", "Missing bearer token")
    if len(creds.credentials) > 200:
        raise ApiError(401, "invalid_token", "ログインし直してください。", "Malformed token")
    try:
        return principal_for_token(session, creds.credentials, now_jst())
    except AuthError as exc:
        raise ApiError(401, exc.code, exc.message_ja, exc.message_en) from exc


def get_principal(
    session: Annotated[Session, Depends(get_session)],
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The token's principal, read in the request's own session (one session and one pooled
    connection per request). The short read transaction is ended at once, so the endpoint starts
    its own as before (a writer's BEGIN IMMEDIATE on SQLite)."""
    try:
        return _principal(session, creds)
    finally:
        session.rollback()


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


def get_caller(request: Request, factory: Annotated[sessionmaker[Session], Depends(get_factory)]) -> Principal:
    """A signed-in staff member, or the enrolled terminal itself (request signature).

    After an outage the clerks signed in offline and hold no server token: the terminal pushes
    its outbox with its own Ed25519 signature, and each record names the clerk who issued it.
    """
    from server_stub.terminal_signature import (
        HEADER_TERMINAL,
        CallerRefused,
        municipality_of_terminal_signature,
    )

    if request.headers.get("authorization") or not request.headers.get(HEADER_TERMINAL):
        from fastapi.security import HTTPAuthorizationCredentials

        auth = request.headers.get("authorization", "")
        creds = (HTTPAuthorizationCredentials(scheme="Bearer", credentials=auth[7:].strip())
                 if auth.lower().startswith("bearer ") else None)
        with factory() as session:
            return _principal(session, creds)
    with factory() as session:
        try:
            code = municipality_of_terminal_signature(session, request.method, request.url.path,
                                                      request.query_params.multi_items(), request.headers,
                                                      now_jst())
        except CallerRefused as exc:
            raise ApiError(401, exc.code, exc.message_ja, exc.message_en) from exc
        terminal_id = request.headers[HEADER_TERMINAL].partition("/")[2]
        terminal = terminal_for(session, code, terminal_id)
        assert terminal is not None  # checked by the signature verification
        return Principal(municipality_code=code, user_id=f"terminal:{terminal_id}", name=terminal.name,
                         role="terminal", terminal_id=terminal_id, terminal_name=terminal.name)


CallerDep = Annotated[Principal, Depends(get_caller)]
