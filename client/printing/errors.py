"""Errors of the certificate renderer: each says what is wrong in Japanese (clerk) and English (log).

When any of these is raised, no certificate is produced.
"""

from __future__ import annotations

from client.errors import ClerkError


class RenderError(ClerkError):
    """Base class: a certificate could not be produced."""


class FormDefinitionError(RenderError):
    """A form file in forms/ is malformed or refers to fields that do not exist."""

    def __init__(self, form: str, problem: str) -> None:
        super().__init__(
            f"様式定義 {form} に誤りがあります: {problem}",
            f"Form definition {form} is invalid: {problem}",
        )
        self.form = form
        self.problem = problem


class NoFormError(RenderError):
    """No form is defined for the certificate type and layout."""


class SealPlacementError(RenderError):
    """The signed seal marks differ from where this terminal's form puts the seals (another form)."""

    def __init__(self) -> None:
        super().__init__(
            "印影・公印の位置が署名された内容と異なります（様式が発行時のものと違います）。様式を更新してください。",
            "The signed seal marks differ from this form's seal placement (another form version)",
        )


class MissingParameterError(RenderError):
    """Content fields the form needs (municipality name, 職名, seal image …) are empty."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(
            "証明書の発行に必要な設定値がありません: " + "、".join(missing),
            "Required certificate parameters are missing: " + ", ".join(missing),
        )
        self.missing = missing


class BadImageError(RenderError):
    """A seal or 印影 image is not a readable image."""

    def __init__(self, field_name: str, label_ja: str, detail: str) -> None:
        super().__init__(
            f"{label_ja}の画像を読み込めません（画像ファイルではありません）。",
            f"The image in {field_name} cannot be read: {detail}",
        )
        self.field_name = field_name


class UndrawableCharactersError(RenderError):
    """Characters that no font in the font set can draw (unregistered 外字)."""

    def __init__(self, characters: dict[str, list[str]]) -> None:
        listed = [f"{ch}（U+{ord(ch):04X}、{'・'.join(where)}）" for ch, where in characters.items()]
        super().__init__(
            "次の文字は印字用フォントにないため印字できません（外字の登録が必要です）: " + "、".join(listed),
            "Characters missing from every font: "
            + ", ".join(f"U+{ord(ch):04X} in {'/'.join(where)}" for ch, where in characters.items()),
        )
        self.characters = characters


class TextOverflowError(RenderError):
    """Text that does not fit its box even at the smallest allowed size (文字溢れ)."""

    def __init__(self, overflows: list[str]) -> None:
        super().__init__(
            "枠に収まらない項目があります（文字溢れ）: " + "、".join(overflows),
            "Text does not fit even at the minimum size: " + ", ".join(overflows),
        )
        self.overflows = overflows


class TokenMismatchError(RenderError):
    """The QR token given to the renderer does not belong to this content."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            "QRコードの署名データがこの証明書の内容と一致しません。",
            f"The QR token does not match the certificate content: {detail}",
        )
