"""Who is calling: a staff token (Bearer) or an enrolled terminal's own request signature.

An enrolled terminal may call some endpoints with no signed-in user (the scheduled replica pull,
serial leases, the outbox push after an outage, when clerks signed in offline): each request
carries ``X-Madoguchi-Terminal``, ``X-Madoguchi-Time`` and an Ed25519 signature over
``client.remote.terminal_auth.signing_input``, checked against the key registered at enrolment.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

HEADER_TERMINAL = "x-madoguchi-terminal"
HEADER_TIME = "x-madoguchi-time"
HEADER_SIGNATURE = "x-madoguchi-signature"
MAX_SKEW_SECONDS = 300


def terminal_signing_input(method: str, path: str, query: Iterable[tuple[str, str]], timestamp: int) -> bytes:
    """Same bytes as client.remote.terminal_auth.signing_input."""
    from urllib.parse import urlencode

    return f"MDGT1\n{method.upper()}\n{path}\n{urlencode(sorted(query))}\n{timestamp}".encode()


class CallerRefused(Exception):
    def __init__(self, code: str, message_en: str, message_ja: str) -> None:
        super().__init__(message_en)
        self.code, self.message_en, self.message_ja = code, message_en, message_ja


def municipality_of_terminal_signature(session: Session, method: str, path: str,
                                       query: Iterable[tuple[str, str]], headers: Any, now: datetime) -> str:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from server_stub.auth import terminal_for

    who = headers.get(HEADER_TERMINAL, "")
    code, _, terminal_id = who.partition("/")
    try:
        ts = int(headers.get(HEADER_TIME, ""))
        sig = base64.b64decode(headers.get(HEADER_SIGNATURE, ""), validate=True)
    except ValueError as exc:
        raise CallerRefused("bad_signature", "malformed terminal signature headers",
                            "端末の署名が不正です。") from exc
    if abs(now.timestamp() - ts) > MAX_SKEW_SECONDS:
        raise CallerRefused("clock_skew", "terminal signature time outside the allowed window",
                            "端末の時刻がずれています。時刻を合わせてから再度実行してください。")
    terminal = terminal_for(session, code, terminal_id)
    if terminal is None:
        raise CallerRefused("unknown_terminal", f"terminal {who!r} is not enrolled",
                            "この端末は登録されていません。")
    try:
        Ed25519PublicKey.from_public_bytes(bytes(terminal.public_key)).verify(
            sig, terminal_signing_input(method, path, query, ts))
    except (InvalidSignature, ValueError) as exc:
        raise CallerRefused("bad_signature", "terminal signature does not verify",
                            "端末の署名を確認できません。") from exc
    return code


def caller_municipality(session: Session, request: Any) -> str:
    """The municipality of the caller: from the Bearer token, or from the terminal signature."""
    from server_stub.auth import AuthError, principal_for_token

    now = datetime.now(UTC)
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        try:
            return principal_for_token(session, auth[7:].strip(), now).municipality_code
        except AuthError as exc:
            raise CallerRefused(exc.code, exc.message_en, exc.message_ja) from exc
    if request.headers.get(HEADER_TERMINAL):
        return municipality_of_terminal_signature(
            session, request.method, request.url.path, request.query_params.multi_items(), request.headers, now)
    raise CallerRefused("not_signed_in", "no credentials", "ログインしてください。")
