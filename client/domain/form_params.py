"""Form parameters (様式パラメータ): per municipality and certificate form, what a town may change
without a new client release.

Three settings, all optional (absent = the built-in behaviour):

* ``certification_text`` — the 認証文 printed on the last sheet instead of the default wording
  of ``client.domain.content`` (DOMAIN.md: 「この写しは、住民票の原本と相違ないことを証明する。」 …).
  For ``juminhyo_kojin`` / ``juminhyo_renki`` it replaces both the one-person and the
  whole-household wording.
* ``note`` — one 備考 line printed on every certificate of the form (e.g. 「この証明書は、…」).
* ``enabled`` — ``False``: the municipality does not issue this form; the rule engine refuses it
  (reason ``form_disabled``) online and in BCP mode alike.
* ``registration_no`` — ``inkan`` only: ``True`` prints the 印鑑登録番号 on the 印鑑登録証明書 (a
  municipal choice; not printed by default).

The server stores them (``form_parameters`` table), replicates them as kind ``form_parameter``
(key = form id, data = ``to_dict()``), and both issuance paths pass them to ``build_content`` via
``EvaluationContext.form_parameters``, so the online and the BCP certificate print the same text.
Validation of keys, types and lengths is pure here; whether the text can be drawn with the
certificate fonts and fits the form's box is checked by ``client.printing.form_param_check``
(passed in as ``check``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from client.domain.certificates import CertificateType, Layout

# form id (forms/*.toml ``id``) → certificate type; the 住民票 has one form per layout.
FORM_CERT_TYPES: dict[str, CertificateType] = {
    "juminhyo_kojin": CertificateType.JUMINHYO,
    "juminhyo_renki": CertificateType.JUMINHYO,
    "kisai_jiko": CertificateType.KISAI_JIKO,
    "johyo": CertificateType.JOHYO,
    "inkan": CertificateType.INKAN,
    "kazei": CertificateType.KAZEI,
}
FORM_IDS: tuple[str, ...] = tuple(FORM_CERT_TYPES)

KEYS: tuple[str, ...] = ("certification_text", "note", "enabled", "registration_no")
REGISTRATION_NO_FORMS = frozenset({"inkan"})  # forms that may print the 印鑑登録番号
# Upper bounds in characters; the form's own box may allow fewer (checked with the fonts).
MAX_CERTIFICATION_TEXT = 80
MAX_NOTE = 100


def form_id_for(cert_type: CertificateType, layout: Layout) -> str:
    """The form a certificate is printed on (as ``FormLibrary.for_content`` picks it)."""
    if cert_type is CertificateType.JUMINHYO:
        return "juminhyo_renki" if layout is Layout.RENKI else "juminhyo_kojin"
    return {
        CertificateType.KISAI_JIKO: "kisai_jiko",
        CertificateType.JOHYO: "johyo",
        CertificateType.INKAN: "inkan",
        CertificateType.KAZEI: "kazei",
    }[cert_type]


class FormParameterError(ValueError):
    """A form parameter that is refused; nothing was changed."""

    def __init__(self, message_ja: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_ja = message_ja
        self.message_en = message_en


@dataclass(frozen=True)
class FormParameters:
    """One form's settings at one municipality ("" = the default wording / no 備考 line)."""

    form_id: str
    certification_text: str = ""
    note: str = ""
    enabled: bool = True
    registration_no: bool = False  # inkan: print the 印鑑登録番号

    @property
    def is_default(self) -> bool:
        return not self.certification_text and not self.note and self.enabled and not self.registration_no

    def to_dict(self) -> dict[str, Any]:
        """The replicated data (fixed key order: the checksum is computed over this text).
        ``registration_no`` only when set, so rows written before it keep their text and checksum."""
        out: dict[str, Any] = {"form_id": self.form_id, "certification_text": self.certification_text,
                               "note": self.note, "enabled": self.enabled}
        if self.registration_no:
            out["registration_no"] = True
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FormParameters:
        return cls(form_id=str(d["form_id"]), certification_text=str(d.get("certification_text") or ""),
                   note=str(d.get("note") or ""), enabled=bool(d.get("enabled", True)),
                   registration_no=bool(d.get("registration_no", False)))


def check_form_id(form_id: str) -> str:
    if form_id not in FORM_CERT_TYPES:
        raise FormParameterError(
            f"様式「{form_id}」はありません（{'、'.join(FORM_IDS)}）。",
            f"unknown form {form_id!r} (known: {', '.join(FORM_IDS)})",
        )
    return form_id


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def _bool(value: Any, key: str = "enabled") -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise FormParameterError(f"{key} は true または false で指定してください。",
                             f"{key} must be true or false, not {value!r}")


TextCheck = Callable[[str, str, str], None]  # (form_id, key, text); raises FormParameterError


def _text(form_id: str, key: str, label: str, value: Any, limit: int, check: TextCheck | None) -> str:
    if not isinstance(value, str):
        raise FormParameterError(f"{label}は文字列で指定してください。", f"{key} must be a string")
    text = unicodedata.normalize("NFC", value.strip())
    if len(text) > limit:
        raise FormParameterError(f"{label}が長すぎます（{len(text)}文字、上限{limit}文字）。",
                                 f"{key} is too long ({len(text)} characters, at most {limit})")
    bad = sorted({ch for ch in text if unicodedata.category(ch).startswith("C")})
    if bad:
        raise FormParameterError(f"{label}に改行・制御文字は使えません。",
                                 f"{key} contains control characters: {', '.join(f'U+{ord(c):04X}' for c in bad)}")
    if text and check is not None:
        check(form_id, key, text)
    return text


def apply_changes(current: FormParameters, values: Mapping[str, Any], *,
                  check: TextCheck | None = None) -> FormParameters:
    """``current`` with ``values`` applied (a text set to "" returns to the default).

    Raises ``FormParameterError`` for an unknown key or a bad value; validates everything before
    returning, so a caller that stores only the result never stores half a change.
    """
    unknown = sorted(set(values) - set(KEYS))
    if unknown:
        raise FormParameterError(
            f"不明な設定項目です：{'、'.join(unknown)}（設定できるのは {'、'.join(KEYS)}）。",
            f"unknown form parameter {', '.join(unknown)} (allowed: {', '.join(KEYS)})",
        )
    if not values:
        raise FormParameterError("設定する項目がありません。", "no form parameter given")
    if "registration_no" in values and current.form_id not in REGISTRATION_NO_FORMS:
        raise FormParameterError(
            "登録番号の印字は印鑑登録証明書（inkan）だけに設定できます。",
            f"registration_no applies to the inkan form only, not {current.form_id!r}",
        )
    out = current
    if "certification_text" in values:
        text = _text(out.form_id, "certification_text", "認証文", values["certification_text"],
                     MAX_CERTIFICATION_TEXT, check)
        out = replace(out, certification_text=text)
    if "note" in values:
        out = replace(out, note=_text(out.form_id, "note", "備考", values["note"], MAX_NOTE, check))
    if "enabled" in values:
        out = replace(out, enabled=_bool(values["enabled"]))
    if "registration_no" in values:
        out = replace(out, registration_no=_bool(values["registration_no"], "registration_no"))
    return out
