"""Errors of the data-centre client, split the way the BCP state machine needs them.

``LineDownError`` (and its subclasses) means the server could not be reached or its answer did
not arrive intact: the connectivity state machine counts it. ``RemoteRejectedError`` means the
server answered and said no (HTTP 4xx/5xx with a reason): the line is fine.
Both subclass the shared roots in ``client.errors``, so callers catching those catch these too.
"""

from __future__ import annotations

from client.errors import LineDownError as _LineDownError
from client.errors import RejectedError as _RejectedError


class LineDownError(_LineDownError):
    """Connect failure, timeout, reset, or a body cut short: the line (or the server) is down."""

    default_ja = "データセンターに接続できません。回線の状態を確認してください。"


class TruncatedResponseError(LineDownError):
    """The response arrived cut short (connection closed mid-body, gzip stream incomplete)."""

    default_ja = "データセンターからの応答が途中で切れました。再試行します。"


class GarbledResponseError(LineDownError):
    """The response arrived but is not what the server sent (bad JSON, checksum mismatch)."""

    default_ja = "データセンターからの応答が壊れていました(チェックサム不一致)。再試行します。"


class RemoteRejectedError(_RejectedError):
    """The server answered with an error status; ``status`` and ``code`` say which."""

    def __init__(self, message_ja: str = "", message_en: str = "", *, status: int = 0, code: str = "",
                 detail: str = "") -> None:
        super().__init__(message_ja, message_en, detail=detail)
        self.status = status
        self.code = code


class AuthenticationRequiredError(RemoteRejectedError):
    """HTTP 401: sign in again (or the terminal is not enrolled / its signature was refused)."""

    default_ja = "認証が必要です。もう一度サインインしてください。"
