"""API errors: a machine-readable code with a message for the clerk (ja) and the log (en).

Every error body is ``{"detail": {"code": ..., "message_ja": ..., "message_en": ..., ...}}``
(``client.wire.errors``, the shape the terminal reads).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from client.wire.errors import error_body
from server_stub.errors import Refusal


class ApiError(Refusal):
    """A refusal raised by the HTTP layer itself (``server_stub.errors.Refusal``)."""


def not_found(what_ja: str, what_en: str) -> ApiError:
    return ApiError(404, "not_found", f"{what_ja}が見つかりません。", f"{what_en} not found")


def forbidden_role(role_ja: str) -> ApiError:
    return ApiError(403, "forbidden_role", f"この操作には{role_ja}の権限が必要です。", "Role not allowed")


def refusal_response(exc: Refusal) -> JSONResponse:
    return JSONResponse(status_code=exc.status, content={"detail": exc.body})


def value_error_response(exc: Exception) -> JSONResponse | None:
    """The 422 of a value the database or the code refused (nothing was written: the
    transaction rolled back); None for any other exception."""
    if isinstance(exc, DataError):
        # The database refused a value (a NUL character in text on PostgreSQL, a number out of
        # range, text too long): bad input.
        return JSONResponse(
            status_code=422,
            content=error_body("invalid_value", "入力内容に使用できない値が含まれています。",
                               f"Value refused by the database: {str(exc.orig)[:200]}"),
        )
    if isinstance(exc, OverflowError):  # e.g. an integer parameter beyond what the database column holds
        return JSONResponse(
            status_code=422,
            content=error_body("value_out_of_range", "数値が大きすぎます。", f"Value out of range: {str(exc)[:200]}"),
        )
    if isinstance(exc, ValueError):
        return JSONResponse(status_code=422, content=error_body("invalid_value", "入力内容に誤りがあります。", str(exc)[:500]))
    return None


def error_response(exc: Exception) -> JSONResponse | None:
    """What the installed handlers answer for ``exc`` (a Refusal, a refused value), None if
    nothing: used by the hot GETs answered before FastAPI's routing (``api.fast_lane``)."""
    if isinstance(exc, Refusal):
        return refusal_response(exc)
    return value_error_response(exc)


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(Refusal)
    async def _refusal(_req: Request, exc: Refusal) -> JSONResponse:
        return refusal_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": [str(x) for x in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": ""}
        return JSONResponse(
            status_code=422,
            content=error_body("invalid_request", "入力内容に誤りがあります。",
                               f"Invalid request: {'.'.join(first['loc'])}: {first['msg']}", errors=errors),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc.detail, dict):
            return JSONResponse(status_code=exc.status_code, content={"detail": exc.detail},
                                headers=getattr(exc, "headers", None))
        return JSONResponse(
            status_code=exc.status_code,
            content=error_body(f"http_{exc.status_code}", "要求を処理できません。", str(exc.detail)),
            headers=getattr(exc, "headers", None),
        )

    async def _value(_req: Request, exc: Exception) -> JSONResponse:
        response = value_error_response(exc)
        assert response is not None
        return response

    for kind in (DataError, OverflowError, ValueError):
        app.add_exception_handler(kind, _value)
