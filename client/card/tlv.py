"""Minimal BER-TLV (ISO/IEC 7816-4) as the card uses it: multi-byte tags, 1–3 byte lengths."""

from __future__ import annotations

from dataclasses import dataclass

from client.card.errors import CardDataError


@dataclass(frozen=True)
class Tlv:
    tag: int
    value: bytes
    raw: bytes  # the whole encoding (tag, length, value)


def _tag(data: bytes, i: int) -> tuple[int, int]:
    if i >= len(data):
        raise CardDataError(message_en="TLV: truncated tag")
    first = data[i]
    tag = first
    i += 1
    if first & 0x1F == 0x1F:
        while True:
            if i >= len(data):
                raise CardDataError(message_en="TLV: truncated tag")
            b = data[i]
            tag = (tag << 8) | b
            i += 1
            if not b & 0x80:
                break
    return tag, i


def _length(data: bytes, i: int) -> tuple[int, int]:
    if i >= len(data):
        raise CardDataError(message_en="TLV: truncated length")
    b = data[i]
    i += 1
    if b < 0x80:
        return b, i
    n = b & 0x7F
    if n == 0 or n > 3 or i + n > len(data):
        raise CardDataError(message_en="TLV: bad length")
    return int.from_bytes(data[i:i + n], "big"), i + n


def header_size(data: bytes) -> int:
    """Total encoded size of the first TLV, from its first bytes (tag + length) only."""
    _t, i = _tag(data, 0)
    length, j = _length(data, i)
    return j + length


def parse(data: bytes) -> list[Tlv]:
    """All TLVs in ``data`` (one level); trailing 0x00/0xFF padding is ignored."""
    out: list[Tlv] = []
    i = 0
    while i < len(data):
        if data[i] in (0x00, 0xFF) and all(b == data[i] for b in data[i:]):
            break
        start = i
        tag, i = _tag(data, i)
        length, i = _length(data, i)
        if i + length > len(data):
            raise CardDataError(message_en=f"TLV: value of tag {tag:X} truncated")
        out.append(Tlv(tag, data[i:i + length], data[start:i + length]))
        i += length
    return out


def children(data: bytes, outer_tag: int) -> dict[int, Tlv]:
    """The TLVs inside the one ``outer_tag`` constructed TLV of ``data``, by tag."""
    top = parse(data)
    if not top or top[0].tag != outer_tag:
        raise CardDataError(message_en=f"TLV: expected tag {outer_tag:X}")
    return {t.tag: t for t in parse(top[0].value)}


def encode(tag: int, value: bytes) -> bytes:
    tag_bytes = tag.to_bytes((tag.bit_length() + 7) // 8 or 1, "big")
    n = len(value)
    if n < 0x80:
        length = bytes([n])
    elif n < 0x100:
        length = bytes([0x81, n])
    elif n < 0x10000:
        length = bytes([0x82]) + n.to_bytes(2, "big")
    else:
        length = bytes([0x83]) + n.to_bytes(3, "big")
    return tag_bytes + length + value
