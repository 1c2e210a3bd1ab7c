"""Command APDUs the reader sends and the status words it understands (ISO/IEC 7816-4)."""

from __future__ import annotations

from dataclasses import dataclass

SW_OK = 0x9000
SW_NOT_FOUND = 0x6A82
SW_LOCKED = 0x6983
SW_SECURITY = 0x6982  # security status not satisfied


@dataclass(frozen=True)
class Response:
    data: bytes
    sw: int

    @property
    def ok(self) -> bool:
        return self.sw == SW_OK

    @property
    def tries_left(self) -> int | None:
        """For VERIFY: 63Cx → x tries left; 6983 → 0."""
        if self.sw & 0xFFF0 == 0x63C0:
            return self.sw & 0x0F
        if self.sw == SW_LOCKED:
            return 0
        return None

    @classmethod
    def parse(cls, raw: bytes) -> Response:
        if len(raw) < 2:
            return cls(b"", 0x6F00)
        return cls(bytes(raw[:-2]), (raw[-2] << 8) | raw[-1])


def select_df(aid: bytes) -> bytes:
    """SELECT by DF name, no response data (P2 = 0C)."""
    return bytes([0x00, 0xA4, 0x04, 0x0C, len(aid)]) + aid


def select_ef(fid: bytes) -> bytes:
    return bytes([0x00, 0xA4, 0x02, 0x0C, len(fid)]) + fid


def verify(pin: bytes | None) -> bytes:
    """VERIFY the current EF's PIN; with no data it only asks how many tries are left (63Cx)."""
    if pin is None:
        return bytes([0x00, 0x20, 0x00, 0x80])
    return bytes([0x00, 0x20, 0x00, 0x80, len(pin)]) + pin


def read_binary(offset: int, le: int) -> bytes:
    if not 0 <= offset <= 0x7FFF:
        raise ValueError("READ BINARY offset out of range")
    return bytes([0x00, 0xB0, (offset >> 8) & 0x7F, offset & 0xFF, le & 0xFF])
