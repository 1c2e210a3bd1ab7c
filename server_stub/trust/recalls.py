"""誤発行 処分: recall a 発行番号 recorded in the 交付履歴 (audited; the trust list names it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server_stub.audit import chain as audit
from server_stub.clock import to_utc
from server_stub.models import IssuedCopy
from server_stub.trust.keys import TrustError
from server_stub.trust.models import TrustRecall


def record_recall(session: Session, municipality: str, issue_number: str, reason: str, actor: str,
                  terminal_id: str, now: datetime) -> TrustRecall:
    """Record the 誤発行 処分 of one certificate copy. The copy must be in this municipality's 交付履歴."""
    issue_number = issue_number.strip()
    if not reason.strip():
        raise TrustError("reason_required", "処分の理由を入力してください。", "a recall needs a reason")
    copy = session.scalars(select(IssuedCopy).where(IssuedCopy.municipality_code == municipality,
                                                    IssuedCopy.issue_number == issue_number)).first()
    if copy is None:
        raise TrustError("not_found", f"発行番号 {issue_number} は交付履歴にありません。",
                         f"issue number {issue_number!r} is not in the issuance log")
    if session.scalars(select(TrustRecall).where(TrustRecall.municipality_code == municipality,
                                                 TrustRecall.issue_number == issue_number)).first() is not None:
        raise TrustError("already_recalled", f"発行番号 {issue_number} は既に処分済みです。",
                         f"issue number {issue_number!r} is already recalled")
    row = TrustRecall(municipality_code=municipality, issue_number=issue_number, issuance_id=copy.issuance_id,
                      reason=reason[:500], actor=actor[:64], recorded_at=to_utc(now))
    session.add(row)
    session.flush()
    audit.append(session, municipality, now=now, user_id=actor, terminal_id=terminal_id, action="recall_issuance",
                 subject=copy.issuance_id, issue_numbers=[issue_number],
                 detail={"disposition": "誤発行", "reason": reason[:500]})
    return row


def recalls_of(session: Session, municipality: str) -> list[TrustRecall]:
    return list(session.scalars(select(TrustRecall).where(TrustRecall.municipality_code == municipality)
                                .order_by(TrustRecall.id)))
