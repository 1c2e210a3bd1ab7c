"""The counter's hot GETs answered before FastAPI's routing: resident search and resident detail.

Seven of ten requests a counter sends are a search, one is a resident's detail (the load mix of
docs/performance.md). For them FastAPI's per-request machinery — route matching over every
route, the dependency solver, parameter validation, the exception-middleware stack — cost about
as much CPU as the search itself. ``FastLane`` is a pure ASGI middleware that recognises exactly
these two requests when they are well-formed and does the same work the routes do, through the
same functions: ``Credentials`` and ``in_request_session`` (token, terminal standing, the token's
binding to a signing terminal, in one thread-pool call, checked against the database on every
request), ``residents._search`` / ``residents._resident`` (with their access-log entry), and
the same error bodies (``api.errors.error_response``).

Anything it does not recognise as plainly valid — another method or path, a missing or odd
``Authorization`` header, a parameter FastAPI would refuse or coerce (too long, not a plain
number, a boolean spelt another way) — goes on to FastAPI unchanged, so the refusals (401, 422
with the field list) are the routes' own. The routes stay declared in ``api/residents.py`` for
the OpenAPI document and for those requests.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi.security import HTTPAuthorizationCredentials
from fastapi.security.utils import get_authorization_scheme_param
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from client.wire.errors import error_body
from server_stub.api import residents
from server_stub.api.deps import Credentials, in_request_session
from server_stub.api.errors import error_response
from server_stub.auth.terminal_signature import request_body_sha256

log = logging.getLogger(__name__)

PREFIX = "/api/v1/residents/"
_LIMIT = re.compile(r"[0-9]{1,3}")
# the spellings of a boolean query parameter FastAPI (pydantic) reads, lower-cased
_TRUE = frozenset({"true", "1", "yes", "on", "t", "y"})
_FALSE = frozenset({"false", "0", "no", "off", "f", "n"})
_SEARCH_PARAMS = frozenset({"q", "limit"})
_DETAIL_PARAMS = frozenset({"release_measure_id", "release_reason", "include_my_number"})

Scope = dict[str, Any]


class FastLane:
    def __init__(self, app: Any, fastapi_app: Any) -> None:
        self.app = app
        self.fastapi_app = fastapi_app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"].startswith(PREFIX):
            request = Request(scope, receive)
            bearer = _bearer(request)
            work = self._work(request) if bearer is not None else None
            if bearer is not None and work is not None:
                scope["app"] = self.fastapi_app  # what Starlette sets: request.app.state.session_factory
                response = await self._answer(request, bearer, work)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _work(request: Request) -> Any:
        """The work of a plainly valid search or detail request, else None (FastAPI answers)."""
        params = request.query_params
        rest = request.scope["path"][len(PREFIX):]
        if rest == "search":
            if not set(params) <= _SEARCH_PARAMS:
                return None
            q = params.get("q", "")
            raw_limit = params.get("limit", "50")
            if len(q) > 100 or not _LIMIT.fullmatch(raw_limit) or not 1 <= int(raw_limit) <= 200:
                return None
            limit = int(raw_limit)
            return lambda session, principal: residents._search(session, principal, q, limit)
        if not rest or "/" in rest or len(rest) > 16 or not set(params) <= _DETAIL_PARAMS:
            return None
        measure_id = params.get("release_measure_id")
        reason = params.get("release_reason")
        flag = params.get("include_my_number", "false").lower()
        if (measure_id is not None and len(measure_id) > 32) or (reason is not None and len(reason) > 500) \
                or flag not in _TRUE | _FALSE:
            return None
        include = flag in _TRUE
        return lambda session, principal: residents._resident(session, principal, rest, measure_id, reason, include)

    @staticmethod
    async def _answer(request: Request, bearer: HTTPAuthorizationCredentials, work: Any) -> Response:
        try:
            credentials = Credentials(request, bearer, await request_body_sha256(request))
            return await in_request_session(credentials, work)
        except Exception as exc:  # noqa: BLE001 - answered as the installed handlers answer it
            response = error_response(exc)
            if response is not None:
                return response
            log.exception("GET %s failed", request.url.path)
            return JSONResponse(status_code=500, content=error_body(
                "internal_error", "サーバーで問題が発生しました。", "Internal server error"))


def _bearer(request: Request) -> HTTPAuthorizationCredentials | None:
    """The bearer token as ``HTTPBearer`` reads it; None where it would not give one."""
    scheme, credentials = get_authorization_scheme_param(request.headers.get("authorization"))
    if not credentials or scheme.lower() != "bearer":
        return None
    return HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials)
