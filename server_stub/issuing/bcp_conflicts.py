"""Reconciliation conflicts: what the server would have printed, and a supervisor's resolution.

Reconciliation runs the one rule engine (client.domain.rules) on the server's data *as of the
issue time* for the same request, and compares what was printed with what the server would have
printed. A resident who had moved out or died, a 支援措置 or 抑止 in force at the issue time, or
printed items that differ raise a :class:`BcpConflict` that keeps both sides; a supervisor
resolves it (問題なし, 回収要, その他).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from client.domain import rules
from client.domain.model import (
    CertificateContent,
    EvaluationContext,
    IssuanceRequest,
    Mode,
    Outcome,
    ResidentStatus,
    SupportRelease,
)
from server_stub.audit import chain as audit
from server_stub.auth.sign_in import Principal
from server_stub.clock import jst_date, to_utc
from server_stub.issuing.bcp_batch import reject
from server_stub.models import BcpConflict, Municipality
from server_stub.register.context import build_context
from server_stub.tenants.municipalities import params_of

# Fields of a printed person whose difference matters to the resident (a supervisor decides).
_COMPARED_PERSON_FIELDS = ("atena_no", "name", "kana", "birth_text", "sex_text", "relation", "honseki",
                           "hittousha", "removal_text")


def conflicts_for(session: Session, params_code: str, request: IssuanceRequest, printed: CertificateContent,
                  issued_at: datetime, release: SupportRelease | None) -> tuple[list[str], dict[str, Any]]:
    """What the server says about a BCP issuance, as of its issue time."""
    muni = session.get(Municipality, params_code)
    assert muni is not None
    params = params_of(session, muni)
    releases = (release,) if release else ()
    return evaluate_conflicts(build_context(session, params, request, issued_at, releases), request, printed, issued_at)


def evaluate_conflicts(ctx: EvaluationContext, request: IssuanceRequest, printed: CertificateContent,
                       issued_at: datetime) -> tuple[list[str], dict[str, Any]]:
    codes: list[str] = []
    subject = ctx.subject
    if subject is not None and subject.status is not ResidentStatus.RESIDENT:
        removed = subject.removed_on
        if removed is not None and removed > jst_date(issued_at):
            # Removed after the issue time: at that time the person was still a resident.
            ctx = replace(ctx, subject=replace(subject, status=ResidentStatus.RESIDENT, removed_on=None,
                                               removal_reason=""))
        elif request.cert_type.value != "johyo":
            codes.append("deceased" if subject.status is ResidentStatus.DECEASED else "moved_out")
    # 様式パラメータ are today's, not the issue time's: a form disabled since is no conflict (and the
    # 認証文 / 備考 they set are not among the compared fields)
    ctx = replace(ctx, mode=Mode.BCP, replica_as_of=printed.data_as_of or issued_at,
                  stale_override_reason="reconciliation", form_parameters={})
    decision = rules.evaluate(request, ctx)
    blocking = [r for r in decision.reasons if r.blocking]
    for reason in blocking:
        if reason.code.startswith("support_measure") and "support_measure" not in codes:
            codes.append("support_measure")
        elif reason.code.startswith("suppress") and "suppression" not in codes:
            codes.append("suppression")
    if decision.outcome is not Outcome.ALLOW and not codes:
        codes.append("server_would_deny")
    differences: list[dict[str, Any]] = []
    if decision.content is not None:
        differences = _differences(printed, decision.content)
        if differences:
            codes.append("content_differs")
    detail = {
        "bcp": {"content": printed.to_dict(), "data_as_of": printed.data_as_of.isoformat() if printed.data_as_of
                else None},
        "server": {
            "outcome": decision.outcome.value,
            "reasons": [r.to_dict() for r in decision.reasons],
            "content": decision.content.to_dict() if decision.content else None,
        },
        "differences": differences,
    }
    return codes, detail


def _differences(printed: CertificateContent, server: CertificateContent) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if printed.address != server.address:
        out.append({"field": "address", "bcp": printed.address, "server": server.address})
    bcp_people = {p.atena_no: p for p in printed.persons}
    srv_people = {p.atena_no: p for p in server.persons}
    for atena in sorted(set(bcp_people) | set(srv_people)):
        a, b = bcp_people.get(atena), srv_people.get(atena)
        if a is None or b is None:
            out.append({"field": "person", "atena_no": atena, "bcp": a is not None, "server": b is not None})
            continue
        for name in _COMPARED_PERSON_FIELDS:
            if getattr(a, name) != getattr(b, name):
                out.append({"field": name, "atena_no": atena, "bcp": getattr(a, name), "server": getattr(b, name)})
    return out


RESOLUTION_OUTCOMES = {"no_problem": "問題なし", "recall": "回収要", "other": "その他"}


def resolve_conflict(session: Session, principal: Principal, conflict_id: int, outcome: str, note: str,
                     now: datetime) -> BcpConflict:
    if outcome not in RESOLUTION_OUTCOMES:
        raise reject(422, "bad_outcome", "処理結果は「問題なし」「回収要」「その他」から選んでください。",
                     f"Unknown outcome {outcome!r}")
    if outcome == "other" and not note.strip():
        raise reject(422, "note_required", "「その他」の場合は内容を記入してください。",
                     "A note is required for outcome 'other'")
    row = session.get(BcpConflict, conflict_id)
    if row is None or row.municipality_code != principal.municipality_code:
        raise reject(404, "not_found", "競合が見つかりません。", "Conflict not found")
    if row.status == "resolved":
        raise reject(409, "already_resolved", "この競合は既に処理済みです。", "Conflict already resolved")
    row.status = "resolved"
    row.outcome = outcome
    row.note = note[:1000]
    row.resolved_by = principal.user_id
    row.resolved_at = to_utc(now)
    audit.append(
        session,
        principal.municipality_code,
        now=now,
        user_id=principal.user_id,
        terminal_id=principal.terminal_id,
        action="resolve_conflict",
        subject=row.subject_atena_no,
        detail={"conflict_id": row.id, "outcome": outcome, "note": note[:1000], "codes": row.codes},
    )
    return row


def conflict_to_dict(row: BcpConflict) -> dict[str, Any]:
    return {
        "id": row.id,
        "issuance_id": row.issuance_id,
        "client_uuid": row.client_uuid,
        "subject_atena_no": row.subject_atena_no,
        "codes": row.codes.split(",") if row.codes else [],
        "detail": json.loads(row.detail_json),
        "created_at": to_utc(row.created_at).isoformat(),
        "status": row.status,
        "outcome": row.outcome,
        "outcome_ja": RESOLUTION_OUTCOMES.get(row.outcome, ""),
        "note": row.note,
        "resolved_by": row.resolved_by,
        "resolved_at": to_utc(row.resolved_at).isoformat() if row.resolved_at else None,
    }
