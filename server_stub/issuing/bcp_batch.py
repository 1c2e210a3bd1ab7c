"""One push of BCP issuances: what its records share, loaded once, and the per-record checks.

A pushed batch is handled with one :class:`BcpBatch`: what the records share (the municipality's
parameters, the terminal's leases and keys, the staff, the UUIDs and serials already stored) and
the residents, households, 支援措置 and 抑止 of all their subjects are loaded once, with ``IN``
queries, inside the batch's write transaction. Every check still runs per record, in order, and
the batch is updated with each stored record, so a UUID or serial repeated within one batch is
answered exactly as it would be one push later. A record that cannot be accepted raises
:class:`BcpRejected` (a 4xx with a specific code; the terminal keeps the record for a supervisor).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from client.domain.involved import people_involved, perpetrators
from client.domain.model import (
    CertificateType,
    EvaluationContext,
    IssuanceRequest,
    Mode,
    SupportRelease,
)
from client.domain.model import Resident as ResidentDC
from client.domain.model import SupportMeasure as SupportMeasureDC
from client.wire.bcp import BcpIssuanceRecord
from server_stub.auth.sign_in import Principal
from server_stub.clock import to_utc
from server_stub.errors import Refusal
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
from server_stub.register import convert
from server_stub.register.context import build_context
from server_stub.tenants.municipalities import params_of
from server_stub.tenants.mutual_backup import home_terminal


class BcpRejected(Refusal):
    """The record cannot be accepted; the terminal keeps it for a supervisor."""


@dataclass(frozen=True)
class StoredBcpIssuance:
    issuance_id: str
    duplicate: bool
    conflict_codes: tuple[str, ...]


def reject(status: int, code: str, ja: str, en: str) -> BcpRejected:
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
    return reject(409, "uuid_taken", "この記録番号は別の団体で使用されています。",
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
            users.add(record_user_id(record, principal))
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
                raise reject(409, "serial_not_leased", f"発行番号 {serial} はこの端末に貸し出されていません。",
                             f"Serial {serial} is not leased to terminal {principal.terminal_id}")
            if to_utc(lease.leased_at) > to_utc(issued_at):
                raise reject(409, "serial_before_lease", f"発行番号 {serial} の貸出前の発行日時になっています。",
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
            raise reject(409, "serial_used", f"発行番号 {used} は既に使用されています。",
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


def record_user_id(record: BcpIssuanceRecord, principal: Principal) -> str:
    return str(record.get("user_id") or principal.user_id)[:64]
