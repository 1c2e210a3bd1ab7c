"""Request dependencies: a database session, the authenticated principal, role checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from server_stub.api.errors import ApiError, forbidden_role
from server_stub.auth import AuthError, Principal, principal_for_token
from server_stub.clock import now_jst
from server_stub.terminal_signature import request_body_sha256

_bearer = HTTPBearer(auto_error=False, description="Token from POST /api/v1/auth/login")


def get_factory(request: Request) -> sessionmaker[Session]:
    return request.app.state.session_factory  # type: ignore[no-any-return]


def get_session(factory: Annotated[sessionmaker[Session], Depends(get_factory)]) -> Iterator[Session]:
    with factory() as session:
        yield session


def _refused(exc: Any) -> ApiError:
    return ApiError(exc.status, exc.code, exc.message_ja, exc.message_en, **exc.extra)


def _principal(session: Session, request: Request, creds: HTTPAuthorizationCredentials | None,
               body_sha256: str) -> Principal:
    """The staff member of the Bearer token, bound to its terminal (issue 15): a terminal
    signature on the request must be that terminal's, and a token issued to a signed login
    must carry it (``terminal_signature.check_token_binding``)."""
    from server_stub.terminal_signature import CallerRefused, check_token_binding

    if creds is None or not creds.credentials:
        raise ApiError(401, "not_authenticated", "ログインしてください。", "Missing bearer token")
    if len(creds.credentials) > 200:
        raise ApiError(401, "invalid_token", "ログインし直してください。", "Malformed token")
    now = now_jst()
    try:
        principal = principal_for_token(session, creds.credentials, now)
    except AuthError as exc:
        raise ApiError(403 if exc.status == 403 else 401, exc.code, exc.message_ja, exc.message_en) from exc
    try:
        check_token_binding(session, principal, request, body_sha256, now)
    except CallerRefused as exc:
        raise _refused(exc) from exc
    return principal


def get_principal(
    request: Request,
    session: Annotated[Session, Depends(get_session)],
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    body_sha256: Annotated[str, Depends(request_body_sha256)],
) -> Principal:
    """The token's principal, read in the request's own session (one session and one pooled
    connection per request, issue 23). The short read transaction is ended at once, so the
    endpoint starts its own as before (a writer's BEGIN IMMEDIATE on SQLite); a nonce the
    binding check stores is committed by that check itself."""
    try:
        return _principal(session, request, creds, body_sha256)
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


def _caller(request: Request, factory: sessionmaker[Session], body_sha256: str, *,
            allow_revoked: bool) -> Principal:
    from server_stub.terminal_signature import HEADER_TERMINAL, CallerRefused, verify_terminal_request

    if request.headers.get("authorization") or not request.headers.get(HEADER_TERMINAL):
        auth = request.headers.get("authorization", "")
        creds = (HTTPAuthorizationCredentials(scheme="Bearer", credentials=auth[7:].strip())
                 if auth.lower().startswith("bearer ") else None)
        with factory() as session:
            return _principal(session, request, creds, body_sha256)
    with factory() as session:
        try:
            terminal = verify_terminal_request(session, request.method, request.url.path,
                                               request.query_params.multi_items(), request.headers,
                                               body_sha256, now_jst(), allow_revoked=allow_revoked)
        except CallerRefused as exc:
            raise _refused(exc) from exc
        return Principal(municipality_code=terminal.municipality_code, user_id=f"terminal:{terminal.terminal_id}",
                         name=terminal.name, role="terminal", terminal_id=terminal.terminal_id,
                         terminal_name=terminal.name,
                         revoked_at=terminal.revoked_at if terminal.status == "revoked" else None)


def get_caller(request: Request, factory: Annotated[sessionmaker[Session], Depends(get_factory)],
               body_sha256: Annotated[str, Depends(request_body_sha256)]) -> Principal:
    """A signed-in staff member, or the enrolled terminal itself (request signature).

    After an outage the clerks signed in offline and hold no server token: the terminal pushes
    its outbox with its own Ed25519 signature, and each record names the clerk who issued it.
    """
    return _caller(request, factory, body_sha256, allow_revoked=False)


def get_push_caller(request: Request, factory: Annotated[sessionmaker[Session], Depends(get_factory)],
                    body_sha256: Annotated[str, Depends(request_body_sha256)]) -> Principal:
    """``get_caller``, except that a revoked terminal passes with ``revoked_at`` set: it may push
    the issuances it made before its revocation (the endpoint refuses the later ones)."""
    return _caller(request, factory, body_sha256, allow_revoked=True)


CallerDep = Annotated[Principal, Depends(get_caller)]
PushCallerDep = Annotated[Principal, Depends(get_push_caller)]
