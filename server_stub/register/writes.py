"""Writes to the register outside the seed (each with its change_log row in the same transaction).

Used by tests and tools; the API itself does not change resident data (異動 is out of scope).
"""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from server_stub.models import Resident, SupportMeasure, SupportMeasurePerson, Suppression
from server_stub.replica import changes


def add_support_measure(session: Session, code: str, *, measure_id: str, protected: list[str], now: datetime,
                        perpetrator_names: list[str] | None = None, perpetrator_atena_nos: list[str] | None = None,
                        start: date | None = None, end: date | None = None, provisional: bool = False,
                        processes: str = "hakko,shokai", perpetrator_births: list[str | None] | None = None) -> None:
    """``perpetrator_births``: PartialDate text (or None) per name in ``perpetrator_names``."""
    session.add(SupportMeasure(
        municipality_code=code, measure_id=measure_id,
        perpetrator_names_json=json.dumps(perpetrator_names or [], ensure_ascii=False),
        perpetrator_births_json=json.dumps(perpetrator_births or []),
        start=start, end=end, provisional=provisional, processes=processes,
    ))
    for atena_no in protected:
        session.add(SupportMeasurePerson(municipality_code=code, measure_id=measure_id, atena_no=atena_no,
                                         role="protected"))
    for atena_no in perpetrator_atena_nos or []:
        session.add(SupportMeasurePerson(municipality_code=code, measure_id=measure_id, atena_no=atena_no,
                                         role="perpetrator"))
    session.flush()
    changes.record_change(session, code, "support_measure", measure_id, changes.UPSERT, now)


def add_suppression(session: Session, code: str, *, suppression_id: str, process: str, level: str, now: datetime,
                    atena_no: str | None = None, household_no: str | None = None, start: date | None = None,
                    end: date | None = None, reason: str = "") -> None:
    session.add(Suppression(
        municipality_code=code, suppression_id=suppression_id, atena_no=atena_no, household_no=household_no,
        process=process, level=level, start=start, end=end, reason=reason,
    ))
    session.flush()
    changes.record_change(session, code, "suppression", suppression_id, changes.UPSERT, now)


def mark_removed(session: Session, code: str, atena_no: str, *, status: str, removed_on: date, reason: str,
                 now: datetime) -> None:
    """転出 / 死亡: the person becomes a 除票 record."""
    session.execute(update(Resident).where(Resident.municipality_code == code, Resident.atena_no == atena_no)
                    .values(status=status, removed_on=removed_on, removal_reason=reason, updated_at=now))
    changes.record_change(session, code, "resident", atena_no, changes.UPSERT, now)
