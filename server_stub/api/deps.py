"""Request dependencies: a database session, the authenticated principal, role checks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, Any

import orjson
from fastapi import Depends, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from server_stub.api.errors import ApiError, forbidden_role
from server_stub.auth.sign_in import AuthError, Principal, principal_for_token
from server_stub.auth.terminal_signature import request_body_sha256
from server_stub.clock import now_jst

_bearer = HTTPBearer(auto_error=False, description="Token from POST /api/v1/auth/login")


# Dependencies that do no I/O are ``async def``: FastAPI runs a plain ``def`` dependency in the
# thread pool, one hop (task, worker wake-up, GIL hand-over) per dependency and request (issue 23).


async def get_factory(request: Request) -> sessionmaker[Session]:
    return request.app.state.session_factory  # type: ignore[no-any-return]


async def get_session(factory: Annotated[sessionmaker[Session], Depends(get_factory)]) -> AsyncIterator[Session]:
    """A session for the request. Creating one does no I/O; closing one that still holds a
    connection (a read transaction left open) returns it to the pool with a rollback, so that is
    done in the thread pool, never on the event loop."""
    session = factory()
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


def _refused(exc: Any) -> ApiError:
    return ApiError(exc.status, exc.code, exc.message_ja, exc.message_en, **exc.extra)


def _principal(session: Session, request: Request, creds: HTTPAuthorizationCredentials | None,
               body_sha256: str) -> Principal:
    """The staff member of the Bearer token, bound to its terminal (issue 15): a terminal
    signature on the request must be that terminal's, and a token issued to a signed login
    must carry it (``terminal_signature.check_token_binding``)."""
    from server_stub.auth.terminal_signature import CallerRefused, check_token_binding

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
    from server_stub.auth.terminal_signature import HEADER_TERMINAL, CallerRefused, verify_terminal_request

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


# ---------------------------------------------------------------------------------------------
# The hot endpoints (search, resident detail, evaluate, issue, change feed): one thread-pool call
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    """What the principal is resolved from, gathered without touching the database."""

    request: Request
    bearer: HTTPAuthorizationCredentials | None
    body_sha256: str


async def get_credentials(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    body_sha256: Annotated[str, Depends(request_body_sha256)],
) -> Credentials:
    """A missing token is refused here, before the parameters and the body are validated (as
    ``get_principal`` refused it); the token itself is checked in the thread-pool call."""
    if bearer is None or not bearer.credentials:
        raise ApiError(401, "not_authenticated", "ログインしてください。", "Missing bearer token")
    return Credentials(request, bearer, body_sha256)


CredentialsDep = Annotated[Credentials, Depends(get_credentials)]


def json_response(payload: Any, status_code: int = 200) -> Response:
    """``payload`` as JSON (orjson; values the domain's ``to_dict`` gives). Anything orjson does
    not know goes through FastAPI's encoder, as a returned dict would have."""
    try:
        body = orjson.dumps(payload)
    except TypeError:
        body = orjson.dumps(jsonable_encoder(payload))
    return Response(content=body, status_code=status_code, media_type="application/json")


async def in_request_session(credentials: Credentials, work: Callable[[Session, Principal], Any],
                             status_code: int = 200) -> Response:
    """Resolve the principal and do ``work(session, principal)`` in ONE thread-pool call, in one
    session, and answer its result as JSON.

    The checks are those of ``get_principal`` (token, its terminal's standing read from the
    database, the token's binding to the signing terminal, a write's nonce), in the same order,
    on every request; only the hops between them are gone (a sync dependency chain costs a
    thread-pool hop per dependency, plus one for the response validation)."""
    factory: sessionmaker[Session] = credentials.request.app.state.session_factory

    def job() -> Response:
        with factory() as session:
            try:
                principal = _principal(session, credentials.request, credentials.bearer, credentials.body_sha256)
            finally:
                session.rollback()
            return json_response(work(session, principal), status_code)

    return await run_in_threadpool(job)
PushCallerDep = Annotated[Principal, Depends(get_push_caller)]
