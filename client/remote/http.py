"""The one data-centre client: primary and secondary lines, TLS (CA bundle, client certificate),
the staff token, the terminal's request signatures, idempotency keys, line events.

Used by the terminal's sync (replica pull, serial leases, outbox push) and — through
``client.services.online_api.OnlineApi``, which maps refusals to the counter's errors — by the
counter's online backend.

Every failure becomes one of two families (see :mod:`client.remote.errors`): ``LineDownError``
when the answer did not arrive (connect error, timeout, reset, body cut short, garbled body) and a
refusal when the server answered with an error status (``RemoteRejectedError`` unless the owner
passed its own ``refusal`` mapping). A request moves on to the other line only when that is safe:
always when the connection could not even be established (it was never sent); after it may have
reached the server only when it may be resent (a GET, the sign-in, the evaluation, the issuance
with its ``Idempotency-Key``: :func:`client.remote.line_timeouts.may_resend`). An interactive
request (a search, a resident, the sign-in, the issuance) waits only ``interactive_timeout`` on the
active line before it moves on (:mod:`client.remote.line_timeouts`), so a silent line costs the
clerk about a second, not the prober's round; bulk GETs (replica pages, checksum) keep the long
timeout. A response cut short is asked for again, at most ``TRUNCATED_RETRIES`` more times, when
it may be resent. Every attempt's outcome goes to ``on_line_attempt`` (or ``on_line_event``): the
connectivity state machine. Thread-safe: httpx.Client may be shared between worker threads.
"""

from __future__ import annotations

import copy
import json
import logging
import ssl
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlsplit

import httpx
import orjson

from client.remote.errors import (
    AuthenticationRequiredError,
    GarbledResponseError,
    LineDownError,
    RemoteRejectedError,
    TruncatedResponseError,
)
from client.remote.line_timeouts import (
    IDEMPOTENCY_HEADER,
    INTERACTIVE_TIMEOUT_SECONDS,
    attempt_timeouts,
    may_resend,
)
from client.remote.terminal_auth import TerminalSigner
from client.remote.wire import (
    LINES_MEDIA_TYPE,
    PageFormatError,
    parse_lines_page,
    records_bytes,
    records_checksum,
)
from client.wire.errors import error_fields

log = logging.getLogger(__name__)

_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
TRUNCATED_RETRIES = 2  # a response cut short is asked for again at most this many times
# the answer started but did not arrive whole: asked for again (bounded) when it may be resent
_CUT_SHORT = (httpx.RemoteProtocolError, httpx.ReadError, httpx.DecodingError, zlib.error)

Refusal = Callable[[httpx.Response], Exception]  # an error status -> the exception to raise


def check_base_url(url: str) -> str:
    """The URL without a trailing slash; https, or plain http to the loopback address only."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url.rstrip("/")
    if parts.scheme == "http" and parts.hostname in _LOOPBACK:
        return url.rstrip("/")
    raise RemoteRejectedError(
        "サーバーのURLが正しくありません(https:// で始まる必要があります)。",
        f"server URL not allowed (https required except for loopback): {url!r}",
        code="bad_url",
    )


def build_ssl_context(ca_bundle: Path | None, client_cert: Path | None = None,
                      client_key: Path | None = None) -> ssl.SSLContext:
    """A verifying TLS context: the configured CA bundle (or the system store), and the client
    certificate when one is configured."""
    try:
        ctx = ssl.create_default_context(cafile=str(ca_bundle)) if ca_bundle is not None \
            else ssl.create_default_context()
        if client_cert is not None:
            ctx.load_cert_chain(str(client_cert), str(client_key) if client_key else None)
    except (OSError, ssl.SSLError) as exc:
        raise RemoteRejectedError(
            "証明書ファイル(CA・クライアント証明書)を読み込めません。システム担当者に連絡してください。",
            f"cannot load TLS material: {exc}", code="bad_tls_material",
        ) from exc
    return ctx


def error_body_of(response: httpx.Response) -> Any:
    """The decoded body of an error answer (read with ``client.wire.errors``); the start of its
    text when it is not JSON (a proxy's page)."""
    try:
        return response.json()
    except ValueError:
        return response.text[:200]


def rejected_for(response: httpx.Response) -> RemoteRejectedError:
    code, ja, en = error_fields(error_body_of(response))
    what = f"{response.request.method} {response.request.url.path} -> HTTP {response.status_code}"
    en = f"{what}: {en}" if en else what
    if response.status_code == 401:
        return AuthenticationRequiredError(ja, en, status=401, code=code)
    if response.status_code >= 500 and not ja:
        ja = "データセンターでエラーが発生しました。しばらくしてから再度お試しください。"
    return RemoteRejectedError(ja, en, status=response.status_code, code=code)


class DataCentreClient:
    """JSON over HTTP(S) to the primary endpoint, falling back to the secondary (副回線)."""

    def __init__(
        self,
        primary_url: str,
        secondary_url: str | None = None,
        *,
        ca_bundle: Path | None = None,
        client_cert: Path | None = None,
        client_key: Path | None = None,
        timeout: float = 30.0,
        connect_timeout: float = 3.0,
        interactive_timeout: float | None = INTERACTIVE_TIMEOUT_SECONDS,
        token: str | None = None,
        signer: TerminalSigner | None = None,
        transport: httpx.BaseTransport | None = None,
        refusal: Refusal = rejected_for,
        on_line_event: Callable[[str, bool], None] | None = None,
        on_line_attempt: Callable[..., None] | None = None,
        line_up: Callable[[str], bool] | None = None,
    ) -> None:
        self.urls = [check_base_url(u) for u in (primary_url, secondary_url) if u]
        verify: ssl.SSLContext | bool = True
        if (ca_bundle is not None or client_cert is not None) and any(u.startswith("https://") for u in self.urls):
            verify = build_ssl_context(ca_bundle, client_cert, client_key)
        self._client = httpx.Client(
            verify=verify, timeout=httpx.Timeout(timeout, connect=connect_timeout), trust_env=False,
            transport=transport, headers={"Accept-Encoding": "gzip", "Accept": "application/json"},
        )
        self.token = token
        self.signer = signer
        self.refusal = refusal
        self.active_url = self.urls[0]
        # (base url, ok): fed to the connectivity state machine; ok=False only for line failures
        self.on_line_event = on_line_event
        # if set, used instead of on_line_event: (base, ok, elapsed=seconds since the attempt was sent, error=text)
        self.on_line_attempt = on_line_attempt
        # the short first try of interactive requests (None: always the long timeout)
        self.interactive_timeout = interactive_timeout
        self.connect_timeout = connect_timeout
        self.line_up = line_up  # the connectivity machine's view of which lines are up, if wired

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> DataCentreClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fork(self) -> Self:
        """Another client on the same connection pool and lines, with its own token (a second
        person at the terminal: a supervisor's release)."""
        other = copy.copy(self)
        other.token = None
        return other

    # -- transport ---------------------------------------------------------------------------

    def _headers(self, method: str, url: str, params: dict[str, Any], content: bytes = b"",
                 idempotency_key: str | None = None) -> dict[str, str]:
        """The staff token if signed in, and the terminal signature whenever this is an enrolled
        terminal (over the body bytes, with a fresh nonce per attempt): a token issued to a signed
        login is refused by the server without the signature of the same terminal."""
        headers: dict[str, str] = {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if idempotency_key:
            headers[IDEMPOTENCY_HEADER] = idempotency_key
        if self.signer is not None:
            headers.update(self.signer.headers(method, httpx.URL(url).path, params, content))
        if content:
            headers["Content-Type"] = "application/json"
        return headers

    def _note(self, base: str, ok: bool, sent: float | None = None, error: object = None) -> None:
        try:
            if self.on_line_attempt is not None:
                elapsed = 0.0 if sent is None else max(0.0, time.monotonic() - sent)
                self.on_line_attempt(base, ok, elapsed=elapsed, error="" if error is None else repr(error))
            elif self.on_line_event is not None:
                self.on_line_event(base, ok)
        except Exception:  # a listener must never break a request
            log.exception("line event listener failed")

    def request_raw(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                    json_body: Any = None, idempotency_key: str | None = None) -> tuple[httpx.Response, bytes]:
        params = {k: v for k, v in (params or {}).items() if v is not None}
        order = [self.active_url] + [u for u in self.urls if u != self.active_url]
        timeouts = attempt_timeouts(method, path, order, interactive_seconds=self.interactive_timeout,
                                    connect_seconds=self.connect_timeout, line_up=self.line_up)
        last: LineDownError | None = None
        # serialised once here, so the bytes signed are the bytes sent
        content = (json.dumps(json_body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
                   if json_body is not None else b"")
        attempts = list(zip(order, timeouts, strict=True))
        resendable = may_resend(method, path)
        retries_left = TRUNCATED_RETRIES
        while attempts:
            base, timeout = attempts.pop(0)
            url = base + path
            sent = time.monotonic()
            try:
                response = self._client.request(method, url, params=params, content=content or None,
                                                 headers=self._headers(method, url, params, content, idempotency_key),
                                                 timeout=timeout)
                body = response.content  # read fully: a cut body raises here
            except httpx.ConnectError as exc:  # never reached the server: the other line may take it
                last = LineDownError(message_en=f"cannot connect to {base}", detail=repr(exc))
                error: Exception = exc
            except _CUT_SHORT as exc:
                last = TruncatedResponseError(message_en=f"{method} {url}: response cut short", detail=repr(exc))
                error = exc
                if not resendable:
                    self._note(base, False, sent, exc)
                    raise last from exc
                if retries_left > 0 and not attempts:
                    retries_left -= 1  # the answer was cut short on the last line: ask once more (bounded)
                    attempts.append((base, httpx.USE_CLIENT_DEFAULT))
            except httpx.HTTPError as exc:  # timeout, reset, protocol trouble
                last = LineDownError(message_en=f"{method} {url} failed on the line", detail=repr(exc))
                error = exc
                if not resendable:  # it may have reached the server: never sent twice
                    self._note(base, False, sent, exc)
                    raise last from exc
            else:
                self._note(base, True)
                self.active_url = base
                if response.status_code >= 400:
                    err = self.refusal(response)
                    log.info("server refused: %s", err)
                    raise err
                return response, body
            log.warning("%s", last)
            self._note(base, False, sent, error)
        assert last is not None
        raise last

    def request_json(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                     json_body: Any = None, idempotency_key: str | None = None) -> Any:
        response, body = self.request_raw(method, path, params=params, json_body=json_body,
                                          idempotency_key=idempotency_key)
        if not body:
            return None
        try:
            return json.loads(body)
        except ValueError as exc:
            raise GarbledResponseError(message_en=f"{method} {path}: body is not valid JSON",
                                       detail=body[:80].decode("utf-8", "replace")) from exc

    def get(self, path: str, **params: Any) -> Any:
        return self.request_json("GET", path, params=params)

    def post(self, path: str, body: Any = None, *, idempotency_key: str | None = None) -> Any:
        return self.request_json("POST", path, json_body=body if body is not None else {},
                                 idempotency_key=idempotency_key)

    def get_bytes(self, path: str, **params: Any) -> bytes:
        """A binary GET (a PDF) on the active line, with the same error mapping."""
        params = {k: v for k, v in params.items() if v is not None}
        url = self.active_url + path
        headers = {**self._headers("GET", url, params), "Accept": "*/*"}
        try:
            response = self._client.get(url, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise LineDownError(message_en=f"GET {path} failed", detail=repr(exc)) from exc
        if response.status_code >= 400:
            raise self.refusal(response)
        return response.content

    # -- API ---------------------------------------------------------------------------------

    def health(self) -> Any:
        return self.get("/health")

    def login(self, municipality_code: str, user_id: str, password: str, terminal_id: str) -> dict[str, Any]:
        """POST /api/v1/auth/login; keeps the token for later calls and returns the body."""
        body = self.post("/api/v1/auth/login", {
            "municipality_code": municipality_code, "user_id": user_id, "password": password,
            "terminal_id": terminal_id,
        })
        self.token = str(body["token"])
        return dict(body)

    def enroll_terminal(self, payload: dict[str, Any]) -> dict[str, Any]:
        return dict(self.post("/api/v1/terminals/enroll", payload))

    def replica_snapshot(self, cursor: str | None, limit: int, municipality: str | None = None, *,
                         defer: bool = False) -> dict[str, Any]:
        """A snapshot page; with ``defer`` its ``records`` may be a ``wire.PendingRecords`` (checked,
        not yet parsed: call ``records_of(page)`` where the records are needed)."""
        return self._page("/api/v1/replica/snapshot", cursor=cursor, limit=limit, municipality=municipality,
                          defer=defer)

    def replica_changes(self, since: int, limit: int, municipality: str | None = None) -> dict[str, Any]:
        return self._page("/api/v1/replica/changes", since=since, limit=limit, municipality=municipality)

    def replica_checksum(self, municipality: str | None = None) -> dict[str, Any]:
        body = self.get("/api/v1/replica/checksum", municipality=municipality)
        if not isinstance(body, dict) or "kinds" not in body:
            raise GarbledResponseError(message_en="checksum response has no 'kinds'")
        return body

    def replica_partners(self) -> list[dict[str, Any]]:
        body = self.get("/api/v1/replica/partners")
        return list(body.get("partners", [])) if isinstance(body, dict) else []

    def _page(self, path: str, defer: bool = False, **params: Any) -> dict[str, Any]:
        """A replica page, its checksum verified over the raw records bytes before parsing.

        Asked for in the line format (client.remote.wire.parse_lines_page); a server that
        answers in JSON is read as JSON.
        """
        response, body = self.request_raw("GET", path, params={**params, "format": "lines"})
        if response.headers.get("content-type", "").startswith(LINES_MEDIA_TYPE):
            try:
                return parse_lines_page(body, defer=defer)
            except PageFormatError as exc:
                raise GarbledResponseError(message_en=f"GET {path}: replica page {exc}",
                                           detail=body[:80].decode("utf-8", "replace")) from exc
        raw = records_bytes(body)
        try:
            page = orjson.loads(body)  # a snapshot page is ~1 MB of JSON: 3× faster than json
        except ValueError as exc:
            raise GarbledResponseError(message_en=f"GET {path}: body is not valid JSON",
                                       detail=body[:80].decode("utf-8", "replace")) from exc
        if raw is None or not isinstance(page, dict) or not isinstance(page.get("records"), list):
            raise GarbledResponseError(message_en=f"GET {path}: replica page lacks records")
        if records_checksum(raw) != page.get("checksum"):
            raise GarbledResponseError(message_en=f"GET {path}: replica page checksum mismatch")
        return page
