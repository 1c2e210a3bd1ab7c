"""Store BCP issuances exactly once and reconcile each against the authoritative data.

A terminal pushes its outbox after the line returns. Each record carries a client-generated
UUID: the first push stores it, every later push of the same UUID answers with what was stored
(``duplicate``), whatever the number of retries. A record that cannot be accepted (serial not
leased to this terminal, serial already used, a signature that does not verify, another
municipality's data) is refused with a 4xx and a specific code: the terminal keeps it and shows
it to a supervisor, it is never dropped.

Reconciliation runs the one rule engine (client.domain.rules) on the server's data *as of the
issue time* for the same request, and compares what was printed with what the server would have
printed. A resident who had moved out or died, a 支援措置 or 抑止 in force at the issue time, or
printed items that differ raise a :class:`BcpConflict` that keeps both sides.

A pushed batch is handled with one :class:`BcpBatch`: what the records share (the municipality's
parameters, the terminal's leases and keys, the staff, the UUIDs and serials already stored) and
the residents, households, 支援措置 and 抑止 of all their subjects are loaded once, with ``IN``
queries, inside the batch's write transaction. Every check still runs per record, in order, and
the batch is updated with each stored record, so a UUID or serial repeated within one batch is
answered exactly as it would be one push later.
"""

from __future__ import annotations

import json
import os
import uuid as uuidlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from client.certificate.signing import verify_token
from client.domain import rules
from client.domain.involved import people_involved, perpetrators
from client.domain.model import (
    CertificateContent,
    CertificateType,
    EvaluationContext,
    IssuanceRequest,
    Mode,
    Outcome,
    ResidentStatus,
    SupportRelease,
)
from client.domain.model import Resident as ResidentDC
from client.domain.model import SupportMeasure as SupportMeasureDC
from client.wire.bcp import BcpIssuanceRecord
from server_stub import audit, convert
from server_stub.auth import Principal
from server_stub.clock import jst_date, to_utc
from server_stub.context import build_context
from server_stub.models import (
    BcpConflict,
    Issuance,
    IssuedCopy,
    Municipality,
    Resident,
    SerialLease,
    Staff,
    SupportMeasure,
    SupportMeasurePerson,
    Suppression,
    Terminal,
)
from server_stub.mutual_backup import home_terminal
from server_stub.tenants import params_of
from server_stub.trust.countersign import countersign_copy

# Fields of a printed person whose difference matters to the resident (a supervisor decides).
_COMPARED_PERSON_FIELDS = ("atena_no", "name", "kana", "birth_text", "sex_text", "relation", "honseki",
                           "hittousha", "removal_text")


class BcpRejected(Exception):
    """The record cannot be accepted; the terminal keeps it for a supervisor."""

    def __init__(self, status: int, code: str, message_ja: str, message_en: str) -> None:
        super().__init__(message_en)
        self.status = status
        self.code = code
        self.message_ja = message_ja
        self.message_en = message_en


@dataclass(frozen=True)
class StoredBcpIssuance:
    issuance_id: str
    duplicate: bool
    conflict_codes: tuple[str, ...]


def _reject(status: int, code: str, ja: str, en: str) -> BcpRejected:
    return BcpRejected(status, code, ja, en)


def existing(session: Session, code: str, client_uuid: str) -> StoredBcpIssuance | None:
    row = session.scalars(
        select(Issuance).where(Issuance.client_uuid == client_uuid)
    ).one_or_none()
    if row is None:
        return None
    if row.municipality_code != code:
        raise _uuid_taken()
    conflict = session.scalars(select(BcpConflict).where(BcpConflict.issuance_id == row.id)).first()
    codes = tuple(conflict.codes.split(",")) if conflict else ()
    return StoredBcpIssuance(row.id, True, codes)


def _uuid_taken() -> BcpRejected:
    return _reject(409, "uuid_taken", "この記録番号は別の団体で使用されています。",
                   "The record UUID belongs to another municipality")


def _terminal_keys(session: Session, principal: Principal) -> dict[str, bytes]:
    # A partner's terminal (相互バックアップ) is enrolled, and holds its key, in its own municipality.
    home_code, terminal_id = home_terminal(principal)
    rows = session.scalars(
        select(Terminal).where(
            Terminal.municipality_code == home_code,
            Terminal.terminal_id == terminal_id,
        )
    ).all()
    return {t.key_id: bytes(t.public_key) for t in rows}


_IN_CHUNK = 500  # values per IN (...): well below SQLite's and PostgreSQL's bind parameter limits


def _chunks(values: Iterable[Any]) -> list[list[Any]]:
    ordered = sorted(set(values))
    return [ordered[i:i + _IN_CHUNK] for i in range(0, len(ordered), _IN_CHUNK)]


def _touched(request: IssuanceRequest, subject: ResidentDC, household: Iterable[ResidentDC]) -> frozenset[str]:
    """The people whose 支援措置 / 抑止 matter, exactly as ``context.build_context`` collects them."""
    return people_involved(subject.atena_no, household, request)


class BcpBatch:
    """What the records of one push share, loaded once inside the batch's write transaction.

    Holds the municipality's parameters, the terminal's leases and keys, which of the batch's
    UUIDs, serials and staff IDs the database already knows, and the residents, households,
    支援措置 and 抑止 the records' subjects need (``IN (...)`` queries instead of a handful of
    queries per record). :meth:`stored` must be called for each record stored, so that later
    records of the same batch see it. Anything not preloaded (a record the preload could not
    parse) is looked up on demand with the same queries as the one-record path.
    """

    def __init__(self, session: Session, principal: Principal, records: Iterable[BcpIssuanceRecord]) -> None:
        self.session = session
        self.principal = principal
        code = principal.municipality_code
        records = list(records)
        muni = session.get(Municipality, code)
        assert muni is not None
        self.params = params_of(session, muni)
        self.leases = list(session.scalars(
            select(SerialLease).where(
                SerialLease.municipality_code == code,
                SerialLease.terminal_id == principal.terminal_id,
            )
        ).all())
        self.keys = _terminal_keys(session, principal)

        uuids: set[str] = set()
        serials: set[int] = set()
        users: set[str] = set()
        requests: list[IssuanceRequest] = []
        for record in records:
            uuids.add(str(record.get("uuid")))
            users.add(_user_id(record, principal))
            try:
                serials.update(int(c["serial"]) for c in record.get("copies") or ())
            except (KeyError, ValueError, TypeError):
                pass  # the record is refused by its own checks
            try:
                requests.append(IssuanceRequest.from_dict(record["request"]))
            except (KeyError, ValueError, TypeError):
                pass

        # Stored UUIDs: uuid → what was stored (this municipality) or None (another municipality's)
        self._uuids: dict[str, StoredBcpIssuance | None] = {}
        self._uuids_known: set[str] = set(uuids)
        ours: dict[str, str] = {}
        for chunk in _chunks(uuids):
            for iss_id, iss_code, client_uuid in session.execute(
                select(Issuance.id, Issuance.municipality_code, Issuance.client_uuid)
                .where(Issuance.client_uuid.in_(chunk))
            ):
                if iss_code != code:
                    self._uuids[str(client_uuid)] = None
                else:
                    ours[iss_id] = str(client_uuid)
        codes_of: dict[str, tuple[str, ...]] = {}
        for chunk in _chunks(ours):
            for iss_id, codes in session.execute(
                select(BcpConflict.issuance_id, BcpConflict.codes)
                .where(BcpConflict.issuance_id.in_(chunk)).order_by(BcpConflict.id)
            ):
                codes_of.setdefault(iss_id, tuple(codes.split(",")))
        for iss_id, client_uuid in ours.items():
            self._uuids[client_uuid] = StoredBcpIssuance(iss_id, True, codes_of.get(iss_id, ()))

        self._serials_known: set[int] = set(serials)
        self._used: set[int] = set()
        for chunk in _chunks(serials):
            self._used.update(session.scalars(
                select(IssuedCopy.serial).where(IssuedCopy.municipality_code == code, IssuedCopy.serial.in_(chunk))
            ))

        self._staff_known: set[str] = set(users)
        self._staff: set[str] = set()
        for chunk in _chunks(users):
            self._staff.update(session.scalars(
                select(Staff.user_id).where(Staff.municipality_code == code, Staff.user_id.in_(chunk))
            ))

        self._load_people(requests)

    # -- per-record checks ----------------------------------------------------------------------

    def existing(self, client_uuid: str) -> StoredBcpIssuance | None:
        if client_uuid not in self._uuids_known:
            return existing(self.session, self.principal.municipality_code, client_uuid)
        if client_uuid not in self._uuids:
            return None
        found = self._uuids[client_uuid]
        if found is None:
            raise _uuid_taken()
        return found

    def staff_exists(self, user_id: str) -> bool:
        if user_id in self._staff_known:
            return user_id in self._staff
        return self.session.scalars(
            select(Staff).where(Staff.municipality_code == self.principal.municipality_code,
                                Staff.user_id == user_id)
        ).one_or_none() is not None

    def check_serials(self, serials: list[int], issued_at: datetime) -> None:
        principal = self.principal
        for serial in serials:
            lease = next((lease for lease in self.leases if lease.first <= serial <= lease.last), None)
            if lease is None:
                raise _reject(409, "serial_not_leased", f"発行番号 {serial} はこの端末に貸し出されていません。",
                              f"Serial {serial} is not leased to terminal {principal.terminal_id}")
            if to_utc(lease.leased_at) > to_utc(issued_at):
                raise _reject(409, "serial_before_lease", f"発行番号 {serial} の貸出前の発行日時になっています。",
                              f"Serial {serial} used before its lease began")
        unknown = [s for s in serials if s not in self._serials_known]
        if unknown:
            self._used.update(self.session.scalars(
                select(IssuedCopy.serial).where(
                    IssuedCopy.municipality_code == principal.municipality_code, IssuedCopy.serial.in_(unknown)
                )
            ))
            self._serials_known.update(unknown)
        used = sorted(s for s in set(serials) if s in self._used)
        if used:
            raise _reject(409, "serial_used", f"発行番号 {used} は既に使用されています。",
                          f"Serials already used: {used}")

    def stored(self, client_uuid: str, result: StoredBcpIssuance, serials: Iterable[int]) -> None:
        """Record a stored issuance: a repeat of its UUID or serials later in the batch sees it."""
        self._uuids_known.add(client_uuid)
        self._uuids[client_uuid] = replace(result, duplicate=True)
        self._serials_known.update(serials)
        self._used.update(serials)

    # -- the rule engine's context, as of the issue time -----------------------------------------

    def _load_people(self, requests: list[IssuanceRequest]) -> None:
        session, code = self.session, self.principal.municipality_code
        subjects = {r.subject_atena_no for r in requests if r.subject_atena_no}
        self._subjects_known: set[str] = set(subjects)
        self._residents: dict[str, ResidentDC] = {}
        for chunk in _chunks(subjects):
            for row in session.scalars(
                select(Resident).where(Resident.municipality_code == code, Resident.atena_no.in_(chunk))
            ):
                self._residents[row.atena_no] = convert.resident(row)
        household_nos = {r.household_no for r in self._residents.values()}
        self._households: dict[str, list[ResidentDC]] = {h: [] for h in household_nos}
        for chunk in _chunks(household_nos):
            for row in session.scalars(
                select(Resident).where(Resident.municipality_code == code, Resident.household_no.in_(chunk))
                .order_by(Resident.household_no, Resident.id)
            ):
                self._households[row.household_no].append(convert.resident(row))
        touched: set[str] = set()
        for request in requests:
            subject = self._residents.get(request.subject_atena_no)
            if subject is not None:
                touched |= _touched(request, subject, self._households[subject.household_no])
        self._people_known = touched
        self._measures_of: dict[str, set[str]] = {}
        for chunk in _chunks(touched):
            for measure_id, atena_no in session.execute(
                select(SupportMeasurePerson.measure_id, SupportMeasurePerson.atena_no).where(
                    SupportMeasurePerson.municipality_code == code, SupportMeasurePerson.atena_no.in_(chunk))
            ):
                self._measures_of.setdefault(atena_no, set()).add(measure_id)
        ids = {m for ms in self._measures_of.values() for m in ms}
        measure_rows: list[SupportMeasure] = []
        persons: dict[str, list[SupportMeasurePerson]] = {}
        for chunk in _chunks(ids):
            measure_rows += session.scalars(
                select(SupportMeasure).where(SupportMeasure.municipality_code == code,
                                             SupportMeasure.measure_id.in_(chunk))
            ).all()
            for p in session.scalars(
                select(SupportMeasurePerson).where(SupportMeasurePerson.municipality_code == code,
                                                   SupportMeasurePerson.measure_id.in_(chunk))
            ):
                persons.setdefault(p.measure_id, []).append(p)
        self._measures = {m.measure_id: convert.support_measure(m, persons.get(m.measure_id, ()))
                          for m in measure_rows}
        # the 加害者 who are residents here and their households (as context.load_perpetrator_households)
        perps = perpetrators(self._measures.values())
        self._perp_rows: dict[str, ResidentDC] = {}
        perp_households: set[str] = set()
        for chunk in _chunks(perps):
            for row in session.scalars(select(Resident).where(Resident.municipality_code == code,
                                                              Resident.atena_no.in_(chunk))):
                self._perp_rows[row.atena_no] = convert.resident(row)
                perp_households.add(row.household_no)
        for chunk in _chunks(perp_households):
            for row in session.scalars(select(Resident).where(Resident.municipality_code == code,
                                                              Resident.household_no.in_(chunk))):
                self._perp_rows[row.atena_no] = convert.resident(row)
        suppressions: dict[int, Suppression] = {}
        for column, values in ((Suppression.atena_no, touched), (Suppression.household_no, household_nos)):
            for chunk in _chunks(v for v in values if v):
                for supp in session.scalars(
                    select(Suppression).where(Suppression.municipality_code == code, column.in_(chunk))
                ):
                    suppressions[supp.id] = supp
        self._suppressions = [convert.suppression(r) for r in
                              sorted(suppressions.values(), key=lambda r: r.suppression_id)]

    def context(self, request: IssuanceRequest, issued_at: datetime,
                releases: tuple[SupportRelease, ...]) -> EvaluationContext:
        """``context.build_context`` for the request, from the preloaded rows (form parameters
        left out: reconciliation does not use them)."""
        atena = request.subject_atena_no
        if (request.cert_type in (CertificateType.INKAN, CertificateType.KAZEI)
                or atena not in self._subjects_known):
            return build_context(self.session, self.params, request, issued_at, releases)
        subject = self._residents.get(atena)
        if subject is None:
            return EvaluationContext(now=issued_at, mode=Mode.ONLINE, municipality=self.params, subject=None)
        household = tuple(self._households[subject.household_no])
        touched = _touched(request, subject, household)
        if not touched <= self._people_known:
            return build_context(self.session, self.params, request, issued_at, releases)
        measure_ids = sorted({m for a in touched for m in self._measures_of.get(a, ())})
        suppressions = tuple(
            s for s in self._suppressions
            if (s.atena_no and s.atena_no in touched)
            or (subject.household_no and s.household_no == subject.household_no)
        )
        measures = tuple(self._measures[m] for m in measure_ids if m in self._measures)
        return EvaluationContext(
            now=issued_at,
            mode=Mode.ONLINE,
            municipality=self.params,
            perpetrator_households=self._perpetrator_households(measures),
            subject=subject,
            household=household,
            support_measures=measures,
            suppressions=suppressions,
            releases=releases,
        )

    def _perpetrator_households(self, measures: Iterable[SupportMeasureDC]) -> tuple[ResidentDC, ...]:
        perps = set(perpetrators(measures))
        households = {r.household_no for a, r in self._perp_rows.items() if a in perps}
        return tuple(sorted((r for r in self._perp_rows.values() if r.atena_no in perps or r.household_no in households),
                            key=lambda r: r.atena_no))


def _user_id(record: BcpIssuanceRecord, principal: Principal) -> str:
    return str(record.get("user_id") or principal.user_id)[:64]


def conflicts_for(session: Session, params_code: str, request: IssuanceRequest, printed: CertificateContent,
                  issued_at: datetime, release: SupportRelease | None) -> tuple[list[str], dict[str, Any]]:
    """What the server says about a BCP issuance, as of its issue time."""
    muni = session.get(Municipality, params_code)
    assert muni is not None
    params = params_of(session, muni)
    releases = (release,) if release else ()
    return _conflicts(build_context(session, params, request, issued_at, releases), request, printed, issued_at)


def _conflicts(ctx: EvaluationContext, request: IssuanceRequest, printed: CertificateContent,
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
        raise _reject(422, "bad_record", "BCP発行記録の形式が正しくありません。", f"Malformed BCP record: {exc}") from exc
    if issued_at.tzinfo is None:
        raise _reject(422, "bad_record", "発行日時にタイムゾーンがありません。", "issued_at must carry a time zone")
    if printed.municipality_code != principal.municipality_code:
        raise _reject(403, "wrong_municipality", "他の団体の証明書は登録できません。",
                      "The certificate belongs to another municipality")
    if not serials or len(set(serials)) != len(serials) or len(serials) != request.copies:
        raise _reject(422, "bad_record", "発行番号の数が部数と一致しません。", "Serials do not match the copies")
    user_id = _user_id(record, principal)
    if not batch.staff_exists(user_id):
        raise _reject(422, "unknown_user", f"職員ID {user_id} はこの団体に登録されていません。",
                      f"Unknown staff user {user_id!r}")
    batch.check_serials(serials, issued_at)
    for c in copies:
        verdict = verify_token(str(c["qr_token"]), batch.keys, replace(printed, issue_number=str(c["issue_number"])))
        if not verdict.valid:
            raise _reject(422, f"signature_{verdict.reason_code}", verdict.message_ja, verdict.message_en)
    release = None
    rel = record.get("release")
    if rel:
        release = SupportRelease(str(rel["measure_id"]), str(rel.get("supervisor", "")), str(rel["reason"]))
    releases = (release,) if release else ()
    codes, detail = _conflicts(batch.context(request, issued_at, releases), request, printed, issued_at)

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


RESOLUTION_OUTCOMES = {"no_problem": "問題なし", "recall": "回収要", "other": "その他"}


def resolve_conflict(session: Session, principal: Principal, conflict_id: int, outcome: str, note: str,
                     now: datetime) -> BcpConflict:
    if outcome not in RESOLUTION_OUTCOMES:
        raise _reject(422, "bad_outcome", "処理結果は「問題なし」「回収要」「その他」から選んでください。",
                      f"Unknown outcome {outcome!r}")
    if outcome == "other" and not note.strip():
        raise _reject(422, "note_required", "「その他」の場合は内容を記入してください。",
                      "A note is required for outcome 'other'")
    row = session.get(BcpConflict, conflict_id)
    if row is None or row.municipality_code != principal.municipality_code:
        raise _reject(404, "not_found", "競合が見つかりません。", "Conflict not found")
    if row.status == "resolved":
        raise _reject(409, "already_resolved", "この競合は既に処理済みです。", "Conflict already resolved")
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
