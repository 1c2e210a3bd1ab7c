"""Countersignatures of BCP certificates: the data centre's confirmation, append-only and chained.

When a BCP issuance syncs back, each copy is checked — its serial inside a lease of that terminal,
its issue time inside the lease's validity (and, when the terminal reported one, inside the
outage), the terminal key certified and not revoked at that time — and then countersigned: an
envelope by the service key over ``{"m", "n", "kid", "tok" (SHA-256 of the QR token), "i" (issue
time), "c" (confirmation time), "seq", "prev" (SHA-256 of the previous record's envelope),
"outage"}``. Records are only ever added; ``prev`` makes a deletion or an edit detectable.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from client.certificate.envelope import parse_time, seal
from client.certificate.signing import TokenFormatError, decode_token
from client.certificate.trust_list import token_sha256
from server_stub.clock import to_utc
from server_stub.models import OutageReport, SerialLease
from server_stub.trust.keys import service_key
from server_stub.trust.models import TrustCountersignature, TrustKey, TrustKeyCertificate, TrustRevocation

GENESIS = "0" * 64
CHAIN_LOCK = 14_0530  # pg_advisory_xact_lock key of the countersignature chain


@dataclass(frozen=True)
class CountersignOutcome:
    issue_number: str
    countersigned: bool
    code: str  # countersigned | duplicate | trust_not_initialised | <refusal code>


def _covered(session: Session, kid: str, when: datetime) -> bool:
    for cert in session.scalars(select(TrustKeyCertificate).where(TrustKeyCertificate.kid == kid)):
        if to_utc(cert.not_before) <= when <= to_utc(cert.not_after):
            return True
    return False


def countersign_copy(session: Session, municipality: str, terminal_id: str, serial: int, issue_number: str,
                     qr_token: str, now: datetime) -> CountersignOutcome:
    """Check one synced BCP copy and countersign it (in the caller's write transaction)."""
    signer = service_key(session)
    if signer is None or signer.private_key is None:
        return CountersignOutcome(issue_number, False, "trust_not_initialised")
    if session.scalars(select(TrustCountersignature).where(
            TrustCountersignature.municipality_code == municipality,
            TrustCountersignature.issue_number == issue_number)).first() is not None:
        return CountersignOutcome(issue_number, False, "duplicate")
    try:
        payload = decode_token(qr_token)
        issued = to_utc(parse_time(payload.issued_at))
    except (TokenFormatError, ValueError):
        return CountersignOutcome(issue_number, False, "bad_token")
    key = session.get(TrustKey, payload.key_id)
    # a terminal working for a partner (相互バックアップ) appears there as "<home>/<terminal id>"
    home, sep, own_id = terminal_id.partition("/")
    home, own_id = (home, own_id) if sep else (municipality, terminal_id)
    if key is None or key.role != "terminal" or key.terminal_id != own_id or key.municipality_code != home:
        return CountersignOutcome(issue_number, False, "key_not_this_terminal")
    lease = session.scalars(select(SerialLease).where(
        SerialLease.municipality_code == municipality, SerialLease.terminal_id == terminal_id,
        SerialLease.first <= serial, SerialLease.last >= serial)).first()
    if lease is None:
        return CountersignOutcome(issue_number, False, "serial_not_leased")
    if not to_utc(lease.leased_at) <= issued <= to_utc(lease.expires_at):
        return CountersignOutcome(issue_number, False, "outside_lease")
    if not _covered(session, payload.key_id, issued):
        return CountersignOutcome(issue_number, False, "key_not_valid_then")
    revoked = session.scalars(select(TrustRevocation).where(TrustRevocation.kid == payload.key_id)).first()
    if revoked is not None and issued >= to_utc(revoked.effective_at):
        return CountersignOutcome(issue_number, False, "key_revoked")
    outage = any(
        to_utc(o.started_at) <= issued <= to_utc(o.ended_at or now)
        for o in session.scalars(select(OutageReport).where(OutageReport.municipality_code == municipality,
                                                            OutageReport.terminal_id == terminal_id))
    )
    if session.get_bind().dialect.name == "postgresql":
        # one chain for the whole data centre: concurrent pushes take their turn (SQLite writers
        # are serialised by BEGIN IMMEDIATE already); released at the end of the transaction
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    last = session.scalars(select(TrustCountersignature).order_by(TrustCountersignature.seq.desc())).first()
    prev = hashlib.sha256(last.envelope_json.encode()).hexdigest() if last else GENESIS
    seq = int(session.scalar(select(func.coalesce(func.max(TrustCountersignature.seq), 0))) or 0) + 1
    record = {"m": municipality, "n": issue_number, "kid": payload.key_id, "tok": token_sha256(qr_token),
              "i": issued.isoformat(), "c": to_utc(now).isoformat(), "seq": seq, "prev": prev, "outage": outage}
    envelope = seal(bytes(signer.private_key), record)
    session.add(TrustCountersignature(seq=seq, municipality_code=municipality, issue_number=issue_number,
                                      kid=payload.key_id, token_sha256=record["tok"], issued_at=issued,
                                      confirmed_at=to_utc(now), outage=outage, prev_hash=prev,
                                      envelope_json=json.dumps(envelope, sort_keys=True)))
    session.flush()
    return CountersignOutcome(issue_number, True, "countersigned")


def verify_chain(session: Session) -> int | None:
    """The seq of the first record whose ``prev`` does not match, or None when the chain is intact."""
    prev = GENESIS
    for row in session.scalars(select(TrustCountersignature).order_by(TrustCountersignature.seq)):
        if row.prev_hash != prev:
            return row.seq
        prev = hashlib.sha256(row.envelope_json.encode()).hexdigest()
    return None
