"""Loading what the rule engine looks at from the database (always within one municipality)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

import orjson
from sqlalchemy import String, Table, any_, bindparam, column, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
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
from server_stub.models import (
    Resident,
    SealRegistration,
    SupportMeasure,
    SupportMeasurePerson,
    Suppression,
    TaxSummary,
)
from server_stub.register import convert
from server_stub.tenants import form_params

# The loaders run on every search, resident detail, evaluation and issuance. They read rows with
# SQLAlchemy Core statements built once at import (table columns, bound parameters; ``expanding``
# for the IN lists), so a request neither builds nor compiles a statement: SQLAlchemy's compiled
# cache is keyed on the statement, and the ORM's per-row identity map and instrumentation are not
# involved (issue 23). ``convert`` reads the rows by attribute, as it read the ORM objects.
_res = cast(Table, Resident.__table__)
_sm = cast(Table, SupportMeasure.__table__)
_smp = cast(Table, SupportMeasurePerson.__table__)
_sup = cast(Table, Suppression.__table__)
_seal = cast(Table, SealRegistration.__table__)
_tax = cast(Table, TaxSummary.__table__)
_CODE: Any = bindparam("code")

_RESIDENT = select(_res).where(_res.c.municipality_code == _CODE, _res.c.atena_no == bindparam("atena_no"))
_HOUSEHOLD = select(_res).where(_res.c.municipality_code == _CODE, _res.c.household_no == bindparam("household_no"))


def _in_list(col: Any, name: str, dialect: str) -> Any:
    """``col IN (…)`` for a list of strings bound as ONE parameter where the dialect allows it.

    An ``expanding`` IN list is rendered into the SQL text on every execution (about 0.15 ms of
    CPU for a search's 50 宛名番号, each of two lists, issue 23); SQLite takes the list as one JSON
    text (``json_each``), PostgreSQL as one array (``= ANY``). ``_list_param`` gives the value."""
    if dialect == "sqlite":
        return col.in_(select(column("value")).select_from(func.json_each(bindparam(name))))
    if dialect == "postgresql":
        return col == any_(bindparam(name, type_=ARRAY(String)))
    return col.in_(bindparam(name, expanding=True))


def _list_param(values: list[str], dialect: str) -> Any:
    return orjson.dumps(values).decode() if dialect == "sqlite" else values


def _by_dialect(build: Any) -> dict[str, Any]:
    return {d: build(d) for d in ("sqlite", "postgresql", "")}


_MEASURE_IDS = _by_dialect(lambda d: select(_smp.c.measure_id)
                           .where(_smp.c.municipality_code == _CODE, _in_list(_smp.c.atena_no, "atena_nos", d))
                           .distinct())
_MEASURES = select(_sm).where(_sm.c.municipality_code == _CODE, _sm.c.measure_id.in_(bindparam("ids", expanding=True)))
_MEASURE_PERSONS = select(_smp).where(_smp.c.municipality_code == _CODE,
                                      _smp.c.measure_id.in_(bindparam("ids", expanding=True)))
_PERPETRATOR_HOUSEHOLDS = (
    select(_res)
    .where(_res.c.municipality_code == _CODE,
           or_(_res.c.atena_no.in_(bindparam("perps", expanding=True)),
               _res.c.household_no.in_(select(_res.c.household_no).where(
                   _res.c.municipality_code == _CODE, _res.c.atena_no.in_(bindparam("perps", expanding=True))))))
    .order_by(_res.c.atena_no))
_SUPPRESSIONS = _by_dialect(lambda d: select(_sup)
                            .where(_sup.c.municipality_code == _CODE,
                                   or_(_in_list(_sup.c.atena_no, "atena_nos", d),
                                       _in_list(_sup.c.household_no, "household_nos", d)))
                            .order_by(_sup.c.suppression_id))


def _dialect(session: Session) -> str:
    name = session.get_bind().dialect.name
    return name if name in ("sqlite", "postgresql") else ""
_SEAL = (select(_seal).where(_seal.c.municipality_code == _CODE, _seal.c.atena_no == bindparam("atena_no"))
         .order_by(_seal.c.status, _seal.c.registered_on.desc()).limit(1))
_TAX = select(_tax).where(_tax.c.municipality_code == _CODE, _tax.c.atena_no == bindparam("atena_no"),
                          _tax.c.tax_year == bindparam("tax_year"))


def load_resident(session: Session, code: str, atena_no: str) -> Any | None:
    """The resident's row (all columns, read by attribute like the ORM object), or None."""
    return session.execute(_RESIDENT, {"code": code, "atena_no": atena_no}).one_or_none()


def load_household(session: Session, code: str, household_no: str) -> list[ResidentDC]:
    rows = session.execute(_HOUSEHOLD, {"code": code, "household_no": household_no}).all()
    return [convert.resident(r) for r in rows]


def load_measures(session: Session, code: str, atena_nos: Iterable[str]) -> list[SupportMeasureDC]:
    """支援措置 in which any of ``atena_nos`` is a person (protected or perpetrator)."""
    wanted = sorted({a for a in atena_nos if a})
    if not wanted:
        return []
    d = _dialect(session)
    ids = session.execute(_MEASURE_IDS[d], {"code": code, "atena_nos": _list_param(wanted, d)}).scalars().all()
    if not ids:
        return []
    measures = session.execute(_MEASURES, {"code": code, "ids": list(ids)}).all()
    persons = session.execute(_MEASURE_PERSONS, {"code": code, "ids": list(ids)}).all()
    return [convert.support_measure(m, persons) for m in sorted(measures, key=lambda m: m.measure_id)]


def load_perpetrator_households(session: Session, code: str,
                                measures: Iterable[SupportMeasureDC]) -> list[ResidentDC]:
    """The 加害者 of ``measures`` who are residents here, and everyone in their households."""
    perps = perpetrators(measures)
    if not perps:
        return []
    rows = session.execute(_PERPETRATOR_HOUSEHOLDS, {"code": code, "perps": perps}).all()
    return [convert.resident(r) for r in rows]


def load_suppressions(session: Session, code: str, atena_nos: Iterable[str],
                      household_nos: Iterable[str]) -> list[SuppressionDC]:
    a = sorted({x for x in atena_nos if x})
    h = sorted({x for x in household_nos if x})
    if not a and not h:
        return []
    d = _dialect(session)
    rows = session.execute(_SUPPRESSIONS[d], {"code": code, "atena_nos": _list_param(a, d),
                                              "household_nos": _list_param(h, d)}).all()
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
        seal_row = session.execute(_SEAL, {"code": code, "atena_no": subject.atena_no}).first()
        seal = convert.seal(seal_row) if seal_row else None
    tax = None
    if request.cert_type is CertificateType.KAZEI and request.tax_year is not None:
        tax_row = session.execute(_TAX, {"code": code, "atena_no": subject.atena_no,
                                         "tax_year": request.tax_year}).one_or_none()
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
