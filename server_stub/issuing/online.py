"""Online issuance: evaluate with the rule engine, allocate 発行番号 serials, sign, record.

All in the caller's write transaction: 交付履歴 → serials (issue_serial counter, taken as late as
possible) → copies → access log (accepted; sealed after the commit), so a failure anywhere leaves
no number used and no record written.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from client.certificate.signing import content_digest, sign_certificate
from client.domain.model import CertificateContent, Decision, IssuanceRequest, JuminhyoItem, SupportRelease
from client.domain.numbering import format_issue_number
from client.domain.rules import evaluate
from client.printing.seal_marks import with_seal_marks
from server_stub import counters
from server_stub.audit import chain as audit
from server_stub.auth.sign_in import Principal
from server_stub.clock import to_utc
from server_stub.models import Issuance, IssuedCopy, Municipality
from server_stub.register.context import build_context
from server_stub.tenants.municipalities import municipality_row, params_of

_issuances = cast(Table, Issuance.__table__)
_copies = cast(Table, IssuedCopy.__table__)


@dataclass(frozen=True)
class IssueResult:
    decision: Decision
    issuance_id: str | None = None
    certificates: tuple[dict[str, Any], ...] = ()

    @property
    def issue_numbers(self) -> list[str]:
        return [c["issue_number"] for c in self.certificates]


def decide(session: Session, muni: Municipality | Any, request: IssuanceRequest, now: datetime,
           releases: tuple[SupportRelease, ...]) -> Decision:
    ctx = build_context(session, params_of(session, muni), request, now, releases)
    return evaluate(request, ctx)


def stored_content(content: CertificateContent) -> CertificateContent:
    """The content as the 交付履歴 keeps it: the 個人番号 itself is never stored, only the fact that
    it was printed (``printed_items`` holds ``my_number``; each person printed with it is marked)."""
    persons = tuple(
        replace(p, my_number="", extra={**p.extra, "my_number_printed": "1"}) if p.my_number else p
        for p in content.persons
    )
    return replace(content, persons=persons)


def _log_detail(decision: Decision, releases: tuple[SupportRelease, ...], request: IssuanceRequest) -> dict[str, Any]:
    return {
        "cert_type": request.cert_type.value,
        "requester": request.requester.kind.value,
        "copies": request.copies,
        "delivery": "post" if request.deliver_by_post else "counter",
        "outcome": decision.outcome.value,
        "reasons": [r.code for r in decision.reasons],
        "releases": [r.to_dict() for r in releases],
    }


def issue(
    session: Session,
    principal: Principal,
    request: IssuanceRequest,
    releases: tuple[SupportRelease, ...],
    printer_id: str,
    now: datetime,
    *,
    reprint_of: str | None = None,
) -> IssueResult:
    """Evaluate and, when allowed, issue. The caller has begun a write transaction and commits."""
    code = principal.municipality_code
    muni = municipality_row(session, code)
    assert muni is not None
    decision = decide(session, muni, request, now, releases)
    action = "reprint" if reprint_of else "issue"
    if not decision.allowed or decision.content is None:
        audit.append(session, code, now=now, user_id=principal.user_id, terminal_id=principal.terminal_id,
                     action=action, subject=request.subject_atena_no, outcome=decision.outcome.value,
                     detail=_log_detail(decision, releases, request))
        return IssueResult(decision)
    issued_on = now.date()
    issuance_id = str(uuid.uuid4())
    base = with_seal_marks(decision.content)  # 印影/公印 as placed, signed with the content
    # Core inserts (no ORM unit of work for the two rows an issuance writes; issue 23)
    session.execute(insert(_issuances), [dict(
        id=issuance_id,
        municipality_code=code,
        cert_type=request.cert_type.value,
        subject_atena_no=request.subject_atena_no,
        requester_kind=request.requester.kind.value,
        requester_name=request.requester.name,
        copies=request.copies,
        fee_yen=decision.fee_yen,
        exemption_reason=decision.exemption_reason,
        printed_items=",".join(base.printed_items),
        user_id=principal.user_id,
        terminal_id=principal.terminal_id,
        terminal_name=principal.terminal_name,
        printer_id=printer_id,
        mode="online",
        issued_at=to_utc(now),
        issued_on=issued_on,
        request_json=json.dumps(request.to_dict(), ensure_ascii=False, sort_keys=True),
        content_json=stored_content(base).canonical_json().decode(),
        release_measure_ids=",".join(r.measure_id for r in releases),
        release_reason=" / ".join(r.reason for r in releases),
        reprint_of=reprint_of,
    )])
    # The serial counter's row lock is held from here to the commit: take it after the evaluation
    # and the 交付履歴 row, so that the lock covers only the copies and the log entry (a short
    # stretch; on PostgreSQL concurrent issuances of one municipality queue on this row).
    first, _last = counters.take(session, code, counters.ISSUE_SERIAL, request.copies)
    certificates: list[dict[str, Any]] = []
    copies: list[dict[str, Any]] = []
    for i in range(request.copies):
        serial = first + i
        number = format_issue_number(issued_on, muni.name, principal.terminal_name, printer_id, serial)
        content = replace(base, issue_number=number)
        token = sign_certificate(content, muni.signing_private_key, muni.signing_key_id, version=2)
        copies.append(dict(
            municipality_code=code, issuance_id=issuance_id, copy_index=i + 1, serial=serial,
            issue_number=number, content_digest=content_digest(content), qr_token=token,
        ))
        certificates.append({"issue_number": number, "serial": serial, "content": content.to_dict(), "qr_token": token})
    session.execute(insert(_copies), copies)
    numbers = [c["issue_number"] for c in certificates]
    audit.append(
        session, code, now=now, user_id=principal.user_id, terminal_id=principal.terminal_id, action=action,
        subject=request.subject_atena_no, outcome="issued",
        my_number_shown=JuminhyoItem.MY_NUMBER.value in base.printed_items, seal_printed=True,
        issue_numbers=numbers, detail={**_log_detail(decision, releases, request), "issuance_id": issuance_id},
    )
    return IssueResult(decision, issuance_id, tuple(certificates))
