"""Who is calling: a staff token (Bearer) or an enrolled terminal's own request signature.

An enrolled terminal signs its requests (the scheduled replica pull, serial leases, the outbox
push after an outage when clerks signed in offline, and alongside a staff token): each request
carries ``X-Madoguchi-Terminal``, ``-Time``, ``-Nonce``, ``-Content-SHA256`` and an Ed25519
signature over ``client.remote.terminal_auth.signing_input`` (version MDGT2), checked against the
key registered at enrolment. Refused, each with its own code:

* ``clock_skew`` — time outside ±300 s;
* ``bad_signature`` — malformed headers or a signature that does not verify;
* ``body_mismatch`` — the body received is not the body signed (swapped under the signature);
* ``replayed_request`` — the nonce was seen already; nonces are rows of ``terminal_nonces``
  (primary key) kept until the window has passed, so the refusal holds across server processes;
* ``unknown_terminal`` / ``terminal_revoked`` — the terminal's standing is not ``active``
  (read from the database on every request, fail closed: any other status refuses).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.requests import Request

from server_stub.errors import Refusal

HEADER_TERMINAL = "x-madoguchi-terminal"
HEADER_TIME = "x-madoguchi-time"
HEADER_SIGNATURE = "x-madoguchi-signature"
HEADER_NONCE = "x-madoguchi-nonce"
HEADER_CONTENT_SHA256 = "x-madoguchi-content-sha256"
MAX_SKEW_SECONDS = 300
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_NONCE = re.compile(r"^[0-9a-f]{32}$")
_DIGEST = re.compile(r"^[0-9a-f]{64}$")


def terminal_signing_input(method: str, path: str, query: Iterable[tuple[str, str]], timestamp: int,
                           nonce: str, content_sha256: str) -> bytes:
    """Same bytes as client.remote.terminal_auth.signing_input."""
    from urllib.parse import urlencode

    return (f"MDGT2\n{method.upper()}\n{path}\n{urlencode(sorted(query))}\n{timestamp}\n"
            f"{nonce}\n{content_sha256}").encode()


class CallerRefused(Refusal):
    def __init__(self, code: str, message_ja: str, message_en: str, status: int = 401,
                 **extra: Any) -> None:
        super().__init__(status, code, message_ja, message_en, **extra)


def has_terminal_signature(headers: Any) -> bool:
    return bool(headers.get(HEADER_TERMINAL))


def revoked_refusal(terminal: Any) -> CallerRefused:
    """The refusal a terminal whose standing is not active gets (fail closed)."""
    from server_stub.auth.terminal_standing import revoked_at_iso

    if terminal.status == "revoked":
        return CallerRefused(
            "terminal_revoked", "この端末はデータセンターにより利用停止(失効)されています。",
            f"terminal {terminal.terminal_id} was revoked by the data centre", status=403,
            revoked_at=revoked_at_iso(terminal))
    return CallerRefused("terminal_not_active", "この端末は現在利用できません。", f"terminal {terminal.terminal_id} standing is "
                         f"{terminal.status!r}, not active", status=403)


def verify_terminal_request(session: Session, method: str, path: str, query: Iterable[tuple[str, str]],
                            headers: Any, body_sha256: str, now: datetime, *,
                            allow_revoked: bool = False, remember: bool = True) -> Any:
    """Check a terminal-signed request and remember its nonce; return the ``Terminal`` row.

    ``allow_revoked``: a revoked terminal passes (the one call it may still make: pushing the
    issuances it made before its revocation); the caller must then check ``status`` itself.
    ``remember=False`` skips the nonce row (a GET alongside a staff token: see
    ``check_token_binding``). Commits ``session`` (the nonce row) -- call it before the
    request's own work.
    """
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from server_stub.auth.terminal_standing import is_active, terminal_row

    who = headers.get(HEADER_TERMINAL, "")
    code, _, terminal_id = who.partition("/")
    nonce = headers.get(HEADER_NONCE, "")
    declared = headers.get(HEADER_CONTENT_SHA256, "")
    try:
        ts = int(headers.get(HEADER_TIME, ""))
        sig = base64.b64decode(headers.get(HEADER_SIGNATURE, ""), validate=True)
    except ValueError as exc:
        raise CallerRefused("bad_signature", "端末の署名が不正です。",
                            "malformed terminal signature headers") from exc
    if not _NONCE.match(nonce) or not _DIGEST.match(declared):
        raise CallerRefused("bad_signature", "端末の署名が不正です(古い形式)。アプリケーションを更新してください。",
                            "terminal signature lacks a nonce or a body digest (MDGT2)")
    if abs(now.timestamp() - ts) > MAX_SKEW_SECONDS:
        raise CallerRefused("clock_skew", "端末の時刻がずれています。時刻を合わせてから再度実行してください。",
                            "terminal signature time outside the allowed window")
    terminal = terminal_row(session, code, terminal_id)
    if terminal is None:
        raise CallerRefused("unknown_terminal", "この端末は登録されていません。",
                            f"terminal {who!r} is not enrolled")
    try:
        Ed25519PublicKey.from_public_bytes(bytes(terminal.public_key)).verify(
            sig, terminal_signing_input(method, path, query, ts, nonce, declared))
    except (InvalidSignature, ValueError) as exc:
        raise CallerRefused("bad_signature", "端末の署名を確認できません。",
                            "terminal signature does not verify") from exc
    if declared != body_sha256:
        raise CallerRefused("body_mismatch", "送信内容が署名と一致しません。通信が改ざんされた可能性があります。",
                            "the request body is not the body the terminal signed")
    if not is_active(terminal) and not (allow_revoked and terminal.status == "revoked"):
        raise revoked_refusal(terminal)
    if remember:
        remember_nonce(session, code, terminal_id, nonce, now)
    return terminal


def remember_nonce(session: Session, code: str, terminal_id: str, nonce: str, now: datetime) -> None:
    """Store the nonce until the window has passed; a second use is ``replayed_request``."""
    from server_stub.db import begin_write
    from server_stub.models import TerminalNonce

    now_utc = now.astimezone(UTC)
    begin_write(session)
    try:
        session.add(TerminalNonce(municipality_code=code, terminal_id=terminal_id, nonce=nonce,
                                  expires_at=now_utc + timedelta(seconds=2 * MAX_SKEW_SECONDS)))
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise CallerRefused("replayed_request", "同じ要求がすでに受信されています(再送攻撃の可能性)。",
                            "this signed request was already received (replay)", status=409) from exc
    # the terminal's own expired nonces go in the same small write (an index on expires_at)
    session.execute(delete(TerminalNonce).where(TerminalNonce.municipality_code == code,
                                                TerminalNonce.terminal_id == terminal_id,
                                                TerminalNonce.expires_at < now_utc))
    session.commit()


def municipality_of_terminal_signature(session: Session, method: str, path: str,
                                       query: Iterable[tuple[str, str]], headers: Any, now: datetime,
                                       body_sha256: str = EMPTY_SHA256) -> str:
    terminal = verify_terminal_request(session, method, path, query, headers, body_sha256, now)
    return str(terminal.municipality_code)


def caller_municipality(session: Session, request: Any, body_sha256: str = EMPTY_SHA256) -> str:
    """The municipality of the caller: from the Bearer token (bound to its terminal), or from
    the terminal signature."""
    from server_stub.auth.sign_in import AuthError, principal_for_token

    now = datetime.now(UTC)
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        try:
            principal = principal_for_token(session, auth[7:].strip(), now)
        except AuthError as exc:
            raise CallerRefused(exc.code, exc.message_ja, exc.message_en, status=exc.status) from exc
        check_token_binding(session, principal, request, body_sha256, now)
        return principal.municipality_code
    if request.headers.get(HEADER_TERMINAL):
        return municipality_of_terminal_signature(
            session, request.method, request.url.path, request.query_params.multi_items(), request.headers, now,
            body_sha256)
    raise CallerRefused("not_signed_in", "ログインしてください。", "no credentials")


def check_token_binding(session: Session, principal: Any, request: Any, body_sha256: str, now: datetime) -> None:
    """A staff token is bound to the terminal it was issued for: a signature of another terminal
    is refused, and a token issued to a signed login is refused without the signature."""
    if has_terminal_signature(request.headers):
        # With a token the signature binds it to the terminal; a GET changes nothing, so its nonce
        # is not written (no database write on the counter's search path); every other method's is.
        terminal = verify_terminal_request(session, request.method, request.url.path,
                                           request.query_params.multi_items(), request.headers, body_sha256, now,
                                           remember=request.method not in ("GET", "HEAD"))
        if (terminal.municipality_code, terminal.terminal_id) != (principal.municipality_code,
                                                                  principal.terminal_id):
            raise CallerRefused("token_terminal_mismatch",
                                "このログインは別の端末で発行されたものです。この端末でログインし直してください。",
                                f"token issued for terminal {principal.terminal_id} used from "
                                f"{terminal.terminal_id}")
    elif principal.signed:
        raise CallerRefused("signature_required", "このログインは登録端末の署名付きでのみ使用できます。ログインし直してください。", "token issued to a signed terminal login used without the "
                            "terminal's signature")


async def request_body_sha256(request: Request) -> str:
    """FastAPI dependency: the SHA-256 of the body received (Starlette caches the body)."""
    if not has_terminal_signature(request.headers):
        return EMPTY_SHA256
    return hashlib.sha256(await request.body()).hexdigest()
