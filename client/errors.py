"""The one root of every error a clerk, a supervisor or IT is shown: :class:`ClerkError`.

Each error carries a plain-Japanese message for the person at the counter (``message_ja``) and an
English one for the log (``message_en``), always in that order; the UI shows the first and logs
the second, never a traceback. Rooms declare their own subclasses (``client.services.errors``,
``client.remote.errors``, …); the two failures every room shares live here: the line is down, or
the other side answered and refused.
"""

from __future__ import annotations


class ClerkError(Exception):
    """Base class: something the clerk should be told about."""

    default_ja = "処理できませんでした。"

    def __init__(self, message_ja: str = "", message_en: str = "", *, detail: str = "") -> None:
        self.message_ja = message_ja or self.default_ja
        self.message_en = message_en or self.__class__.__name__
        self.detail = detail
        super().__init__(self.message_en)

    def __str__(self) -> str:
        return f"{self.message_en}{(': ' + self.detail) if self.detail else ''}"


class LineDownError(ClerkError):
    """The server could not be reached (timeout, refused, TLS failure)."""

    default_ja = "サーバーに接続できません。回線の状態を確認してください。"


class RejectedError(ClerkError):
    """The server refused the request for a reason it explained (validation, rules)."""

    default_ja = "サーバーが要求を受け付けませんでした。"
