"""The BCP issuance record: built by ``client/outbox/issuer.py``, stored in the outbox as it is,
pushed by ``client/outbox/push.py`` to ``POST /api/v1/bcp/issuances`` and stored and reconciled
by the data centre (``server_stub/api/bcp.py`` validates it, ``server_stub/issuing/reconcile.py`` and
``server_stub/issuing/bcp_batch.py`` read it).

Records already in an outbox are pushed as they were written: a field may be added only as
``NotRequired`` (and with a default in the server's schema), never renamed or removed.
"""

# no `from __future__ import annotations`: TypedDict reads NotRequired[...] at runtime (3.11)
from typing import Any, Literal, NotRequired, TypedDict

PUSH_PATH = "/api/v1/bcp/issuances"
PUSH_MAX_RECORDS = 200  # the most records the server takes in one push


class BcpCopy(TypedDict):
    """One printed copy: its leased serial, its 発行番号 and its signed QR token."""

    serial: int
    issue_number: str
    qr_token: str
    content_digest: NotRequired[str]


class BcpRelease(TypedDict):
    """A 支援措置 released for this issuance (never in BCP mode today; accepted for the record)."""

    measure_id: str
    reason: str
    supervisor: NotRequired[str]


class StaleOverride(TypedDict):
    """A supervisor's override of the replica age limit: why, and who."""

    reason: str
    by: NotRequired[str]


class BcpIssuanceRecord(TypedDict):
    """One issuance made in BCP mode, as the outbox stores and pushes it."""

    uuid: str  # the terminal's UUID for the issuance: the server stores each once
    user_id: str
    issued_at: str  # ISO 8601 with a time zone
    data_as_of: NotRequired[str | None]  # the replica's 時点 the decision was made on
    request: dict[str, Any]  # IssuanceRequest.to_dict()
    release: NotRequired[BcpRelease | None]
    printer_id: NotRequired[str]
    content: dict[str, Any]  # CertificateContent.to_dict(), without the 発行番号 of each copy
    copies: list[BcpCopy]
    fee_yen: NotRequired[int]
    exemption_reason: NotRequired[str]
    stale_override: NotRequired[StaleOverride | None]


class BcpPushBody(TypedDict):
    records: list[BcpIssuanceRecord]


PushStatus = Literal["stored", "duplicate", "rejected"]
SYNCED_STATUSES: tuple[PushStatus, ...] = ("stored", "duplicate")  # the server has the record


class BcpPushResult(TypedDict):
    """The server's answer for one record: stored (or already stored), or rejected with a code."""

    uuid: str
    status: PushStatus
    issuance_id: NotRequired[str]  # stored / duplicate
    conflicts: NotRequired[list[str]]  # stored / duplicate: the conflict codes found
    code: NotRequired[str]  # rejected
    http_status: NotRequired[int]  # rejected
    message_ja: NotRequired[str]  # rejected
    message_en: NotRequired[str]  # rejected


class BcpPushAnswer(TypedDict):
    results: list[BcpPushResult]
