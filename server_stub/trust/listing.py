"""Build the public trust list (format: client.certificate.trust_list, docs/trust.md).

The document is a pure function of the trust tables, the serial leases and the hour: its
``issued_at`` is the latest change, or the start of the current hour when nothing changed since,
and Ed25519 signatures are deterministic — so every server process answers the same bytes (one
ETag) until something changes or the hour turns.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from client.certificate.envelope import b64e, dumps, seal
from client.certificate.trust_list import FORMAT
from server_stub.clock import to_utc
from server_stub.models import IssuedCopy, SerialLease
from server_stub.trust.keys import current_root, service_key
from server_stub.trust.models import (
    TrustCountersignature,
    TrustKey,
    TrustKeyCertificate,
    TrustRecall,
    TrustRevocation,
)

REISSUE_EVERY = timedelta(hours=1)
# returned by the terminal; closed as expired by the server when the same terminal, online again
# (its outbox pushed first), leased anew; or its key revoked
CLOSED_LEASE_STATUSES = ("returned", "expired", "revoked", "voided")  # voided: the terminal was revoked


def _latest_change(session: Session) -> datetime | None:
    stamps = [
        session.scalar(select(func.max(TrustKeyCertificate.issued_at))),
        session.scalar(select(func.max(TrustRevocation.recorded_at))),
        session.scalar(select(func.max(TrustRecall.recorded_at))),
        session.scalar(select(func.max(TrustCountersignature.confirmed_at))),
        session.scalar(select(func.max(SerialLease.leased_at))),
        session.scalar(select(func.max(SerialLease.returned_at))),
        session.scalar(select(func.max(IssuedCopy.voided_at))),
    ]
    found = [to_utc(s) for s in stamps if s is not None]
    return max(found) if found else None


def build_trust_list(session: Session, now: datetime) -> bytes | None:
    """The signed trust list, or None before ``trust certify`` has registered a root."""
    root = current_root(session)
    signer = service_key(session)
    if root is None or signer is None or signer.private_key is None:
        return None
    now = to_utc(now)
    epoch = datetime(2000, 1, 1, tzinfo=now.tzinfo)
    hour = epoch + ((now - epoch) // REISSUE_EVERY) * REISSUE_EVERY
    latest = _latest_change(session)
    issued_at = max(hour, latest) if latest is not None and latest <= now else hour
    certs = list(session.scalars(select(TrustKeyCertificate).order_by(TrustKeyCertificate.id)))
    signer_env = next((json.loads(c.envelope_json) for c in reversed(certs) if c.kid == signer.kid), None)
    # per key and start of period, the latest certificate (a rollover re-signs a shorter period)
    latest_by: dict[tuple[str, str, datetime], TrustKeyCertificate] = {}
    for c in certs:
        latest_by[(c.kid, c.issuer_kid, to_utc(c.not_before))] = c
    keys = [json.loads(c.envelope_json) for c in sorted(latest_by.values(), key=lambda c: c.id)
            if c.kid != signer.kid]
    terminal_keys = list(session.scalars(select(TrustKey).where(TrustKey.role == "terminal")))
    # leases of terminals with a certified key, at home and (as "<home>/<id>") at mutual-backup partners
    terminals = {k.terminal_id for k in terminal_keys} | {f"{k.municipality_code}/{k.terminal_id}"
                                                          for k in terminal_keys}
    revoked = {r.kid for r in session.scalars(select(TrustRevocation))}
    revoked_terminals = {(k.municipality_code, k.terminal_id) for k in terminal_keys if k.kid in revoked}
    revoked_partner_ids = {f"{m}/{t}" for m, t in revoked_terminals}
    body = {
        "format": FORMAT,
        "issued_at": issued_at.isoformat(),
        "next_update": (issued_at + REISSUE_EVERY).isoformat(),
        "root": {"kid": root.kid, "pub": b64e(bytes(root.public_key))},
        "signer": signer_env,
        "keys": keys,
        "revocations": [{"kid": r.kid, "effective_at": to_utc(r.effective_at).isoformat(), "reason": r.reason}
                        for r in session.scalars(select(TrustRevocation).order_by(TrustRevocation.id))],
        "recalls": [{"m": r.municipality_code, "n": r.issue_number, "recorded_at": to_utc(r.recorded_at).isoformat(),
                     "reason": r.reason, "kind": "recalled"}
                    for r in session.scalars(select(TrustRecall).order_by(TrustRecall.id))]
        + [{"m": c.municipality_code, "n": c.issue_number, "recorded_at": to_utc(c.voided_at).isoformat(),
            "reason": c.void_reason, "kind": "voided"}
           for c in session.scalars(select(IssuedCopy).where(IssuedCopy.voided_at.is_not(None))
                                    .order_by(IssuedCopy.id)) if c.voided_at is not None],
        "leases": [{"m": le.municipality_code, "terminal_id": le.terminal_id, "first": le.first, "last": le.last,
                    "leased_at": to_utc(le.leased_at).isoformat(), "expires_at": to_utc(le.expires_at).isoformat(),
                    "closed": le.status in CLOSED_LEASE_STATUSES
                    or (le.municipality_code, le.terminal_id) in revoked_terminals
                    or le.terminal_id in revoked_partner_ids}
                   for le in session.scalars(select(SerialLease).where(SerialLease.terminal_id.in_(terminals or {""}))
                                             .order_by(SerialLease.first))],
        "countersignatures": [json.loads(c.envelope_json) for c in
                              session.scalars(select(TrustCountersignature).order_by(TrustCountersignature.seq))],
    }
    return dumps(seal(bytes(signer.private_key), body))
