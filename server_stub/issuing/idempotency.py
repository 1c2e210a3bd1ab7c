"""``Idempotency-Key`` for ``POST /api/v1/issuances``: the client may resend an issuance on the other
line after a silent one (client.remote.line_timeouts); the key makes the second request return the first
issuance instead of issuing again. A key reused for a different request is refused (422).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from client.domain.model import CertificateContent
from server_stub.clock import to_utc
from server_stub.errors import Refusal
from server_stub.models import Issuance, IssuanceKey, IssuedCopy

_KEY = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


def checked_key(raw: str | None) -> str | None:
    if raw is None or raw == "":
        return None
    if not _KEY.match(raw):
        raise Refusal(422, "bad_idempotency_key", "再送識別子(Idempotency-Key)の形式が正しくありません。",
                       "Idempotency-Key must be 8-64 characters of A-Z a-z 0-9 . _ : -")
    return raw


def request_digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def stored_issuance(session: Session, code: str, key: str, digest: str) -> str | None:
    """The issuance id already made under ``key``; 422 when the key came with another request."""
    row = session.get(IssuanceKey, (code, key))
    if row is None:
        return None
    if row.request_digest != digest:
        raise Refusal(422, "idempotency_key_reused", "同じ再送識別子で別の請求が送られました。",
                       "Idempotency-Key was already used for a different request")
    return row.issuance_id


def remember(session: Session, code: str, key: str, digest: str, issuance_id: str, now: datetime) -> None:
    session.add(IssuanceKey(municipality_code=code, idempotency_key=key, issuance_id=issuance_id,
                            request_digest=digest, created_at=to_utc(now)))


def replay_response(session: Session, code: str, issuance_id: str) -> dict[str, Any]:
    """The answer the first request got: the same 発行番号, content and signed QR tokens."""
    row = session.get(Issuance, issuance_id)
    assert row is not None and row.municipality_code == code
    base = CertificateContent.from_dict(json.loads(row.content_json))
    copies = session.scalars(select(IssuedCopy).where(IssuedCopy.issuance_id == issuance_id)
                             .order_by(IssuedCopy.copy_index)).all()
    certificates = [{"issue_number": c.issue_number, "serial": c.serial,
                     "content": replace(base, issue_number=c.issue_number).to_dict(), "qr_token": c.qr_token}
                    for c in copies]
    return {"issuance_id": row.id, "issue_numbers": [c["issue_number"] for c in certificates],
            "certificates": certificates, "fee_yen": row.fee_yen, "replayed": True,
            "decision": {"outcome": "allow", "reasons": [], "content": None, "fee_yen": row.fee_yen}}
