"""Errors the counter services raise: one type per failure the clerk can act on.

Every error derives from :class:`client.errors.ClerkError`: a plain-Japanese message for the clerk
(``message_ja``) and an English one for the log (``message_en``); the UI shows the first and
logs the second, never a traceback.
"""

from __future__ import annotations

# The shared roots, named here too so callers of the services import every counter error from one place.
from client.errors import ClerkError as ClerkError
from client.errors import LineDownError as LineDownError
from client.errors import RejectedError as RejectedError


class ConfigurationError(ClerkError):
    """The terminal is not configured to reach a server (URL, CA bundle, municipality)."""

    default_ja = "端末の設定に誤りがあります。システム担当者に連絡してください。"


class SignInError(ClerkError):
    """Wrong staff ID or password, or the account may not sign in on this terminal."""

    default_ja = "職員IDまたはパスワードが正しくありません。"


class SessionExpiredError(ClerkError):
    """The server no longer accepts the session token."""

    default_ja = "セッションの有効期限が切れました。もう一度サインインしてください。"


class PermissionDeniedError(ClerkError):
    """The signed-in user's role may not do this (e.g. void needs a supervisor)."""

    default_ja = "この操作には係長(監督者)の権限が必要です。"


class ProtectedResidentError(ClerkError):
    """支援措置: the resident's record may not be shown or issued without a supervisor's release."""

    default_ja = "支援措置の対象者です。照会・交付はできません。支援措置責任者に確認してください。"
    measure_ids: tuple[str, ...] = ()  # the 支援措置 a supervisor would have to release


class NotFoundError(ClerkError):
    """No such resident / issuance."""

    default_ja = "該当するデータが見つかりません。"


class RenderError(ClerkError):
    """The certificate or report could not be turned into a PDF."""

    default_ja = "証明書の作成(PDF)に失敗しました。"
