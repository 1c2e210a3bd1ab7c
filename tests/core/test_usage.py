"""Usage per municipality and the shared-cost split (equal, population, usage, weighted)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime, time
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from server_stub.db import make_engine, make_sessionmaker, write_session
from server_stub.models import Issuance, Resident
from server_stub.operations.usage import (
    MunicipalityUsage,
    UsageError,
    split_costs,
    usage_for_period,
    usage_report,
)
from server_stub.seed.demo import CITY, TOWN, seed_demo
from tests.conftest import copy_sqlite

SERVER_BIN = Path(sys.executable).with_name("madoguchi-server")


def _u(code: str, population: int = 0, copies: int = 0, terminals: int = 0) -> MunicipalityUsage:
    return MunicipalityUsage(code, code, population=population, copies=copies, terminals=terminals)


def test_equal_split_rounds_to_the_yen_and_sums_to_the_total() -> None:
    split = split_costs([_u("111111"), _u("222222"), _u("333333")], 1000, "equal")
    assert [s["cost_yen"] for s in split.values()] == [334, 333, 333]
    assert sum(s["cost_yen"] for s in split.values()) == 1000


def test_population_and_usage_splits_follow_their_basis() -> None:
    usage = [_u("111111", population=30_000, copies=100), _u("222222", population=10_000, copies=300)]
    assert {c: s["cost_yen"] for c, s in split_costs(usage, 1_000_000, "population").items()} == {
        "111111": 750_000, "222222": 250_000}
    assert {c: s["cost_yen"] for c, s in split_costs(usage, 1_000_000, "usage").items()} == {
        "111111": 250_000, "222222": 750_000}


def test_weighted_split_mixes_the_bases_exactly() -> None:
    usage = [_u("111111", population=30_000, copies=100, terminals=3),
             _u("222222", population=10_000, copies=300, terminals=1),
             _u("333333", population=60_000, copies=0, terminals=4)]
    weights = {"equal": 2, "population": 5, "usage": 3}
    split = split_costs(usage, 9_999_999, "weighted", weights)
    expected = {
        "111111": Fraction(2, 10) / 3 + Fraction(5, 10) * Fraction(3, 10) + Fraction(3, 10) * Fraction(1, 4),
        "222222": Fraction(2, 10) / 3 + Fraction(5, 10) * Fraction(1, 10) + Fraction(3, 10) * Fraction(3, 4),
        "333333": Fraction(2, 10) / 3 + Fraction(5, 10) * Fraction(6, 10),
    }
    assert sum(s["cost_yen"] for s in split.values()) == 9_999_999
    for code, ratio in expected.items():
        assert split[code]["ratio"] == pytest.approx(float(ratio))
        assert abs(split[code]["cost_yen"] - float(ratio * 9_999_999)) < 1


def test_zero_usage_is_shared_equally_and_bad_rules_are_refused() -> None:
    usage = [_u("111111"), _u("222222")]
    assert [s["cost_yen"] for s in split_costs(usage, 101, "usage").values()] == [51, 50]
    with pytest.raises(UsageError):
        split_costs(usage, 100, "weighted", {"equal": 1, "mood": 2})
    with pytest.raises(UsageError):
        split_costs(usage, 100, "weighted", None)
    with pytest.raises(UsageError):
        split_costs(usage, 100, "lottery")


def _issue(s: Session, code: str, cert_type: str, copies: int, day: date, *, mode: str = "online",
           voided: bool = False) -> None:
    at = datetime.combine(day, time(3, 0), tzinfo=UTC)
    s.add(Issuance(id=str(uuid.uuid4()), municipality_code=code, cert_type=cert_type, subject_atena_no="0000000011",
                   requester_kind="self", copies=copies, fee_yen=300 * copies, user_id="clerk1", terminal_id="T001",
                   terminal_name="本庁1", printer_id="P001", mode=mode, issued_at=at, issued_on=day,
                   request_json="{}", content_json="{}", voided_at=at if voided else None))


@pytest.fixture
def factory(sqlite_template: Path, tmp_path: Path) -> sessionmaker[Session]:
    engine = make_engine(copy_sqlite(sqlite_template, tmp_path / "usage.db"), pool_size=1)
    f = make_sessionmaker(engine)
    seed_demo(f, residents=60, seed=2)
    with write_session(f) as s:
        _issue(s, CITY.code, "juminhyo", 2, date(2026, 10, 1))
        _issue(s, CITY.code, "juminhyo", 1, date(2026, 10, 31), mode="bcp")
        _issue(s, CITY.code, "inkan", 1, date(2026, 10, 15))
        _issue(s, CITY.code, "inkan", 3, date(2026, 10, 16), voided=True)  # voided: not counted
        _issue(s, CITY.code, "juminhyo", 5, date(2026, 11, 1))  # outside the period
        _issue(s, TOWN.code, "kazei", 1, date(2026, 10, 2))
    return f


def test_usage_counts_issuances_terminals_and_population(factory: sessionmaker[Session]) -> None:
    with factory() as s:
        usage = {u.code: u for u in usage_for_period(s, date(2026, 10, 1), date(2026, 10, 31))}
        population = dict(s.execute(select(Resident.municipality_code, func.count())
                                    .where(Resident.status == "resident").group_by(Resident.municipality_code)).all())
    city, town = usage[CITY.code], usage[TOWN.code]
    assert (city.requests, city.copies, city.bcp_requests, city.fee_yen) == (3, 4, 1, 1200)
    assert city.by_type == {"juminhyo": {"requests": 2, "copies": 3}, "inkan": {"requests": 1, "copies": 1}}
    assert (town.requests, town.copies, town.by_type) == (1, 1, {"kazei": {"requests": 1, "copies": 1}})
    assert city.terminals == town.terminals == 2
    assert city.population == population[CITY.code] and town.population == population[TOWN.code]
    assert 0 < city.households <= city.population


def test_usage_report_cli_writes_csv_and_json(factory: sessionmaker[Session], tmp_path: Path) -> None:
    url = str(factory.kw["bind"].url)
    prefix = tmp_path / "out" / "usage-2026-10"
    run = subprocess.run([str(SERVER_BIN), "usage-report", "--db", url, "--from", "2026-10-01", "--to", "2026-10-31",
                          "--total-cost", "1000000", "--rule", "weighted", "--weight", "equal=0.2",
                          "--weight", "population=0.5", "--weight", "usage=0.3", "--out", str(prefix)],
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "MADOGUCHI_SERVER_HOME": str(tmp_path / "home")})
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(prefix.with_suffix(".json").read_text(encoding="utf-8"))
    with factory() as s:
        direct = usage_report(s, date(2026, 10, 1), date(2026, 10, 31), total_yen=1_000_000, rule="weighted",
                              weights={"equal": 0.2, "population": 0.5, "usage": 0.3})
    assert report == direct
    assert sum(m["cost_yen"] for m in report["municipalities"]) == 1_000_000
    rows = list(csv.reader(io.StringIO(prefix.with_suffix(".csv").read_bytes().decode("utf-8-sig"))))
    assert rows[0][:3] == ["団体コード", "団体名", "人口"] and rows[-1][0] == "合計"
    by_code = {r[0]: r for r in rows[1:-1]}
    assert int(by_code[CITY.code][-1]) + int(by_code[TOWN.code][-1]) == 1_000_000
    assert int(by_code[CITY.code][rows[0].index("交付通数")]) == 4
    bad = subprocess.run([str(SERVER_BIN), "usage-report", "--db", url, "--from", "2026-10-31", "--to", "2026-10-01"],
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "MADOGUCHI_SERVER_HOME": str(tmp_path / "home")})
    assert bad.returncode == 2 and "期間" in bad.stderr
