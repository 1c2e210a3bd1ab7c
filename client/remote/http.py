"""The httpx client for the data-centre API: primary and secondary endpoints, TLS, token header.

Every failure becomes one of two families (see :mod:`client.remote.errors`): ``LineDownError``
when the answer did not arrive (connect error, timeout, reset, body cut short, garbled body) and
``RemoteRejectedError`` when the server answered with an error status. GETs are idempotent, so a
GET that fails on the line is retried once on the other endpoint; a POST moves on only when the
connection could not even be established (it was never sent). An interactive GET (a search, a
resident, health) waits only ``interactive_timeout`` on the active line before it moves on
(:mod:`client.remote.line_timeouts`), so a silent line costs the clerk about a second, not the prober's
round; bulk GETs (replica pages, checksum) keep the long timeout.
"""

from __future__ import annotations

import json
import logging
import ssl
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any
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
from client.remote.line_timeouts import INTERACTIVE_TIMEOUT_SECONDS, attempt_timeouts, may_resend
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


def check_base_url(url: str) -> str:
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


def _error_detail(response: httpx.Response) -> tuple[str, str, str]:
    try:
        body = response.json()
    except ValueError:
        return "", "", response.text[:200]
    return error_fields(body)


def rejected_for(response: httpx.Response) -> RemoteRejectedError:
    code, ja, en = _error_detail(response)
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
        timeout: float = 30.0,
        connect_timeout: float = 3.0,
        interactive_timeout: float | None = INTERACTIVE_TIMEOUT_SECONDS,
        token: str | None = None,
        signer: TerminalSigner | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.urls = [check_base_url(u) for u in (primary_url, secondary_url) if u]
        verify: ssl.SSLContext | bool = True
        if ca_bundle is not None:
            try:
                verify = ssl.create_default_context(cafile=str(ca_bundle))
            except (OSError, ssl.SSLError) as exc:
                raise RemoteRejectedError(
                    "CA証明書ファイルを読み込めません。システム担当者に連絡してください。",
                    f"cannot load CA bundle {ca_bundle}: {exc}", code="bad_ca_bundle",
                ) from exc
        self._client = httpx.Client(
            verify=verify, timeout=httpx.Timeout(timeout, connect=connect_timeout), trust_env=False,
            transport=transport, headers={"Accept-Encoding": "gzip", "Accept": "application/json"},
        )
        self.token = token
        self.signer = signer
        self.active_url = self.urls[0]
        self.on_line_event: Callable[[str, bool], None] | None = None  # (base url, ok)
        # the short first try of interactive GETs (None: always the long timeout)
        self.interactive_timeout = interactive_timeout
        self.connect_timeout = connect_timeout
        self.line_up: Callable[[str], bool] | None = None  # the connectivity machine's view, if wired

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> DataCentreClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport ---------------------------------------------------------------------------

    def _headers(self, method: str, url: str, params: dict[str, Any], content: bytes = b"") -> dict[str, str]:
        """The staff token if signed in, and the terminal signature whenever this is an enrolled
        terminal (over the body bytes, with a fresh nonce per attempt): a token issued to a signed
        login is refused by the server without the signature of the same terminal."""
        headers: dict[str, str] = {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.signer is not None:
            headers.update(self.signer.headers(method, httpx.URL(url).path, params, content))
        if content:
            headers["Content-Type"] = "application/json"
        return headers

    def _note(self, base: str, ok: bool) -> None:
        if self.on_line_event is not None:
            self.on_line_event(base, ok)

    def request_raw(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                    json_body: Any = None) -> tuple[httpx.Response, bytes]:
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
            try:
                response = self._client.request(method, url, params=params, content=content or None,
                                                 headers=self._headers(method, url, params, content),
                                                 timeout=timeout)
                body = response.content  # read fully: a cut body raises here
            except httpx.ConnectError as exc:
                last = LineDownError(message_en=f"cannot connect to {base}", detail=repr(exc))
            except (httpx.TimeoutException, httpx.NetworkError) as exc:
                last = LineDownError(message_en=f"{method} {url} failed on the line", detail=repr(exc))
                if not resendable:
                    self._note(base, False)
                    raise last from exc
            except (httpx.RemoteProtocolError, httpx.DecodingError, zlib.error) as exc:
                last = TruncatedResponseError(message_en=f"{method} {url}: response cut short", detail=repr(exc))
                if not resendable:
                    self._note(base, False)
                    raise last from exc
                if retries_left > 0 and not attempts:
                    retries_left -= 1  # the answer was cut short on the last line: ask once more (bounded)
                    attempts.append((base, httpx.USE_CLIENT_DEFAULT))
            except httpx.HTTPError as exc:
                last = LineDownError(message_en=f"{method} {url} failed", detail=repr(exc))
                if method != "GET":
                    self._note(base, False)
                    raise last from exc
            else:
                self._note(base, True)
                self.active_url = base
                if response.status_code >= 400:
                    raise rejected_for(response)
                return response, body
            log.warning("%s", last)
            self._note(base, False)
        assert last is not None
        raise last

    def request_json(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                     json_body: Any = None) -> Any:
        response, body = self.request_raw(method, path, params=params, json_body=json_body)
        if not body:
            return None
        try:
            return json.loads(body)
        except ValueError as exc:
            raise GarbledResponseError(message_en=f"{method} {path}: body is not valid JSON",
                                       detail=body[:80].decode("utf-8", "replace")) from exc

    def get(self, path: str, **params: Any) -> Any:
        return self.request_json("GET", path, params=params)

    def post(self, path: str, body: Any = None) -> Any:
        return self.request_json("POST", path, json_body=body if body is not None else {})

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
