"""The counter's view of the one data-centre client (:class:`client.remote.http.DataCentreClient`).

``OnlineApi`` is that client with the counter's configuration rules (a URL must be https, or
plain ``http://`` to the loopback address only; a missing URL or unreadable TLS material is a
:class:`ConfigurationError`) and the counter's error mapping: a refusal becomes the service error
the clerk can act on (:func:`error_for_response`), with the server's Japanese message when it sent
one. Lines, timeouts, failover, idempotency keys, signatures and line events are the client's.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from client.remote import http as remote_http
from client.remote.errors import RemoteRejectedError
from client.remote.http import DataCentreClient
from client.remote.line_timeouts import INTERACTIVE_TIMEOUT_SECONDS
from client.remote.terminal_auth import TerminalSigner
from client.services.errors import (
    ClerkError,
    ConfigurationError,
    NotFoundError,
    PermissionDeniedError,
    ProtectedResidentError,
    RejectedError,
    SessionExpiredError,
)
from client.wire.errors import error_detail, error_fields

_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
_PROTECTED_PREFIX = "support_measure"


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
        return remote_http.build_ssl_context(ca_bundle, client_cert, client_key)
    except RemoteRejectedError as exc:
        raise ConfigurationError(exc.message_ja, exc.message_en) from exc


def error_for_response(response: httpx.Response) -> ClerkError:
    """The service error for a refusal, read from the server's error body (``client.wire.errors``)."""
    body = remote_http.error_body_of(response)
    code, ja, en = error_fields(body)
    status = response.status_code
    what = f"{response.request.method} {response.request.url.path} -> HTTP {status}"
    en = f"{what}: {en}" if en else what
    if status == 401:
        return SessionExpiredError(ja, en)
    if status == 403:
        if code.startswith(_PROTECTED_PREFIX):
            err = ProtectedResidentError(ja, en)
            err.measure_ids = tuple(str(m) for m in error_detail(body).get("measure_ids", ()))
            return err
        return PermissionDeniedError(ja, en)
    if status == 404:
        return NotFoundError(ja, en)
    if status >= 500:
        return RejectedError(ja or "サーバーでエラーが発生しました。しばらくしてからもう一度お試しください。", en)
    return RejectedError(ja, en)


class OnlineApi(DataCentreClient):
    """The one data-centre client, configured for the counter: its refusals are the counter's
    errors (``SessionExpiredError``, ``ProtectedResidentError`` …), bad configuration a
    ``ConfigurationError``, a 10 s request timeout."""

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
        signer: TerminalSigner | None = None,
        on_line_event: Callable[[str, bool], None] | None = None,
        on_line_attempt: Callable[..., None] | None = None,
        line_up: Callable[[str], bool] | None = None,
    ) -> None:
        checked = [check_url(u) for u in urls if u]
        if not checked:
            raise ConfigurationError("サーバーのURLが設定されていません。", "no server URL configured")
        if len(checked) > 2:
            raise ConfigurationError("サーバーのURLは主回線と副回線の2つまでです。",
                                     f"at most a primary and a secondary URL: {checked!r}")
        try:
            super().__init__(checked[0], checked[1] if len(checked) > 1 else None, ca_bundle=ca_bundle,
                             client_cert=client_cert, client_key=client_key, timeout=timeout,
                             connect_timeout=connect_timeout, interactive_timeout=interactive_timeout,
                             refusal=error_for_response, signer=signer, on_line_event=on_line_event,
                             on_line_attempt=on_line_attempt, line_up=line_up)
        except RemoteRejectedError as exc:  # unreadable TLS material: the terminal's configuration
            raise ConfigurationError(exc.message_ja, exc.message_en) from exc
