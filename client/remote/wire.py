"""Wire-format helpers of the replica feed, identical to server_stub.replica_api's.

``page_checksum`` is the SHA-256 of the canonical JSON of a page's ``records``;
``record_digest`` is SHA-256(key + "\\n" + canonical data) as an integer; a kind's digest is the
sum of its records' digests mod 2**256, so it does not depend on order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

DIGEST_MODULUS = 1 << 256


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


RECORDS_MARKER = b',"records":'


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
