"""Small helpers for integration tests: pick residents, add blocks, count rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from server_stub.db import begin_write
from server_stub.models import Issuance, IssuedCopy, Resident, SupportMeasurePerson, Suppression
from server_stub.register.writes import add_support_measure, add_suppression


def pick_residents(factory: sessionmaker[Session], code: str, n: int = 1, newest: bool = False,
                   **where: Any) -> list[Resident]:
    """Current, unblocked residents (optionally filtered), ordered by 宛名番号."""
    with factory() as s:
        blocked = select(SupportMeasurePerson.atena_no).where(SupportMeasurePerson.municipality_code == code)
        supp_a = select(Suppression.atena_no).where(Suppression.municipality_code == code,
                                                     Suppression.atena_no.is_not(None))
        supp_h = select(Suppression.household_no).where(Suppression.municipality_code == code,
                                                        Suppression.household_no.is_not(None))
        # 支援措置 fail closed on the whole household: skip households with a protected member
        blocked_h = select(Resident.household_no).where(Resident.municipality_code == code,
                                                        Resident.atena_no.in_(blocked))
        stmt = select(Resident).where(
            Resident.municipality_code == code, Resident.status == "resident",
            Resident.household_no.not_in(blocked_h), Resident.atena_no.not_in(supp_a),
            Resident.household_no.not_in(supp_h),
        )
        for k, v in where.items():
            stmt = stmt.where(getattr(Resident, k) == v)
        order = Resident.atena_no.desc() if newest else Resident.atena_no
        return list(s.scalars(stmt.order_by(order).limit(n)).all())


def protect(factory: sessionmaker[Session], code: str, atena_no: str, measure_id: str = "SM-TEST-1") -> None:
    with factory() as s:
        begin_write(s)
        add_support_measure(s, code, measure_id=measure_id, protected=[atena_no], now=datetime.now(UTC),
                            perpetrator_names=["加害 太郎"])
        s.commit()


def suppress(factory: sessionmaker[Session], code: str, atena_no: str, level: str = "error") -> None:
    with factory() as s:
        begin_write(s)
        add_suppression(s, code, suppression_id=f"SP-TEST-{atena_no}", process="hakko", level=level,
                        atena_no=atena_no, now=datetime.now(UTC), reason="テスト抑止")
        s.commit()


def count(factory: sessionmaker[Session], model: Any, **where: Any) -> int:
    with factory() as s:
        stmt = select(func.count()).select_from(model)
        for k, v in where.items():
            stmt = stmt.where(getattr(model, k) == v)
        return int(s.execute(stmt).scalar_one())


def counts(factory: sessionmaker[Session]) -> tuple[int, int]:
    return count(factory, Issuance), count(factory, IssuedCopy)


def self_request(atena_no: str, cert_type: str = "juminhyo", copies: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "cert_type": cert_type,
        "subject_atena_no": atena_no,
        "requester": {"kind": "self", "name": "本人", "identity_document": "drivers_license"},
        "copies": copies,
        **extra,
    }
