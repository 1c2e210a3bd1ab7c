"""Store BCP issuances exactly once and reconcile each against the authoritative data.

A terminal pushes its outbox after the line returns. Each record carries a client-generated
UUID: the first push stores it, every later push of the same UUID answers with what was stored
(``duplicate``), whatever the number of retries. A record that cannot be accepted (serial not
leased to this terminal, serial already used, a signature that does not verify, another
municipality's data) is refused with a 4xx and a specific code: the terminal keeps it and shows
it to a supervisor, it is never dropped.

This module is the one-record path (:func:`store_bcp_issuance`); the push's shared loads and
checks are in ``bcp_batch``, the conflicts raised and resolved in ``bcp_conflicts``.
"""

from __future__ import annotations

import json
import os
import uuid as uuidlib
from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from client.certificate.signing import verify_token
from client.domain.model import CertificateContent, IssuanceRequest, SupportRelease
from client.wire.bcp import BcpIssuanceRecord
from server_stub.audit import chain as audit
from server_stub.auth.sign_in import Principal
from server_stub.clock import jst_date, to_utc
from server_stub.issuing.bcp_batch import BcpBatch, StoredBcpIssuance, record_user_id, reject
from server_stub.issuing.bcp_conflicts import evaluate_conflicts
from server_stub.models import BcpConflict, Issuance, IssuedCopy
from server_stub.trust.countersign import countersign_copy

# A bug planted on purpose, for the fault harness's own test only (tests/faults/test_harness.py):
# the server forgets that it has stored a UUID already. Never set outside that test.
_PLANTED_SKIP_DEDUPE = os.environ.get("MADOGUCHI_PLANTED_BUG") == "skip-bcp-dedupe"


def store_bcp_issuance(session: Session, principal: Principal, record: BcpIssuanceRecord, now: datetime,
                       batch: BcpBatch | None = None) -> StoredBcpIssuance:
    """Store one pushed outbox record in the caller's write transaction (idempotent by UUID).

    ``batch``: the :class:`BcpBatch` of the push the record belongs to (loaded in this same
    transaction); without one, a batch of this record alone.
    """
    if batch is None:
        batch = BcpBatch(session, principal, [record])
    client_uuid = str(record["uuid"])
    found = None if _PLANTED_SKIP_DEDUPE else batch.existing(client_uuid)
    if found is not None:
        return found
    try:
        request = IssuanceRequest.from_dict(record["request"])
        printed = CertificateContent.from_dict(record["content"])
        issued_at = datetime.fromisoformat(record["issued_at"])
        copies = record["copies"]
        serials = [int(c["serial"]) for c in copies]
    except (KeyError, ValueError, TypeError) as exc:
        raise reject(422, "bad_record", "BCP発行記録の形式が正しくありません。", f"Malformed BCP record: {exc}") from exc
    if issued_at.tzinfo is None:
        raise reject(422, "bad_record", "発行日時にタイムゾーンがありません。", "issued_at must carry a time zone")
    if printed.municipality_code != principal.municipality_code:
        raise reject(403, "wrong_municipality", "他の団体の証明書は登録できません。",
                     "The certificate belongs to another municipality")
    if not serials or len(set(serials)) != len(serials) or len(serials) != request.copies:
        raise reject(422, "bad_record", "発行番号の数が部数と一致しません。", "Serials do not match the copies")
    user_id = record_user_id(record, principal)
    if not batch.staff_exists(user_id):
        raise reject(422, "unknown_user", f"職員ID {user_id} はこの団体に登録されていません。",
                     f"Unknown staff user {user_id!r}")
    batch.check_serials(serials, issued_at)
    for c in copies:
        verdict = verify_token(str(c["qr_token"]), batch.keys, replace(printed, issue_number=str(c["issue_number"])))
        if not verdict.valid:
            raise reject(422, f"signature_{verdict.reason_code}", verdict.message_ja, verdict.message_en)
    release = None
    rel = record.get("release")
    if rel:
        release = SupportRelease(str(rel["measure_id"]), str(rel.get("supervisor", "")), str(rel["reason"]))
    releases = (release,) if release else ()
    codes, detail = evaluate_conflicts(batch.context(request, issued_at, releases), request, printed, issued_at)

    issuance_id = str(uuidlib.uuid4())
    session.add(
        Issuance(
            id=issuance_id,
            municipality_code=principal.municipality_code,
            client_uuid=client_uuid,
            cert_type=request.cert_type.value,
            subject_atena_no=request.subject_atena_no,
            requester_kind=request.requester.kind.value,
            requester_name=request.requester.name[:100],
            copies=len(serials),
            fee_yen=int(record.get("fee_yen", 0)),
            exemption_reason=str(record.get("exemption_reason", ""))[:64],
            printed_items=",".join(printed.printed_items)[:200],
            user_id=user_id,
            terminal_id=principal.terminal_id,
            terminal_name=principal.terminal_name,
            printer_id=str(record.get("printer_id", ""))[:32],
            mode="bcp",
            issued_at=issued_at,
            issued_on=jst_date(issued_at),
            request_json=json.dumps(record["request"], ensure_ascii=False, sort_keys=True),
            content_json=json.dumps(printed.to_dict(), ensure_ascii=False, sort_keys=True),
            release_measure_ids=release.measure_id if release else "",
            release_reason=release.reason[:500] if release else "",
        )
    )
    session.flush()
    for index, c in enumerate(copies, start=1):
        session.add(
            IssuedCopy(
                municipality_code=principal.municipality_code,
                issuance_id=issuance_id,
                copy_index=index,
                serial=int(c["serial"]),
                issue_number=str(c["issue_number"])[:120],
                content_digest=str(c.get("content_digest", ""))[:64],
                qr_token=str(c["qr_token"]),
            )
        )
    session.flush()
    for c in copies:  # the data centre's countersignature of each checked copy (issue 14)
        countersign_copy(session, principal.municipality_code, principal.terminal_id, int(c["serial"]),
                         str(c["issue_number"]), str(c["qr_token"]), now)
    if codes:
        session.add(
            BcpConflict(
                municipality_code=principal.municipality_code,
                issuance_id=issuance_id,
                client_uuid=client_uuid,
                subject_atena_no=request.subject_atena_no,
                codes=",".join(codes),
                # the printed numbers: the stored content is the certificate before numbering
                detail_json=json.dumps({**detail, "bcp": {**detail["bcp"], "issue_numbers": [
                    str(c["issue_number"]) for c in copies]}}, ensure_ascii=False, sort_keys=True),
                created_at=to_utc(now),
                status="open",
                outcome="",
                note="",
                resolved_by="",
            )
        )
    audit.append(
        session,
        principal.municipality_code,
        now=issued_at,
        user_id=user_id,
        terminal_id=principal.terminal_id,
        action="issue",
        subject=request.subject_atena_no,
        mode="bcp",
        outcome="conflict" if codes else "ok",
        seal_printed=bool(printed.municipal_seal_png),
        issue_numbers=[str(c["issue_number"]) for c in copies],
        detail={"client_uuid": client_uuid, "synced_at": now.isoformat(), "cert_type": request.cert_type.value,
                "conflicts": codes, "stale_override": record.get("stale_override")},
    )
    result = StoredBcpIssuance(issuance_id, False, tuple(codes))
    batch.stored(client_uuid, result, serials)
    return result
