"""Loading what the rule engine looks at from the database (always within one municipality)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from client.domain.involved import people_involved, perpetrators
from client.domain.model import (
    CertificateType,
    EvaluationContext,
    IssuanceRequest,
    Mode,
    MunicipalityParams,
    SupportRelease,
)
from client.domain.model import Resident as ResidentDC
from client.domain.model import SupportMeasure as SupportMeasureDC
from client.domain.model import Suppression as SuppressionDC
from server_stub import convert, form_params
from server_stub.models import (
    Resident,
    SealRegistration,
    SupportMeasure,
    SupportMeasurePerson,
    Suppression,
    TaxSummary,
)


def load_resident(session: Session, code: str, atena_no: str) -> Resident | None:
    return session.scalars(
        select(Resident).where(Resident.municipality_code == code, Resident.atena_no == atena_no)
    ).one_or_none()


def load_household(session: Session, code: str, household_no: str) -> list[ResidentDC]:
    rows = session.scalars(
        select(Resident).where(Resident.municipality_code == code, Resident.household_no == household_no)
    ).all()
    return [convert.resident(r) for r in rows]


def load_measures(session: Session, code: str, atena_nos: Iterable[str]) -> list[SupportMeasureDC]:
    """支援措置 in which any of ``atena_nos`` is a person (protected or perpetrator)."""
    wanted = sorted({a for a in atena_nos if a})
    if not wanted:
        return []
    ids = session.scalars(
        select(SupportMeasurePerson.measure_id)
        .where(SupportMeasurePerson.municipality_code == code, SupportMeasurePerson.atena_no.in_(wanted))
        .distinct()
    ).all()
    if not ids:
        return []
    measures = session.scalars(
        select(SupportMeasure).where(SupportMeasure.municipality_code == code, SupportMeasure.measure_id.in_(ids))
    ).all()
    persons = session.scalars(
        select(SupportMeasurePerson).where(
            SupportMeasurePerson.municipality_code == code, SupportMeasurePerson.measure_id.in_(ids)
        )
    ).all()
    return [convert.support_measure(m, persons) for m in sorted(measures, key=lambda m: m.measure_id)]


def load_perpetrator_households(session: Session, code: str,
                                measures: Iterable[SupportMeasureDC]) -> list[ResidentDC]:
    """The 加害者 of ``measures`` who are residents here, and everyone in their households."""
    perps = perpetrators(measures)
    if not perps:
        return []
    households = select(Resident.household_no).where(Resident.municipality_code == code,
                                                      Resident.atena_no.in_(perps))
    rows = session.scalars(
        select(Resident).where(Resident.municipality_code == code,
                               or_(Resident.atena_no.in_(perps), Resident.household_no.in_(households)))
        .order_by(Resident.atena_no)
    ).all()
    return [convert.resident(r) for r in rows]


def load_suppressions(session: Session, code: str, atena_nos: Iterable[str],
                      household_nos: Iterable[str]) -> list[SuppressionDC]:
    a = sorted({x for x in atena_nos if x})
    h = sorted({x for x in household_nos if x})
    conds = []
    if a:
        conds.append(Suppression.atena_no.in_(a))
    if h:
        conds.append(Suppression.household_no.in_(h))
    if not conds:
        return []
    rows = session.scalars(
        select(Suppression).where(Suppression.municipality_code == code, or_(*conds))
        .order_by(Suppression.suppression_id)
    ).all()
    return [convert.suppression(r) for r in rows]


def build_context(
    session: Session,
    params: MunicipalityParams,
    request: IssuanceRequest,
    now: datetime,
    releases: tuple[SupportRelease, ...] = (),
) -> EvaluationContext:
    code = params.code
    row = load_resident(session, code, request.subject_atena_no)
    if row is None:
        return EvaluationContext(now=now, mode=Mode.ONLINE, municipality=params, subject=None)
    subject = convert.resident(row)
    household = tuple(load_household(session, code, subject.household_no))
    touched = people_involved(subject.atena_no, household, request)
    seal = None
    if request.cert_type is CertificateType.INKAN:
        seal_row = session.scalars(
            select(SealRegistration)
            .where(SealRegistration.municipality_code == code, SealRegistration.atena_no == subject.atena_no)
            .order_by(SealRegistration.status, SealRegistration.registered_on.desc())
        ).first()
        seal = convert.seal(seal_row) if seal_row else None
    tax = None
    if request.cert_type is CertificateType.KAZEI and request.tax_year is not None:
        tax_row = session.scalars(
            select(TaxSummary).where(
                TaxSummary.municipality_code == code,
                TaxSummary.atena_no == subject.atena_no,
                TaxSummary.tax_year == request.tax_year,
            )
        ).one_or_none()
        tax = convert.tax(tax_row) if tax_row else None
    measures = tuple(load_measures(session, code, touched))
    return EvaluationContext(
        now=now,
        mode=Mode.ONLINE,
        municipality=params,
        perpetrator_households=tuple(load_perpetrator_households(session, code, measures)),
        subject=subject,
        household=household,
        seal=seal,
        tax=tax,
        support_measures=measures,
        suppressions=tuple(load_suppressions(session, code, touched, {subject.household_no})),
        releases=releases,
        form_parameters=form_params.load(session, code),
    )
