"""Card errors: one type per failure the clerk can act on, Japanese for the clerk, English for the log.

When any of these is raised nothing has been recorded: reading a card never writes anything.
"""

from __future__ import annotations

from client.errors import ClerkError


class CardError(ClerkError):
    """Base class: the card could not be read or must not be trusted."""

    default_ja = "カードを読み取れませんでした。"
    default_en = "card could not be read"

    def __init__(self, message_ja: str = "", message_en: str = "") -> None:
        super().__init__(message_ja, message_en or self.default_en)


class ReaderUnavailableError(CardError):
    """No PC/SC service or no reader attached."""

    default_ja = "カードリーダーが見つかりません。リーダーの接続を確認してください。"
    default_en = "no smart card reader (PC/SC service or reader missing)"


class NoCardError(CardError):
    default_ja = "カードがリーダーに置かれていません。カードを置いてからやり直してください。"
    default_en = "no card in the reader"


class CardRemovedError(CardError):
    """The card left the reader during a read: whatever was read so far is discarded."""

    default_ja = "読み取り中にカードが外されました。読み取った内容は破棄しました。カードを置き直してやり直してください。"
    default_en = "card removed during the read; partial data discarded"


class NotMyNumberCardError(CardError):
    default_ja = "マイナンバーカードではありません(カードのアプリケーションが見つかりません)。"
    default_en = "not a My Number card (application not found)"


class WrongPinError(CardError):
    """A PIN (or 照合番号B) was wrong; ``tries_left`` tries remain."""

    def __init__(self, what_ja: str, what_en: str, tries_left: int) -> None:
        self.tries_left = tries_left
        super().__init__(
            f"{what_ja}が違います。残り{tries_left}回です。",
            f"wrong {what_en}; {tries_left} tries left",
        )


class PinTryRefusedError(CardError):
    """Only one try is left: Madoguchi refuses to spend it (a wrong entry would lock the card)."""

    def __init__(self, what_ja: str, what_en: str) -> None:
        self.tries_left = 1
        super().__init__(
            f"{what_ja}の残り回数が1回です。誤るとカードがロックされるため、この端末では照合しません。"
            "住民の方に番号を確認していただくか、他の本人確認書類で確認してください。",
            f"{what_en}: one try left; refusing to spend it",
        )


class PinLockedError(CardError):
    """The PIN (or 照合番号B) is blocked (6983 or no tries left)."""

    def __init__(self, what_ja: str, what_en: str) -> None:
        super().__init__(
            f"{what_ja}がロックされています。ロックの解除(暗証番号の再設定)は、住所地の市区町村窓口で"
            "本人確認のうえ行います。今回は他の本人確認書類で確認してください。",
            f"{what_en} is locked (reset at the municipal counter)",
        )


class CardExpiredError(CardError):
    def __init__(self, expiry: str) -> None:
        self.expiry = expiry
        super().__init__(
            f"有効期限が切れたカードです(有効期限 {expiry})。本人確認書類として使えません。",
            f"card expired on {expiry}",
        )


class SignatureError(CardError):
    """The card's signature over what was read does not verify against the configured chain."""

    default_ja = ("カードの電子署名を検証できませんでした。偽造・改ざんのおそれがあります。"
                  "このカードでは本人確認できません。係長に報告してください。")
    default_en = "card signature does not verify"


class TrustConfigurationError(CardError):
    default_ja = "カード検証用の証明書が設定されていません。システム担当者に連絡してください。"
    default_en = "card trust chain not configured"


class CardDataError(CardError):
    default_ja = "カードの内容を解釈できませんでした。"
    default_en = "card data malformed"
