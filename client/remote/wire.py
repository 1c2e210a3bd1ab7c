"""Wire-format helpers of the replica feed, identical to server_stub.replica.api's.

``page_checksum`` is the SHA-256 of the canonical JSON of a page's ``records``;
``record_digest`` is SHA-256(key + "\\n" + canonical data) as an integer; a kind's digest is the
sum of its records' digests mod 2**256, so it does not depend on order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from client.wire.replica import LINES_MEDIA_TYPE as LINES_MEDIA_TYPE  # the page formats, declared once
from client.wire.replica import RECORDS_MARKER

DIGEST_MODULUS = 1 << 256


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def records_bytes(body: bytes) -> bytes | None:
    """The raw bytes of the ``records`` array of a page body (None if the body has no such tail)."""
    at = body.find(RECORDS_MARKER)
    if at < 0 or not body.endswith(b"}"):
        return None
    return body[at + len(RECORDS_MARKER) : -1]


def records_checksum(raw_records: bytes) -> str:
    return hashlib.sha256(raw_records).hexdigest()


def text_digest(key: str, canonical_data: str) -> int:
    return int.from_bytes(hashlib.sha256((key + "\n" + canonical_data).encode()).digest(), "big")


def record_digest(key: str, data: dict[str, Any]) -> int:
    return text_digest(key, canonical_json(data))


def combine(digests: Iterable[int]) -> str:
    total = 0
    for d in digests:
        total = (total + d) % DIGEST_MODULUS
    return f"{total:064x}"


class PageFormatError(ValueError):
    """A line-format page that does not hold together (see server_stub.replica.wire)."""


class PendingRecords:
    """The record lines of a checked line-format page, parsed when ``parse()`` is called.

    Lets a prefetch thread hand the page on (and ask for the next one) before the Python work of
    reading 2,000 records, which then happens on the applying thread.
    """

    __slots__ = ("raw", "count")

    def __init__(self, raw: bytes, count: int) -> None:
        self.raw = raw
        self.count = count

    def parse(self) -> list[RecordTuple]:
        return parse_record_lines(self.raw, self.count)


def split_lines_page(body: bytes) -> tuple[dict[str, Any], bytes]:
    """(head, record bytes) of a ``format=lines`` page, the checksum verified."""
    import orjson

    head_end = body.find(b"\n")
    if head_end < 0:
        raise PageFormatError("no head line")
    try:
        head = orjson.loads(body[:head_end])
    except orjson.JSONDecodeError as exc:
        raise PageFormatError("head line is not JSON") from exc
    if not isinstance(head, dict) or not isinstance(head.get("count"), int):
        raise PageFormatError("head line lacks the record count")
    raw = body[head_end + 1 :]
    if records_checksum(raw) != head.get("checksum"):
        raise PageFormatError("checksum mismatch")
    return head, raw


RecordTuple = tuple[str, str, str, Any, "str | None"]  # kind, key, op, index, data text


def parse_record_lines(raw: bytes, count: int) -> list[RecordTuple]:
    """``[(kind, key, op, index, data)]`` from the record lines; ``data`` is the text as sent.

    Neither half of a line contains a raw TAB or newline, so splitting the text on both gives
    head, data, head, data…; the heads are then read as one JSON array (one parser call for the
    page instead of one per record).
    """
    import orjson

    if not raw:
        if count:
            raise PageFormatError(f"no record lines, head says {count}")
        return []
    try:
        parts = raw.decode().replace("\t", "\n").split("\n")
    except UnicodeDecodeError as exc:
        raise PageFormatError(f"record lines are not UTF-8: {exc}") from exc
    if len(parts) != 2 * count:
        raise PageFormatError(f"{len(parts) // 2} record lines, head says {count}")
    try:
        heads = orjson.loads("[" + ",".join(parts[0::2]) + "]")
        out = [(kind, key, op, index, data or None)
               for (kind, key, op, index), data in zip(heads, parts[1::2], strict=True)]
    except (ValueError, TypeError) as exc:  # JSONDecodeError, a head that is not [k, k, o, i]
        raise PageFormatError(f"bad record line: {exc}") from exc
    if not all(type(r[0]) is str and type(r[1]) is str and type(r[2]) is str for r in out):
        raise PageFormatError("record line with a non-text kind, key or op")
    return out


def record_dict(rec: RecordTuple) -> dict[str, Any]:
    kind, key, op, index, data = rec
    out = {"kind": kind, "key": key, "op": op, "data": data}
    if index is not None:
        out["index"] = index
    return out


def parse_lines_page(body: bytes, *, defer: bool = False) -> dict[str, Any]:
    """A ``format=lines`` page as ``{…head, records: [{kind, key, op, data, index}]}``.

    The checksum (SHA-256 of everything after the head line) is checked before any record is
    read; with ``defer`` the records stay a ``PendingRecords`` until the caller parses them
    (into ``RecordTuple``s, which ``apply_records`` takes as they are).
    """
    head, raw = split_lines_page(body)
    pending = PendingRecords(raw, head["count"])
    head["records"] = pending if defer else [record_dict(r) for r in pending.parse()]
    return head
