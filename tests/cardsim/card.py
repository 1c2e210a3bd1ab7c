"""The card itself: SELECT, VERIFY (try counters, lock), READ BINARY over the 券面 APs' files.

Built from the public layout (client/card/layout.py, docs/card.md). A fresh power-up clears the
selected application and the verified PINs; try counters persist like on the real chip.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass, field
from datetime import date

from client.card import layout
from client.card.tlv import encode
from tests.cardsim.pki import TestChain


def tiny_png(seed: int, w: int = 24, h: int = 32) -> bytes:
    """A small deterministic PNG (stands in for the card's JPEG 2000 photo and face images)."""
    rows = b"".join(
        b"\x00" + bytes(v for x in range(w) for v in ((x * 7 + y * 3 + seed) % 256, (x * 5 + seed) % 256, (y * 9) % 256))
        for y in range(h)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@dataclass
class Pin:
    value: bytes
    tries: int = 3
    max_tries: int = 3
    verified: bool = False

    def check(self, given: bytes) -> bytes:
        if self.tries == 0:
            return b"\x69\x83"
        if given == self.value:
            self.tries = self.max_tries
            self.verified = True
            return b"\x90\x00"
        self.tries -= 1
        self.verified = False
        return b"\x69\x83" if self.tries == 0 else bytes([0x63, 0xC0 | self.tries])


@dataclass
class EmulatedCard:
    """Files by (AID, FID); PINs by (AID, FID); protected files need the AP's PIN."""

    files: dict[tuple[bytes, bytes], bytes]
    pins: dict[tuple[bytes, bytes], Pin]
    protected: dict[tuple[bytes, bytes], bytes]  # file → the PIN EF that guards it
    atr: bytes = bytes.fromhex("3B8880010000000000000000")
    pull_after_reads: int | None = None  # the card leaves the reader at this READ BINARY
    reads: int = 0
    log: list[str] = field(default_factory=list)
    _df: bytes | None = None
    _ef: bytes | None = None

    def power_on(self) -> None:
        self._df = self._ef = None
        for p in self.pins.values():
            p.verified = False

    def process(self, command: bytes) -> bytes | None:
        """The response APDU, or None when the card is pulled out now."""
        if len(command) < 4:
            return b"\x67\x00"
        ins, p1, p2 = command[1], command[2], command[3]
        body = command[5:5 + command[4]] if len(command) > 5 else b""
        self.log.append(command.hex())
        if ins == 0xA4:
            if p1 == 0x04:
                if not any(k[0] == body for k in list(self.files) + list(self.pins)):
                    self._df = None
                    return b"\x6A\x82"
                self._df, self._ef = body, None
                return b"\x90\x00"
            if p1 == 0x02 and self._df is not None:
                key = (self._df, body)
                if key in self.files or key in self.pins:
                    self._ef = body
                    return b"\x90\x00"
                return b"\x6A\x82"
            return b"\x6A\x86"
        if ins == 0x20:
            pin = self.pins.get((self._df or b"", self._ef or b""))
            if pin is None:
                return b"\x69\x86"
            if len(command) <= 5:
                if pin.tries == 0:
                    return b"\x69\x83"
                return bytes([0x63, 0xC0 | pin.tries])
            return pin.check(body)
        if ins == 0xB0:
            key = (self._df or b"", self._ef or b"")
            data = self.files.get(key)
            if data is None:
                return b"\x69\x86"
            guard = self.protected.get(key)
            if guard is not None and not self.pins[(key[0], guard)].verified:
                return b"\x69\x82"
            self.reads += 1
            if self.pull_after_reads is not None and self.reads >= self.pull_after_reads:
                return None
            offset = ((p1 & 0x7F) << 8) | p2
            le = command[4] if len(command) == 5 else 0
            n = 256 if le == 0 else le
            return data[offset:offset + n] + b"\x90\x00"
        return b"\x6D\x00"


@dataclass(frozen=True)
class CardHolder:
    name: str
    address: str
    birth: date
    sex: str  # "1" male, "2" female
    expiry: date
    security_code: str = "1234"
    pin: str = "1234"
    my_number: str = "123456789018"  # a test number; Madoguchi never reads it

    @property
    def pin_b(self) -> str:
        return f"{self.birth:%y%m%d}{self.expiry.year:04d}{self.security_code}"


def build_card(holder: CardHolder, chain: TestChain, *, signing_chain: TestChain | None = None,
               tamper_text: bool = False, tamper_face: bool = False, pin_tries: int = 3,
               pin_b_tries: int = 3) -> EmulatedCard:
    """A card for ``holder``; its data signed by ``signing_chain`` (default ``chain``)."""
    signer = signing_chain or chain
    t, v = layout.TEXT_AP, layout.VISUAL_AP
    number = encode(0xD0, holder.my_number.encode())
    attrs = encode(layout.TAG_ATTRS, b"".join([
        encode(layout.TAG_HEADER, b"\x01\x02\x03"),
        encode(layout.TAG_NAME, holder.name.encode("utf-8")),
        encode(layout.TAG_ADDRESS, holder.address.encode("utf-8")),
        encode(layout.TAG_BIRTH, f"{holder.birth:%Y%m%d}".encode()),
        encode(layout.TAG_SEX, holder.sex.encode()),
    ]))
    d_num, d_attrs = hashlib.sha256(number).digest(), hashlib.sha256(attrs).digest()
    sig = encode(layout.TAG_SIG, encode(layout.TAG_SIG_DIGEST_NUMBER, d_num)
                 + encode(layout.TAG_SIG_DIGEST_ATTRS, d_attrs)
                 + encode(layout.TAG_SIG_VALUE, signer.sign(d_num + d_attrs)))
    if tamper_text:  # the 4情報 changed after signing (a forged card)
        attrs = attrs.replace(holder.name.encode("utf-8"), ("偽" + holder.name[1:]).encode("utf-8"))
    items = [
        encode(layout.TAG_HEADER, b"\x01\x02\x03"),
        encode(layout.TAG_V_BIRTH, f"{holder.birth:%Y%m%d}".encode()),
        encode(layout.TAG_V_SEX, holder.sex.encode()),
        encode(layout.TAG_V_KEY, b"\x00" * 16),
        encode(layout.TAG_V_NAME_IMG, tiny_png(1, 96, 20)),
        encode(layout.TAG_V_ADDR_IMG, tiny_png(2, 160, 24)),
        encode(layout.TAG_V_PHOTO, tiny_png(3, 60, 80)),
        encode(layout.TAG_V_EXPIRY, f"{holder.expiry:%Y%m%d}".encode()),
        encode(layout.TAG_V_CODE, holder.security_code.encode()),
    ]
    face_sig = signer.sign(b"".join(items))
    if tamper_face:
        items[1] = encode(layout.TAG_V_BIRTH, b"19000101")
    entries = encode(layout.TAG_ATTRS, b"".join(items[:7] + [encode(layout.TAG_V_SIGNATURE, face_sig)] + items[7:]))
    files = {
        (t, layout.TEXT_EF_MY_NUMBER): number,
        (t, layout.TEXT_EF_ATTRS): attrs,
        (t, layout.TEXT_EF_SIGNATURE): sig,
        (t, layout.TEXT_EF_CERT): signer.signer_der,
        (v, layout.VISUAL_EF_ENTRIES): entries,
        (v, layout.VISUAL_EF_CERT): signer.signer_der,
    }
    pins = {
        (t, layout.TEXT_EF_PIN): Pin(holder.pin.encode(), tries=pin_tries),
        (v, layout.VISUAL_EF_PIN_B): Pin(holder.pin_b.encode(), tries=pin_b_tries, max_tries=10),
    }
    protected = {
        (t, layout.TEXT_EF_MY_NUMBER): layout.TEXT_EF_PIN,
        (t, layout.TEXT_EF_ATTRS): layout.TEXT_EF_PIN,
        (t, layout.TEXT_EF_SIGNATURE): layout.TEXT_EF_PIN,
        (v, layout.VISUAL_EF_ENTRIES): layout.VISUAL_EF_PIN_B,
    }
    return EmulatedCard(files=files, pins=pins, protected=protected)


def other_card() -> EmulatedCard:
    """A card with no My Number applications (e.g. a transit or bank card)."""
    return EmulatedCard(files={(bytes.fromhex("A0000000031010"), b"\x00\x01"): b"\x00"}, pins={}, protected={})
