"""The FastAPI application: ``create_app(db_url)``."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from server_stub import __version__
from server_stub.api import admin, auth, bcp, issuances, residents, terminals
from server_stub.api.errors import install_handlers
from server_stub.db import make_engine, make_sessionmaker

MAX_BODY_BYTES = 1_000_000


def create_app(db_url: str) -> FastAPI:
    engine = make_engine(db_url)
    app = FastAPI(
        title="Madoguchi data-centre API",
        version=__version__,
        description="Server stub for the Madoguchi counter application. Authenticate with "
        "POST /api/v1/auth/login and send `Authorization: Bearer <token>`.",
    )
    app.state.engine = engine
    app.state.session_factory = make_sessionmaker(engine)
    install_handlers(app)

    @app.middleware("http")
    async def _limit_body(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return JSONResponse(status_code=413, content={"detail": {
                "code": "body_too_large", "message_ja": "送信データが大きすぎます。",
                "message_en": f"Request body over {MAX_BODY_BYTES} bytes"}})
        return await call_next(request)

    app.include_router(admin.health_router)
    app.include_router(auth.router)
    app.include_router(residents.router)
    app.include_router(issuances.router)
    app.include_router(terminals.router)
    app.include_router(admin.router)
    app.include_router(importlib.import_module("server_stub.api.form_params").router)  # 様式パラメータ
    app.include_router(bcp.router)  # BCP sync back and conflict review (owner: lead)
    app.include_router(importlib.import_module("server_stub.api.ops").router)  # operations (owner: issue 9)
    app.include_router(importlib.import_module("server_stub.peers").router)  # peer groups (issue 18)
    # --- replica router hook (owner: replica engineer) -----------------------------------------
    # server_stub/replica_api.py, when present, must define ``router`` (snapshot/changes/checksum).
    if importlib.util.find_spec("server_stub.replica_api") is not None:
        replica_router = getattr(importlib.import_module("server_stub.replica_api"), "router", None)
        if replica_router is not None:
            app.include_router(replica_router)
    # --------------------------------------------------------------------------------------------
    return app


def create_app_from_env() -> FastAPI:
    """App factory for ``uvicorn --factory`` (``serve --workers N``): the URL comes from the environment."""
    from server_stub.config import resolve_db_url

    return create_app(resolve_db_url(None))
