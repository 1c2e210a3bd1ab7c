"""Deterministic generation of realistic resident data for one municipality, in bulk.

``seed_residents(factory, code, n, seed)`` adds about ``n`` residents (households of plausible
composition, kana consistent with the kanji, some 外字 names, foreign residents with 通称, removed
persons, ~0.1 % under 支援措置, some 抑止, 印鑑登録 for ~40 % of adults, tax summaries) using
Core bulk inserts in chunks, each chunk in one write transaction with its change_log rows.
The same (municipality, n, seed) on the same starting database gives the same rows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from server_stub.db import begin_write
from server_stub.models import (
    Household,
    Municipality,
    Resident,
    SealRegistration,
    SupportMeasure,
    SupportMeasurePerson,
    Suppression,
    TaxSummary,
)
from server_stub.replica import changes
from server_stub.seed.rows import RowEmitter
from server_stub.seed.seal_png import seal_png

REFERENCE_DATE = date(2026, 10, 1)  # "today" of the generated data (fixed: determinism)
SEAL_POOL = 32


@dataclass
class SeedStats:
    residents: int = 0
    households: int = 0
    removed: int = 0
    foreign: int = 0
    gaiji: int = 0
    seals: int = 0
    taxes: int = 0
    support_measures: int = 0
    protected_persons: int = 0
    suppressions: int = 0
    partial_births: int = 0

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class _Buffers:
    households: list[dict[str, Any]] = field(default_factory=list)
    residents: list[dict[str, Any]] = field(default_factory=list)
    seals: list[dict[str, Any]] = field(default_factory=list)
    taxes: list[dict[str, Any]] = field(default_factory=list)
    measures: list[dict[str, Any]] = field(default_factory=list)
    measure_persons: list[dict[str, Any]] = field(default_factory=list)
    suppressions: list[dict[str, Any]] = field(default_factory=list)


def _serial_of(number: str | None) -> int:
    return int(number[:-1]) if number else 0


class _Generator(RowEmitter):
    def __init__(self, muni: Municipality, seed: int, start: dict[str, int], ref: date) -> None:
        self.rng = random.Random(f"{muni.code}:{seed}")
        self.muni = muni
        self.ref = ref
        self.stamp = datetime.combine(ref, time(9, 0), tzinfo=UTC)
        self.next_atena = start["atena"] + 1
        self.next_household = start["household"] + 1
        self.next_seal = start["seal"] + 1
        self.next_measure = start["measure"] + 1
        self.next_suppression = start["suppression"] + 1
        self.stats = SeedStats()
        self.buf = _Buffers()
        self.seal_pool = [seal_png(seed * 1000 + i) for i in range(SEAL_POOL)]
        self.postal_prefix = f"{(int(muni.code[:3]) * 7) % 900 + 100:03d}"

    # -- flushing ------------------------------------------------------------------------------
    def flush(self, session: Session, now: datetime) -> None:
        b = self.buf
        items: list[tuple[str, str, str]] = []
        plan = (
            (Household, b.households, "household", lambda r: r["household_no"]),
            (Resident, b.residents, "resident", lambda r: r["atena_no"]),
            (SealRegistration, b.seals, "seal", lambda r: r["registration_no"]),
            (TaxSummary, b.taxes, "tax", lambda r: f"{r['atena_no']}:{r['tax_year']}"),
            (SupportMeasure, b.measures, "support_measure", lambda r: r["measure_id"]),
            (SupportMeasurePerson, b.measure_persons, None, None),
            (Suppression, b.suppressions, "suppression", lambda r: r["suppression_id"]),
        )
        for model, rows, kind, key in plan:
            if not rows:
                continue
            session.execute(insert(cast(Table, model.__table__)), rows)
            if kind is not None and key is not None:
                items.extend((kind, key(r), changes.UPSERT) for r in rows)
        changes.record_changes(session, self.muni.code, items, now)
        self.buf = _Buffers()


def _start_serials(session: Session, code: str) -> dict[str, int]:
    def scalar(stmt: Any) -> Any:
        return session.execute(stmt).scalar()

    return {
        "atena": _serial_of(scalar(select(func.max(Resident.atena_no)).where(Resident.municipality_code == code))),
        "household": _serial_of(
            scalar(select(func.max(Household.household_no)).where(Household.municipality_code == code))
        ),
        "seal": int(scalar(select(func.count()).select_from(SealRegistration)
                           .where(SealRegistration.municipality_code == code)) or 0),
        "measure": int(scalar(select(func.count()).select_from(SupportMeasure)
                              .where(SupportMeasure.municipality_code == code)) or 0),
        "suppression": int(scalar(select(func.count()).select_from(Suppression)
                                  .where(Suppression.municipality_code == code)) or 0),
    }


def seed_residents(factory: sessionmaker[Session], municipality_code: str, residents: int, seed: int,
                   *, ref: date = REFERENCE_DATE, chunk: int = 20_000, now: datetime | None = None) -> SeedStats:
    """Add about ``residents`` generated residents (whole households: may overshoot by a few)."""
    now = now or datetime.now(UTC)
    with factory() as session:
        muni = session.get(Municipality, municipality_code)
        if muni is None:
            raise ValueError(f"unknown municipality {municipality_code}")
        start = _start_serials(session, municipality_code)
    gen = _Generator(muni, seed, start, ref)
    while gen.stats.residents < residents:
        gen.household()
        if len(gen.buf.residents) >= chunk or gen.stats.residents >= residents:
            with factory() as session:
                begin_write(session)
                gen.flush(session, now)
                session.commit()
    return gen.stats
