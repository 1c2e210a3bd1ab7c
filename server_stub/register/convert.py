"""Rows → domain dataclasses (client.domain.model).

A row is an ORM object or a Core ``Row`` of the same table (read by attribute: the hot loaders of
``server_stub.register.context`` read Core rows)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from client.domain.model import Process, ResidentStatus, Sex, SuppressionLevel
from client.domain.model import Resident as ResidentDC
from client.domain.model import SealRegistration as SealDC
from client.domain.model import SupportMeasure as SupportMeasureDC
from client.domain.model import Suppression as SuppressionDC
from client.domain.model import TaxSummary as TaxDC
from client.domain.partial_date import PartialDate
from server_stub.clock import to_utc
from server_stub.models import (
    Resident,
    SealRegistration,
    SupportMeasure,
    SupportMeasurePerson,
    Suppression,
    TaxSummary,
)


def resident(row: Resident | Any) -> ResidentDC:
    return ResidentDC(
        atena_no=row.atena_no,
        household_no=row.household_no,
        name=row.name,
        kana=row.kana,
        birth=PartialDate.parse_str(row.birth),
        sex=Sex(row.sex),
        relation=row.relation,
        is_head=bool(row.is_head),
        address=row.address,
        katagaki=row.katagaki or "",
        postal_code=row.postal_code or "",
        honseki=row.honseki or "",
        hittousha=row.hittousha or "",
        former_surname=row.former_surname or "",
        alias=row.alias or "",
        became_resident_on=row.became_resident_on,
        jutei_on=row.jutei_on,
        notified_on=row.notified_on,
        previous_address=row.previous_address or "",
        status=ResidentStatus(row.status),
        removed_on=row.removed_on,
        removal_reason=row.removal_reason or "",
        my_number=row.my_number,
        juminhyo_code=row.juminhyo_code,
        is_foreign=bool(row.is_foreign),
        nationality=row.nationality or "",
        residence_status=row.residence_status or "",
        residence_period_end=row.residence_period_end,
        foreign_category=row.foreign_category or "",
        residence_period=row.residence_period or "",
        residence_card_no=row.residence_card_no or "",
        moved_to_address=row.moved_to_address or "",
        moved_out_notified_on=row.moved_out_notified_on,
    )


def seal(row: SealRegistration | Any) -> SealDC:
    return SealDC(
        registration_no=row.registration_no,
        card_no=row.card_no,
        atena_no=row.atena_no,
        registered_on=row.registered_on,
        active=row.status == "active",
        seal_image_png=row.seal_image_png or b"",
    )


def tax(row: TaxSummary | Any) -> TaxDC:
    return TaxDC(
        atena_no=row.atena_no,
        tax_year=row.tax_year,
        resided_on_jan1=bool(row.resided_on_jan1),
        total_income=row.total_income,
        salary_income=row.salary_income,
        deductions=row.deductions,
        taxable_income=row.taxable_income,
        municipal_tax=row.municipal_tax,
        prefectural_tax=row.prefectural_tax,
        dependents=row.dependents,
        breakdown={str(k): int(v) for k, v in json.loads(row.breakdown_json or "{}").items()},
    )


def support_measure(row: SupportMeasure | Any, persons: Iterable[SupportMeasurePerson | Any]) -> SupportMeasureDC:
    mine = [p for p in persons if p.measure_id == row.measure_id]
    return SupportMeasureDC(
        measure_id=row.measure_id,
        protected_atena_nos=tuple(sorted(p.atena_no for p in mine if p.role == "protected")),
        perpetrator_names=tuple(json.loads(row.perpetrator_names_json or "[]")),
        perpetrator_atena_nos=tuple(sorted(p.atena_no for p in mine if p.role == "perpetrator")),
        perpetrator_births=tuple(PartialDate.parse_str(b) if b else None
                                 for b in json.loads(row.perpetrator_births_json or "[]")),
        start=row.start,
        end=row.end,
        provisional=bool(row.provisional),
        processes=tuple(Process(p) for p in (row.processes or "").split(",") if p),
    )


def suppression(row: Suppression | Any) -> SuppressionDC:
    return SuppressionDC(
        suppression_id=row.suppression_id,
        process=Process(row.process),
        level=SuppressionLevel(row.level),
        atena_no=row.atena_no,
        household_no=row.household_no,
        start=row.start,
        end=row.end,
        reason=row.reason or "",
        released_until=to_utc(row.released_until) if row.released_until else None,
    )
