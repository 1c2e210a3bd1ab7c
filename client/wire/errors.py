"""The error body of every refusal the data centre answers: ``{"detail": ErrorDetail}``.

``code`` is for programs, ``message_ja`` for the clerk and ``message_en`` for the log (the same
pair as ``client.errors.ClerkError``); some errors add fields (``errors`` for a validation
failure, the rule engine's ``reasons`` …).
"""

# no `from __future__ import annotations`: TypedDict reads NotRequired[...] at runtime (3.11)
from typing import Any, NotRequired, TypedDict


class ValidationItem(TypedDict):
    loc: list[str]
    msg: str
    type: str


class ErrorDetail(TypedDict):
    code: str
    message_ja: str
    message_en: str
    errors: NotRequired[list[ValidationItem]]  # 422 invalid_request: each field refused


class ErrorBody(TypedDict):
    detail: ErrorDetail


def error_body(code: str, message_ja: str, message_en: str, **extra: Any) -> dict[str, Any]:
    """The body the server answers: ``{"detail": {code, message_ja, message_en, **extra}}``."""
    return {"detail": {"code": code, "message_ja": message_ja, "message_en": message_en, **extra}}


def _detail(body: Any) -> Any:
    return body.get("detail", body) if isinstance(body, dict) else body


def error_detail(body: Any) -> dict[str, Any]:
    """The ``detail`` object of a decoded error body, with any fields an error adds (the
    ``measure_ids`` of a 支援措置 refusal …); empty when the body is not one of ours."""
    detail = _detail(body)
    return detail if isinstance(detail, dict) else {}


def error_fields(body: Any) -> tuple[str, str, str]:
    """(code, message_ja, message_en) of a decoded error body, as far as present; a body that is
    not one (a proxy's page, plain pydantic errors) gives its text as the English message."""
    detail = _detail(body)
    if isinstance(detail, dict):
        return (str(detail.get("code", "")), str(detail.get("message_ja", "")),
                str(detail.get("message_en", detail.get("message", ""))))
    return "", "", str(detail)[:300]
