"""A small HTTPS client for the data-centre API (online mode).

TLS is verified against the configured CA bundle (or the system store when none is set);
plain ``http://`` is accepted for the loopback address only (the local demo server). An
optional client certificate is presented when configured. HTTP failures become the service
errors of :mod:`client.services.errors`, with the server's Japanese message when it sent one.
"""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from client.remote.line_timeouts import (
    IDEMPOTENCY_HEADER,
    INTERACTIVE_TIMEOUT_SECONDS,
    attempt_timeouts,
    may_resend,
)
from client.services.errors import (
    ClerkError,
    ConfigurationError,
    LineDownError,
    NotFoundError,
    PermissionDeniedError,
    ProtectedResidentError,
    RejectedError,
    SessionExpiredError,
)

log = logging.getLogger(__name__)

_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
_PROTECTED_PREFIX = "support_measure"
TRUNCATED_RETRIES = 2  # a response cut short is asked for again at most this many times
_CUT_SHORT = (httpx.RemoteProtocolError, httpx.ReadError)


def check_url(url: str) -> str:
    """Return the URL without a trailing slash, or raise when it is not allowed."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url.rstrip("/")
    if parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS:
        return url.rstrip("/")
    raise ConfigurationError(
        "サーバーのURLが正しくありません(https:// で始まる必要があります)。",
        f"server URL not allowed (https required except for loopback): {url!r}",
    )


def build_ssl_context(ca_bundle: Path | None, client_cert: Path | None, client_key: Path | None = None) -> ssl.SSLContext:
    """A verifying TLS context: the configured CA bundle, or the system store."""
    try:
        if ca_bundle is not None:
            ctx = ssl.create_default_context(cafile=str(ca_bundle))
        else:
            ctx = ssl.create_default_context()
        if client_cert is not None:
            ctx.load_cert_chain(str(client_cert), str(client_key) if client_key else None)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigurationError(
            "証明書ファイル(CA・クライアント証明書)を読み込めません。システム担当者に連絡してください。",
            f"cannot load TLS material: {exc}",
        ) from exc
    return ctx


def _error_body(response: httpx.Response) -> dict[str, Any]:
    """The ``detail`` object of an error body (``{"detail": {"code", "message_ja", ...}}``)."""
    try:
        body = response.json()
    except ValueError:
        return {"message_en": response.text[:200]}
    detail: Any = body.get("detail", body) if isinstance(body, dict) else body
    if isinstance(detail, dict):
        return detail
    if isinstance(detail, list):  # plain pydantic validation errors
        return {"code": "validation", "message_en": "; ".join(str(d.get("msg", d)) for d in detail if isinstance(d, dict))}
    return {"message_en": str(detail)}


def _server_message(response: httpx.Response) -> tuple[str, str, str]:
    """(code, message_ja, message_en) from an error body, as far as present."""
    d = _error_body(response)
    return str(d.get("code", "")), str(d.get("message_ja", "")), str(d.get("message_en", d.get("message", "")))


def error_for_response(response: httpx.Response) -> ClerkError:
    code, ja, en = _server_message(response)
    status = response.status_code
    what = f"{response.request.method} {response.request.url.path} -> HTTP {status}"
    en = f"{what}: {en}" if en else what
    if status == 401:
        return SessionExpiredError(ja, en)
    if status == 403:
        if code.startswith(_PROTECTED_PREFIX):
            err = ProtectedResidentError(ja, en)
            err.measure_ids = tuple(str(m) for m in _error_body(response).get("measure_ids", ()))
            return err
        return PermissionDeniedError(ja, en)
    if status == 404:
        return NotFoundError(ja, en)
    if status >= 500:
        return RejectedError(ja or "サーバーでエラーが発生しました。しばらくしてからもう一度お試しください。", en)
    return RejectedError(ja, en)


class OnlineApi:
    """JSON over HTTPS to one of the configured endpoints (primary first, then secondary).

    A POST moves on to the next URL only when the connection could not be established, so it is
    never sent twice — except the resendable ones (sign-in, evaluation, and the issuance with its
    ``Idempotency-Key``), which fail over like GETs. A GET is idempotent: any line failure moves it
    on, and an interactive request (search, resident detail, sign-in, issuance) waits only
    ``interactive_timeout`` on the active line before it does (:mod:`client.remote.line_timeouts`). A
    response cut short is asked for again, at most ``TRUNCATED_RETRIES`` more times, when the
    request may be resent. Thread-safe: httpx.Client may be shared between worker threads.
    """

    def __init__(
        self,
        urls: Sequence[str],
        *,
        ca_bundle: Path | None = None,
        client_cert: Path | None = None,
        client_key: Path | None = None,
        timeout: float = 10.0,
        connect_timeout: float = 3.0,
        interactive_timeout: float | None = INTERACTIVE_TIMEOUT_SECONDS,
    ) -> None:
        self.urls = [check_url(u) for u in urls if u]
        if not self.urls:
            raise ConfigurationError("サーバーのURLが設定されていません。", "no server URL configured")
        verify: ssl.SSLContext | bool = True
        if any(u.startswith("https://") for u in self.urls):
            verify = build_ssl_context(ca_bundle, client_cert, client_key)
        self._client = httpx.Client(
            verify=verify, timeout=httpx.Timeout(timeout, connect=connect_timeout), trust_env=False
        )
        self.token: str | None = None
        self.signer: Any = None  # client.remote.terminal_auth.TerminalSigner of an enrolled terminal
        self.active_url = self.urls[0]
        # (base url, ok): fed to the connectivity state machine; ok=False only for line failures
        self.on_line_event: Callable[[str, bool], None] | None = None
        # if set, used instead of on_line_event: (base, ok, elapsed=seconds since the attempt was sent, error=text)
        self.on_line_attempt: Callable[..., None] | None = None
        # the short first try of interactive GETs (None: always the long timeout)
        self.interactive_timeout = interactive_timeout
        self.connect_timeout = connect_timeout
        self.line_up: Callable[[str], bool] | None = None  # the connectivity machine's view, if wired

    def _note(self, base: str, ok: bool, sent: float | None = None, error: object = None) -> None:
        try:
            if self.on_line_attempt is not None:
                elapsed = 0.0 if sent is None else max(0.0, time.monotonic() - sent)
                self.on_line_attempt(base, ok, elapsed=elapsed, error="" if error is None else repr(error))
            elif self.on_line_event is not None:
                self.on_line_event(base, ok)
        except Exception:  # a listener must never break a request
            log.exception("on_line_event listener failed")

    def close(self) -> None:
        self._client.close()

    def _signed(self, method: str, path: str, params: dict[str, Any] | None, content: bytes) -> dict[str, str]:
        """The enrolled terminal's signature (issue 15): a token from a signed login is bound to
        this terminal and refused by the server without it."""
        if self.signer is None:
            return {}
        return dict(self.signer.headers(method, path, params or {}, content))

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None, json: Any = None,
                idempotency_key: str | None = None) -> Any:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if idempotency_key:
            headers[IDEMPOTENCY_HEADER] = idempotency_key
        content: bytes | None = None
        if self.signer is not None:  # the bytes signed are the bytes sent
            import json as jsonlib

            if json is not None:
                content = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
                headers["Content-Type"] = "application/json"
            json = None
        order = [self.active_url] + [u for u in self.urls if u != self.active_url]
        timeouts = attempt_timeouts(method, path, order, interactive_seconds=self.interactive_timeout,
                                    connect_seconds=self.connect_timeout, line_up=self.line_up)
        attempts = list(zip(order, timeouts, strict=True))
        resendable = may_resend(method, path)
        retries_left = TRUNCATED_RETRIES
        last: Exception | None = None
        while attempts:
            base, timeout = attempts.pop(0)
            sent = time.monotonic()
            try:
                signed = {**headers, **self._signed(method, urlsplit(base + path).path, params, content or b"")}
                response = self._client.request(method, base + path, params=params, json=json, content=content,
                                                headers=signed, timeout=timeout)
            except httpx.ConnectError as exc:  # never reached the server: safe to try the next one
                log.warning("cannot connect to %s: %s", base, exc)
                self._note(base, False, sent, exc)
                last = exc
                continue
            except httpx.TransportError as exc:
                log.warning("%s %s failed: %r", method, base + path, exc)
                self._note(base, False, sent, exc)
                last = exc
                if resendable:  # idempotent (or deduped by its key): the other line may answer it
                    if isinstance(exc, _CUT_SHORT) and retries_left > 0 and not attempts:
                        retries_left -= 1  # the answer was cut short: ask once more (bounded)
                        attempts.append((base, httpx.USE_CLIENT_DEFAULT))
                    continue
                raise LineDownError(detail=repr(exc), message_en=f"{method} {path} failed") from exc
            except httpx.HTTPError as exc:
                log.warning("%s %s failed: %r", method, base + path, exc)
                self._note(base, False, sent, exc)
                raise LineDownError(detail=repr(exc), message_en=f"{method} {path} failed") from exc
            self._note(base, True)
            self.active_url = base
            if response.status_code >= 400:
                err = error_for_response(response)
                log.info("server refused: %s", err)
                raise err
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError as exc:
                raise LineDownError(message_en=f"{method} {path}: invalid JSON", detail=response.text[:200]) from exc
        raise LineDownError(message_en="no endpoint reachable", detail=repr(last))

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params={k: v for k, v in params.items() if v is not None})

    def post(self, path: str, body: Any = None, *, idempotency_key: str | None = None) -> Any:
        return self.request("POST", path, json=body if body is not None else {}, idempotency_key=idempotency_key)

    def get_bytes(self, path: str, **params: Any) -> bytes:
        """A binary GET (e.g. a PDF) with the same error mapping."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(self._signed("GET", urlsplit(self.active_url + path).path, params, b""))
        try:
            response = self._client.get(self.active_url + path, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise LineDownError(detail=repr(exc)) from exc
        if response.status_code >= 400:
            raise error_for_response(response)
        return response.content

    def fork(self) -> OnlineApi:
        """Another API object on the same connection pool, with its own token (a second user)."""
        other = object.__new__(OnlineApi)
        other.urls = list(self.urls)
        other._client = self._client
        other.token = None
        other.signer = self.signer
        other.active_url = self.active_url
        other.on_line_event = self.on_line_event
        other.on_line_attempt = self.on_line_attempt
        other.interactive_timeout = self.interactive_timeout
        other.connect_timeout = self.connect_timeout
        other.line_up = self.line_up
        return other
