"""BCP issuance: the same rule engine on the replica, serials from the lease, terminal signature.

The decision comes from ``client.domain.rules.evaluate`` on an ``EvaluationContext`` read from
the replica in one snapshot, so a BCP decision is the one the server would have made on the same
data. Whatever the replica cannot vouch for fails closed there (支援措置, 抑止, stale replica,
個人番号/住民票コード). An allowed request becomes ONE outbox transaction: serials taken, every
copy numbered and signed with the terminal key, the record stored, the access-log entry chained.
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from client.certificate.signing import content_digest, sign_certificate
from client.domain import rules
from client.domain.calendar_day import japan_date
from client.domain.model import CertificateContent, Decision, EvaluationContext, IssuanceRequest
from client.domain.numbering import format_issue_number
from client.errors import ClerkError
from client.outbox.store import Outbox, OutboxRecord
from client.wire.bcp import BcpCopy, BcpIssuanceRecord, StaleOverride


class ContextSource(Protocol):
    """What the issuer reads from the replica (``client.replica.lookups.ReplicaLookups``)."""

    def evaluation_context(self, request: IssuanceRequest, now: datetime, *,
                           stale_override_reason: str = "") -> EvaluationContext: ...


class BcpRefused(ClerkError):
    """The rule engine did not allow the request; ``decision`` says why (in Japanese too)."""

    default_ja = "発行できません。"

    def __init__(self, decision: Decision) -> None:
        reasons = "; ".join(r.message_en for r in decision.reasons if r.blocking) or decision.outcome.value
        super().__init__("\n".join(r.message_ja for r in decision.reasons if r.blocking),
                         f"BCP issuance refused: {reasons}")
        self.decision = decision


@dataclass(frozen=True)
class BcpCertificate:
    issue_number: str
    content: CertificateContent
    qr_token: str


@dataclass(frozen=True)
class BcpIssued:
    record: OutboxRecord
    decision: Decision
    certificates: tuple[BcpCertificate, ...]


def certificates_of(record: BcpIssuanceRecord) -> tuple[BcpCertificate, ...]:
    """Rebuild the numbered certificates from a stored record (for reprint after a crash)."""
    base = CertificateContent.from_dict(record["content"])
    return tuple(
        BcpCertificate(c["issue_number"], replace(base, issue_number=c["issue_number"]), c["qr_token"])
        for c in record["copies"]
    )


class BcpIssuer:
    def __init__(
        self,
        outbox: Outbox,
        replica: ContextSource,
        *,
        terminal_name: str,
        signing_key: bytes,
        key_id: str,
        new_uuid: Callable[[], str] = lambda: str(uuidlib.uuid4()),
        place_seals: Callable[[CertificateContent], CertificateContent] | None = None,
    ) -> None:
        """``place_seals``: adds the signed seal marks (client.printing.seal_marks.with_seal_marks;
        the outbox does not import the renderer). Without it the certificates carry no marks and
        verify with the note "seal not checked"."""
        self.outbox = outbox
        self.replica = replica
        self.terminal_name = terminal_name
        self.signing_key = signing_key
        self.key_id = key_id
        self.new_uuid = new_uuid
        self.place_seals = place_seals

    def evaluate(self, request: IssuanceRequest, now: datetime, *, stale_override_reason: str = "") -> Decision:
        ctx = self.replica.evaluation_context(request, now, stale_override_reason=stale_override_reason)
        return rules.evaluate(request, ctx)

    def issue(
        self,
        request: IssuanceRequest,
        *,
        user_id: str,
        printer_id: str,
        now: datetime,
        stale_override_reason: str = "",
        stale_override_by: str = "",
    ) -> BcpIssued:
        decision = self.evaluate(request, now, stale_override_reason=stale_override_reason)
        if not decision.allowed or decision.content is None:
            raise BcpRefused(decision)
        content = decision.content
        if self.place_seals is not None:
            content = self.place_seals(content)
        record_uuid = self.new_uuid()

        def build(serials: list[int]) -> BcpIssuanceRecord:
            copies: list[BcpCopy] = []
            for serial in serials:
                number = format_issue_number(japan_date(now), content.municipality_name, self.terminal_name,
                                             printer_id, serial)
                numbered = replace(content, issue_number=number)
                copies.append(BcpCopy(
                    serial=serial,
                    issue_number=number,
                    qr_token=sign_certificate(numbered, self.signing_key, self.key_id, version=2),
                    content_digest=content_digest(numbered),
                ))
            return BcpIssuanceRecord(
                uuid=record_uuid,
                user_id=user_id,
                issued_at=now.isoformat(),
                data_as_of=content.data_as_of.isoformat() if content.data_as_of else None,
                request=request.to_dict(),
                printer_id=printer_id,
                content=content.to_dict(),
                copies=copies,
                fee_yen=decision.fee_yen,
                exemption_reason=decision.exemption_reason,
                stale_override=(StaleOverride(reason=stale_override_reason, by=stale_override_by)
                                if stale_override_reason else None),
            )

        access = {
            "at": now.isoformat(),
            "user_id": user_id,
            "action": "issue",
            "subject": request.subject_atena_no,
            "mode": "bcp",
            "record_uuid": record_uuid,
            "cert_type": request.cert_type.value,
            "copies": request.copies,
        }
        stored = self.outbox.record_issuance(uuid=record_uuid, copies=request.copies, now=now, build=build,
                                             access_entry=access)
        return BcpIssued(stored, decision, certificates_of(stored.record))
