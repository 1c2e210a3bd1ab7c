"""API errors: a machine-readable code with a message for the clerk (ja) and the log (en).

Every error body is ``{"detail": {"code": ..., "message_ja": ..., "message_en": ..., ...}}``
(``client.wire.errors``, the shape the terminal reads).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from client.wire.errors import error_body


class ApiError(Exception):
    def __init__(self, status: int, code: str, message_ja: str, message_en: str, **extra: Any) -> None:
        super().__init__(message_en)
        self.status = status
        self.body: dict[str, Any] = error_body(code, message_ja, message_en, **extra)["detail"]


def not_found(what_ja: str, what_en: str) -> ApiError:
    return ApiError(404, "not_found", f"{what_ja}が見つかりません。", f"{what_en} not found")


def forbidden_role(role_ja: str) -> ApiError:
    return ApiError(403, "forbidden_role", f"この操作には{role_ja}の権限が必要です。", "Role not allowed")


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_req: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(status_code=exc.status, content={"detail": exc.body})

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

    @app.exception_handler(DataError)
    async def _data_error(_req: Request, exc: DataError) -> JSONResponse:
        # The database refused a value (a NUL character in text on PostgreSQL, a number out of
        # range, text too long): bad input, nothing was written (the transaction rolled back).
        return JSONResponse(
            status_code=422,
            content=error_body("invalid_value", "入力内容に使用できない値が含まれています。",
                               f"Value refused by the database: {str(exc.orig)[:200]}"),
        )

    @app.exception_handler(OverflowError)
    async def _overflow(_req: Request, exc: OverflowError) -> JSONResponse:
        # e.g. an integer parameter beyond what the database column holds
        return JSONResponse(
            status_code=422,
            content=error_body("value_out_of_range", "数値が大きすぎます。", f"Value out of range: {str(exc)[:200]}"),
        )

    @app.exception_handler(ValueError)
    async def _value_error(_req: Request, exc: ValueError) -> JSONResponse:
        return JSONResponse(
            status_code=422,
            content=error_body("invalid_value", "入力内容に誤りがあります。", str(exc)[:500]),
        )
