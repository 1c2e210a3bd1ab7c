"""Seeding: deterministic (same seed → same rows) and realistic (loose proportions)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from client.domain.checkdigits import is_valid_atena_no, is_valid_my_number
from client.domain.kana import name_search_keys
from client.domain.partial_date import PartialDate
from server_stub.db import make_engine, make_sessionmaker
from server_stub.models import (
    ChangeLogEntry,
    Household,
    Resident,
    SealRegistration,
    SupportMeasure,
    SupportMeasurePerson,
    Suppression,
    TaxSummary,
)
from server_stub.seed.demo import CITY, seed_demo
from server_stub.seed.generator import REFERENCE_DATE, seed_residents
from server_stub.seed.names import GAIJI_SURNAMES, SURNAMES
from tests.conftest import PgCluster, copy_sqlite

FIXED_NOW = datetime(2026, 10, 1, tzinfo=UTC)
TABLES = (Household, Resident, SealRegistration, TaxSummary, SupportMeasure, SupportMeasurePerson, Suppression)


def _new_db(request: pytest.FixtureRequest, tmp_path: Path, name: str) -> str:
    if request.node.callspec.params["db_url"] == "sqlite":
        return copy_sqlite(request.getfixturevalue("sqlite_template"), tmp_path / name)
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    return cluster.url(cluster.create_database(template=request.getfixturevalue("pg_template")))


def _dump(factory: sessionmaker[Session]) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    with factory() as s:
        for model in TABLES:
            cols = [c for c in model.__table__.columns if c.name != "id"]
            rows = s.execute(select(*cols)).all()
            out[model.__tablename__] = sorted(tuple(r) for r in rows)
    return out


def _seeded(url: str, residents: int, seed: int) -> sessionmaker[Session]:
    factory = make_sessionmaker(make_engine(url, pool_size=1))
    seed_demo(factory, residents=0, now=FIXED_NOW)
    seed_residents(factory, CITY.code, residents, seed, now=FIXED_NOW, chunk=700)
    return factory


def test_same_seed_gives_the_same_data(db_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    a = _dump(_seeded(db_url, 1500, seed=11))
    b = _dump(_seeded(_new_db(request, tmp_path, "b.db"), 1500, seed=11))
    c = _dump(_seeded(_new_db(request, tmp_path, "c.db"), 1500, seed=12))
    assert a == b
    assert a["residents"] != c["residents"]
    assert len(a["residents"]) >= 1500


@pytest.mark.slow
def test_seeded_data_is_realistic(db_url: str) -> None:
    n = 6_000
    factory = _seeded(db_url, n, seed=5)
    with factory() as s:
        people = s.scalars(select(Resident).where(Resident.municipality_code == CITY.code)).all()
        households = s.scalars(select(Household).where(Household.municipality_code == CITY.code)).all()
        seals = s.scalars(select(SealRegistration)).all()
        protected = s.scalars(select(SupportMeasurePerson).where(SupportMeasurePerson.role == "protected")).all()
        suppressions = s.scalars(select(Suppression)).all()
        taxes = s.scalars(select(TaxSummary)).all()
        changes = s.scalars(select(ChangeLogEntry.seq).where(ChangeLogEntry.municipality_code == CITY.code)
                            .order_by(ChangeLogEntry.seq)).all()
    assert n <= len(people) < n + 10
    assert 1.8 <= len(people) / len(households) <= 3.0
    status = Counter(p.status for p in people)
    assert 0.01 <= (status["moved_out"] + status["deceased"]) / len(people) <= 0.06
    assert status["deceased"] > 0 and status["moved_out"] > 0
    foreign = [p for p in people if p.is_foreign]
    assert 0.01 <= len(foreign) / len(people) <= 0.06
    assert all(p.nationality and p.foreign_category and p.residence_card_no and not p.honseki for p in foreign)
    # 特別永住者 is a 30条の45規定区分, not a 在留資格 (it was printed as one): no 在留資格 nor 在留期間
    for p in foreign:
        special = p.foreign_category == "特別永住者"
        assert bool(p.residence_status) is not special and bool(p.residence_period) is not special, p.atena_no
        assert p.became_resident_on is None or p.became_resident_on >= date(2012, 7, 9), p.atena_no
    assert {p.foreign_category for p in foreign} == {"特別永住者", "中長期在留者"}
    moved = [p for p in people if p.status == "moved_out"]
    assert all(p.moved_to_address and p.moved_out_notified_on and p.moved_out_notified_on <= p.removed_on
               for p in moved)
    assert any(p.alias for p in foreign)
    assert any(ch in p.name for p in people for ch in "髙﨑𠮷")
    # kana consistent with the kanji family name for Japanese residents
    readings: dict[str, set[str]] = {}
    for kanji, kana in SURNAMES + GAIJI_SURNAMES:
        readings.setdefault(kanji, set()).add(kana)
    for p in people:
        if not p.is_foreign:
            family = p.name.split("\u3000")[0]
            assert p.kana.split(" ")[0] in readings[family], (p.name, p.kana)
        assert p.kana_key == name_search_keys(p.kana)[0]
        assert is_valid_atena_no(p.atena_no) and is_valid_atena_no(p.household_no)
        assert p.my_number and is_valid_my_number(p.my_number)
        PartialDate.parse_str(p.birth)
    assert any(not PartialDate.parse_str(p.birth).is_complete for p in people)
    heads = Counter(p.household_no for p in people if p.is_head)
    assert set(heads.values()) == {1} and len(heads) == len(households)
    adults = [p for p in people if p.status == "resident"
              and REFERENCE_DATE.year - (PartialDate.parse_str(p.birth).year or REFERENCE_DATE.year) >= 16]
    assert 0.30 <= len(seals) / len(adults) <= 0.50
    assert all(x.seal_image_png.startswith(b"\x89PNG") and len(x.seal_image_png) < 4000 for x in seals)
    assert 0.0003 <= len(protected) / len(people) <= 0.003
    assert 1 <= len(suppressions) <= 30
    assert len(taxes) > len(adults)
    assert changes == list(range(1, len(changes) + 1))
