"""Reading the two 券面 applications of a マイナンバーカード, one step at a time.

Each step opens its own connection, selects the application, reads the try counter first
(VERIFY with no data → 63Cx) and only then, if more than one try is left, verifies the number
the clerk or the resident typed. Nothing is kept when a step fails.

- ``read_face(照合番号B)``: 券面事項確認AP — birth date, sex, expiry, name/address images and photo
  (for the face-to-face check; shown, never stored).
- ``read_text(PIN)``: 券面事項入力補助AP — the text 4情報 (氏名, 住所, 生年月日, 性別).
The 個人番号 (EF 0001, 照合番号A) is never read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from client.card import apdu, layout, tlv
from client.card.errors import (
    CardDataError,
    CardError,
    CardExpiredError,
    NotMyNumberCardError,
    PinLockedError,
    PinTryRefusedError,
    WrongPinError,
)
from client.card.signature import TrustStore, verify_data, verify_text_signature
from client.card.transport import CardConnector, CardTransport

PIN_B_JA, PIN_B_EN = "照合番号B(生年月日・有効期限の年・セキュリティコード)", "check number B"
PIN_JA, PIN_EN = "券面事項入力補助用暗証番号(4桁)", "card text PIN"
_CHUNK = 0xFF


class InvalidEntryError(CardError):
    """What was typed cannot be a PIN / 照合番号B: refused before it reaches the card (no try spent)."""


@dataclass(frozen=True)
class CardFace:
    """券面事項確認AP: what the card's face shows (images are shown to the clerk, never stored)."""

    birth: date
    sex: str  # "M" | "F" | "9"
    expiry: date
    name_image: bytes
    address_image: bytes
    photo: bytes
    signer: str  # subject of the certificate that signed the data


@dataclass(frozen=True)
class CardText:
    """券面事項入力補助AP: the text 4情報."""

    name: str
    address: str
    birth: date
    sex: str  # "M" | "F" | "9"
    signer: str


def _date(text: bytes, what: str) -> date:
    s = text.decode("ascii", "replace").strip()
    if not re.fullmatch(r"\d{8}", s):
        raise CardDataError(message_en=f"{what}: not YYYYMMDD: {s!r}")
    try:
        return date(int(s[:4]), int(s[4:6]), int(s[6:]))
    except ValueError as exc:
        raise CardDataError(message_en=f"{what}: {exc}") from exc


def _sex(raw: bytes) -> str:
    code = raw.decode("ascii", "replace").strip()
    if code not in layout.SEX_CODES:
        raise CardDataError(message_en=f"sex code {code!r}")
    return layout.SEX_CODES[code]


def check_pin_b(pin_b: str) -> bytes:
    if not re.fullmatch(r"\d{14}", pin_b):
        raise InvalidEntryError(
            "照合番号Bは14桁の数字です(生年月日6桁・有効期限の年4桁・セキュリティコード4桁)。カードには送っていません。",
            "check number B must be 14 digits (not sent to the card)")
    return pin_b.encode("ascii")


def check_pin(pin: str) -> bytes:
    if not re.fullmatch(r"\d{4}", pin):
        raise InvalidEntryError("暗証番号は4桁の数字です。カードには送っていません。",
                                "PIN must be 4 digits (not sent to the card)")
    return pin.encode("ascii")


class MyNumberCardReader:
    def __init__(self, connector: CardConnector, trust: TrustStore) -> None:
        self.connector = connector
        self.trust = trust

    # -- low-level steps -------------------------------------------------------------------------

    @staticmethod
    def _send(t: CardTransport, command: bytes) -> apdu.Response:
        return apdu.Response.parse(t.transmit(command))

    def _select_ap(self, t: CardTransport, aid: bytes) -> None:
        r = self._send(t, apdu.select_df(aid))
        if not r.ok:
            raise NotMyNumberCardError(message_en=f"SELECT {aid.hex().upper()}: {r.sw:04X}")

    def _select_ef(self, t: CardTransport, fid: bytes) -> None:
        r = self._send(t, apdu.select_ef(fid))
        if not r.ok:
            raise CardDataError(message_en=f"SELECT EF {fid.hex()}: {r.sw:04X}")

    def _tries(self, t: CardTransport, what_ja: str, what_en: str) -> int:
        r = self._send(t, apdu.verify(None))
        tries = r.tries_left
        if r.ok:  # already verified in this session: the card reports no counter
            return 3
        if tries is None:
            raise CardDataError(message_en=f"{what_en}: unexpected status {r.sw:04X} for the try counter")
        if tries == 0:
            raise PinLockedError(what_ja, what_en)
        return tries

    def _verify(self, t: CardTransport, secret: bytes, what_ja: str, what_en: str) -> None:
        tries = self._tries(t, what_ja, what_en)
        if tries <= 1:
            raise PinTryRefusedError(what_ja, what_en)
        r = self._send(t, apdu.verify(secret))
        if r.ok:
            return
        left = r.tries_left
        if left == 0:
            raise PinLockedError(what_ja, what_en)
        if left is None:
            raise CardDataError(message_en=f"VERIFY {what_en}: status {r.sw:04X}")
        raise WrongPinError(what_ja, what_en, left)

    def _read_all(self, t: CardTransport) -> bytes:
        first = self._send(t, apdu.read_binary(0, 7))
        if not first.ok or len(first.data) < 2:
            raise CardDataError(message_en=f"READ BINARY: {first.sw:04X}")
        total = tlv.header_size(first.data)
        data = bytearray(first.data[:total])
        while len(data) < total:
            n = min(_CHUNK, total - len(data))
            r = self._send(t, apdu.read_binary(len(data), n))
            if not r.ok or not r.data:
                raise CardDataError(message_en=f"READ BINARY at {len(data)}: {r.sw:04X}")
            data += r.data[:n]
        return bytes(data)

    def _tries_of(self, aid: bytes, fid: bytes, what_ja: str, what_en: str) -> int:
        t = self.connector.connect()
        try:
            self._select_ap(t, aid)
            self._select_ef(t, fid)
            return self._tries(t, what_ja, what_en)
        finally:
            t.close()

    # -- what the dialog calls -------------------------------------------------------------------

    def pin_b_tries(self) -> int:
        """照合番号B tries left (raises PinLockedError when none)."""
        return self._tries_of(layout.VISUAL_AP, layout.VISUAL_EF_PIN_B, PIN_B_JA, PIN_B_EN)

    def pin_tries(self) -> int:
        """券面事項入力補助用暗証番号 tries left (raises PinLockedError when none)."""
        return self._tries_of(layout.TEXT_AP, layout.TEXT_EF_PIN, PIN_JA, PIN_EN)

    def read_face(self, pin_b: str, *, now: datetime | None = None) -> CardFace:
        secret = check_pin_b(pin_b)
        now = now or datetime.now(UTC)
        t = self.connector.connect()
        try:
            self._select_ap(t, layout.VISUAL_AP)
            self._select_ef(t, layout.VISUAL_EF_PIN_B)
            self._verify(t, secret, PIN_B_JA, PIN_B_EN)
            self._select_ef(t, layout.VISUAL_EF_ENTRIES)
            entries = self._read_all(t)
            self._select_ef(t, layout.VISUAL_EF_CERT)
            cert_der = self._read_all(t)
        finally:
            t.close()
        cert = self.trust.verify_chain(cert_der, now)
        top = tlv.parse(entries)
        if not top or top[0].tag != layout.TAG_ATTRS:
            raise CardDataError(message_en="visual AP entries: no FF20")
        items = tlv.parse(top[0].value)
        by_tag = {i.tag: i for i in items}
        sig = by_tag.get(layout.TAG_V_SIGNATURE)
        if sig is None:
            raise CardDataError(message_en="visual AP entries: no signature")
        signed = b"".join(i.raw for i in items if i.tag != layout.TAG_V_SIGNATURE)
        verify_data(cert, sig.value, signed)

        def need(tag: int) -> bytes:
            if tag not in by_tag:
                raise CardDataError(message_en=f"visual AP entries: tag {tag:X} missing")
            return by_tag[tag].value

        expiry = _date(need(layout.TAG_V_EXPIRY), "expiry")
        if expiry < now.date():
            raise CardExpiredError(f"{expiry.year}年{expiry.month}月{expiry.day}日")
        return CardFace(
            birth=_date(need(layout.TAG_V_BIRTH), "birth"),
            sex=_sex(need(layout.TAG_V_SEX)),
            expiry=expiry,
            name_image=need(layout.TAG_V_NAME_IMG),
            address_image=need(layout.TAG_V_ADDR_IMG),
            photo=need(layout.TAG_V_PHOTO),
            signer=cert.subject.rfc4514_string(),
        )

    def read_text(self, pin: str, *, now: datetime | None = None) -> CardText:
        secret = check_pin(pin)
        now = now or datetime.now(UTC)
        t = self.connector.connect()
        try:
            self._select_ap(t, layout.TEXT_AP)
            self._select_ef(t, layout.TEXT_EF_PIN)
            self._verify(t, secret, PIN_JA, PIN_EN)
            self._select_ef(t, layout.TEXT_EF_ATTRS)
            attrs = self._read_all(t)
            self._select_ef(t, layout.TEXT_EF_SIGNATURE)
            sig_raw = self._read_all(t)
            self._select_ef(t, layout.TEXT_EF_CERT)
            cert_der = self._read_all(t)
        finally:
            t.close()
        cert = self.trust.verify_chain(cert_der, now)
        sig = tlv.children(sig_raw, layout.TAG_SIG)
        try:
            d_num, d_attrs = sig[layout.TAG_SIG_DIGEST_NUMBER].value, sig[layout.TAG_SIG_DIGEST_ATTRS].value
            value = sig[layout.TAG_SIG_VALUE].value
        except KeyError as exc:
            raise CardDataError(message_en=f"text AP signature EF: {exc} missing") from exc
        verify_text_signature(cert, attrs, d_num, d_attrs, value)
        fields = tlv.children(attrs, layout.TAG_ATTRS)
        try:
            name = fields[layout.TAG_NAME].value.decode("utf-8")
            address = fields[layout.TAG_ADDRESS].value.decode("utf-8")
            birth = _date(fields[layout.TAG_BIRTH].value, "birth")
            sex = _sex(fields[layout.TAG_SEX].value)
        except (KeyError, UnicodeDecodeError) as exc:
            raise CardDataError(message_en=f"text AP 4情報: {exc!r}") from exc
        return CardText(name=name, address=address, birth=birth, sex=sex, signer=cert.subject.rfc4514_string())
