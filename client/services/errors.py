"""Errors the counter services raise: one type per failure the clerk can act on.

Every error carries a plain-Japanese message for the clerk (``message_ja``) and an English one
for the log (``message_en``); the UI shows the first and logs the second, never a traceback.
"""

from __future__ import annotations


class ServiceError(Exception):
    """Base class: something the clerk should be told about."""

    default_ja = "処理できませんでした。"

    def __init__(self, message_ja: str = "", message_en: str = "", *, detail: str = "") -> None:
        self.message_ja = message_ja or self.default_ja
        self.message_en = message_en or self.__class__.__name__
        self.detail = detail
        super().__init__(self.message_en)

    def __str__(self) -> str:
        return f"{self.message_en}{(': ' + self.detail) if self.detail else ''}"


class ConfigurationError(ServiceError):
    """The terminal is not configured to reach a server (URL, CA bundle, municipality)."""

    default_ja = "端末の設定に誤りがあります。システム担当者に連絡してください。"


class LineDownError(ServiceError):
    """The server could not be reached (timeout, refused, TLS failure)."""

    default_ja = "サーバーに接続できません。回線の状態を確認してください。"


class SignInError(ServiceError):
    """Wrong staff ID or password, or the account may not sign in on this terminal."""

    default_ja = "職員IDまたはパスワードが正しくありません。"


class SessionExpiredError(ServiceError):
    """The server no longer accepts the session token."""

    default_ja = "セッションの有効期限が切れました。もう一度サインインしてください。"


class PermissionDeniedError(ServiceError):
    """The signed-in user's role may not do this (e.g. void needs a supervisor)."""

    default_ja = "この操作には係長(監督者)の権限が必要です。"


class ProtectedResidentError(ServiceError):
    """支援措置: the resident's record may not be shown or issued without a supervisor's release."""

    default_ja = "支援措置の対象者です。照会・交付はできません。支援措置責任者に確認してください。"
    measure_ids: tuple[str, ...] = ()  # the 支援措置 a supervisor would have to release


class NotFoundError(ServiceError):
    """No such resident / issuance."""

    default_ja = "該当するデータが見つかりません。"


class RejectedError(ServiceError):
    """The server refused the request for a reason it explained (validation, rules)."""

    default_ja = "サーバーが要求を受け付けませんでした。"


class RenderError(ServiceError):
    """The certificate or report could not be turned into a PDF."""

    default_ja = "証明書の作成(PDF)に失敗しました。"
