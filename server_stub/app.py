"""The FastAPI application: ``create_app(db_url)``."""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

import orjson
from fastapi import FastAPI

from server_stub import __version__
from server_stub.api import admin, auth, bcp, issuances, residents, terminals
from server_stub.api.errors import install_handlers
from server_stub.api.fast_lane import FastLane
from server_stub.audit.writer import LogWriter
from server_stub.audit.writer import install as install_log_writer
from server_stub.db import make_engine, make_sessionmaker

MAX_BODY_BYTES = 1_000_000

_TOO_LARGE = orjson.dumps({"detail": {
    "code": "body_too_large", "message_ja": "送信データが大きすぎます。",
    "message_en": f"Request body over {MAX_BODY_BYTES} bytes"}})

Scope = dict[str, Any]
Receive = Any
Send = Any


class BodyLimitMiddleware:
    """413 for a declared body over MAX_BODY_BYTES (or a malformed Content-Length).

    A pure ASGI middleware: Starlette's BaseHTTPMiddleware (``@app.middleware("http")``) ran every
    request through an extra task and memory streams, a measurable share of each request's CPU.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope["headers"]:
                if name == b"content-length":
                    if not value.isdigit() or int(value) > MAX_BODY_BYTES:
                        await send({"type": "http.response.start", "status": 413, "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(_TOO_LARGE)).encode())]})
                        await send({"type": "http.response.body", "body": _TOO_LARGE})
                        return
                    break
        await self.app(scope, receive, send)


def create_app(db_url: str, *, fast_lane: bool = True) -> FastAPI:
    """The application on ``db_url``. ``fast_lane=False`` leaves every request to FastAPI's routes
    (tests compare the two answers)."""
    engine = make_engine(db_url)
    app = FastAPI(
        title="Madoguchi data-centre API",
        version=__version__,
        description="Server stub for the Madoguchi counter application. Authenticate with "
        "POST /api/v1/auth/login and send `Authorization: Bearer <token>`.",
    )
    app.state.engine = engine
    app.state.session_factory = make_sessionmaker(engine)
    app.state.log_writer = LogWriter(engine)  # group commit of the access log (server_stub/audit/writer.py)
    install_log_writer(app.state.session_factory, app.state.log_writer)
    install_handlers(app)

    # the counter's hot GETs (search, resident detail) before FastAPI's routing (api/fast_lane.py);
    # the body limit stays outermost
    if fast_lane:
        app.add_middleware(FastLane, fastapi_app=app)  # type: ignore[arg-type]
    app.add_middleware(BodyLimitMiddleware)  # type: ignore[arg-type]

    app.include_router(admin.health_router)
    app.include_router(auth.router)
    app.include_router(residents.router)
    app.include_router(issuances.router)
    app.include_router(terminals.router)
    app.include_router(admin.router)
    app.include_router(importlib.import_module("server_stub.api.form_params").router)  # 様式パラメータ
    app.include_router(importlib.import_module("server_stub.api.register").router)  # 支援措置・抑止・異動
    app.include_router(bcp.router)  # BCP sync back and conflict review (owner: lead)
    app.include_router(importlib.import_module("server_stub.api.ops").router)  # operations (owner: issue 9)
    app.include_router(importlib.import_module("server_stub.trust.api").router)  # trust list, /verify (issue 14)
    app.include_router(importlib.import_module("server_stub.peers.api").router)  # peer groups (issue 18)
    # --- replica router hook (owner: replica engineer) -----------------------------------------
    # server_stub/replica/api.py, when present, must define ``router`` (snapshot/changes/checksum).
    if importlib.util.find_spec("server_stub.replica.api") is not None:
        replica_router = getattr(importlib.import_module("server_stub.replica.api"), "router", None)
        if replica_router is not None:
            app.include_router(replica_router)
    # --------------------------------------------------------------------------------------------
    return app


def create_app_from_env() -> FastAPI:
    """App factory for ``uvicorn --factory`` (``serve --workers N``): the URL comes from the environment."""
    from server_stub.config import resolve_db_url

    return create_app(resolve_db_url(None))
