"""The one root of the data centre's refusals: ``Refusal(status, code, message_ja, message_en)``.

Every error the server answers with derives from it — the HTTP layer's ``ApiError``, sign-in
(``AuthError``), terminal signatures (``CallerRefused``), terminal standing (``StandingError``), the
register's writes (``RegisterError``), BCP records (``BcpRejected``) and uploaded terminal logs
(``TerminalLogRejected``) — so the API renders any of them as the one error body of
``client.wire.errors`` (one exception handler), and a CLI prints any of them the same way. The
order is always Japanese first (for the clerk), then English (for the log), as in
``client.errors.ClerkError``.
"""

from __future__ import annotations

from typing import Any

from client.wire.errors import error_body


class Refusal(Exception):
    """A request refused: HTTP ``status``, machine-readable ``code``, the clerk's and the log's
    message, and any extra fields of the error body (``seq``, ``revoked_at`` …)."""

    def __init__(self, status: int, code: str, message_ja: str, message_en: str, **extra: Any) -> None:
        super().__init__(message_en)
        self.status = status
        self.code = code
        self.message_ja = message_ja
        self.message_en = message_en
        self.extra = extra

    @property
    def body(self) -> dict[str, Any]:
        """The ``detail`` of the error body (``client.wire.errors.ErrorDetail``)."""
        return error_body(self.code, self.message_ja, self.message_en, **self.extra)["detail"]

    def cli_text(self) -> str:
        """What a ``madoguchi-server`` command prints on stderr."""
        return f"エラー: {self.message_ja}\nerror: {self.message_en} ({self.code})"
