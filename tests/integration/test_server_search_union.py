"""The server search's UNION of limited index reads gives the results of the OR form it replaced."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import and_, or_, select

from server_stub.models import Resident
from server_stub.register.search import _TOP, classify, search
from tests.integration.conftest import CITY_CODE


def _or_form(session: Any, code: str, q: Any, limit: int) -> list[str]:
    """The previous implementation: one OR over both index ranges, ordered, then limited."""
    def prefix(col: Any, p: str) -> Any:
        return and_(col >= p, col < p + _TOP)

    if q.kind.value == "kana":
        cond = or_(prefix(Resident.kana_key, q.kana_key), prefix(Resident.given_kana_key, q.kana_key))
    else:
        cond = or_(prefix(Resident.name_key, q.name_key), prefix(Resident.alias, q.text))
    stmt = (select(Resident.atena_no).where(Resident.municipality_code == code, cond)
            .order_by(Resident.kana_key + "", Resident.atena_no).limit(limit))
    return list(session.scalars(stmt))


def test_union_form_matches_or_form(factory: Any) -> None:
    with factory() as s:
        people = s.execute(select(Resident.kana, Resident.name, Resident.alias).where(
            Resident.municipality_code == CITY_CODE).order_by(Resident.atena_no)).all()
        texts: set[str] = set()
        for kana, name, alias in people[::7]:
            family, _, given = kana.partition(" ")
            texts.update({family, family[:1], family[:2], given, given[:1], kana, name, name[:1]})
            if alias:
                texts.update({alias, alias[:1]})
        checked = hits = 0
        for text in sorted(t for t in texts if t):
            q = classify(text)
            if q.kind.value not in ("kana", "name") or not q.searchable:
                continue
            for limit in (1, 5, 50):
                got = [r.atena_no for r in search(s, CITY_CODE, q, limit)]
                assert got == _or_form(s, CITY_CODE, q, limit), (text, limit)
                checked += 1
                hits += len(got)
        assert checked > 50 and hits > checked  # many queries, most of them with several hits


def _plan(session: Any, shape: str, lo: str) -> str:
    from server_stub.register.search import _union_statement

    conn = session.connection()
    compiled = _union_statement(shape).compile(dialect=conn.dialect)
    values = {"code": CITY_CODE, "lo": lo, "hi": lo + _TOP, "limit": 50, "pattern": "%"}
    args = tuple(values.get(name, compiled.params.get(name)) for name in compiled.positiontup or ())
    rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), args).all()
    return "\n".join(str(r[-1]) for r in rows)


def test_the_search_indexes_serve_the_result_order(factory: Any) -> None:
    """A common family name (サトウ: a quarter of the seeded city) is read in (kana_key, 宛名番号)
    order from its index and stops at the limit; with kana_key alone SQLite sorted every サトウ to
    break the ties (migration 0620). The name alternatives are read from the index alone."""
    with factory() as s:
        if s.get_bind().dialect.name != "sqlite":
            pytest.skip("PostgreSQL's plan on the small test city follows its statistics (the bench measures it)")
        kana = _plan(s, "kana", "サトウ")
        assert "COVERING INDEX ix_residents_kana_key" in kana, kana
        assert "RIGHT PART OF ORDER BY" not in kana, kana
        name = _plan(s, "name", "佐藤")
        assert "COVERING INDEX ix_residents_name_key" in name and "COVERING INDEX ix_residents_alias_key" in name, name


def test_migration_0620_rebuilds_the_search_indexes_under_existing_residents(tmp_path: Any) -> None:
    """A database seeded before 0620 (the indexes on the key alone) upgrades in place: the same
    residents are found in the same order, and the plan now reads the kana index in order."""
    from sqlalchemy.orm import Session

    from server_stub.db import make_engine
    from server_stub.migrate import upgrade
    from tests.integration.bcp_env import seed

    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0610_i16")
    seed(url)
    queries = [classify(t) for t in ("サトウ", "サ", "スズキ ハナコ", "佐藤", "ハナコ")]
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            before = [[r.atena_no for r in search(s, CITY_CODE, q, 50)] for q in queries]
            assert "COVERING INDEX ix_residents_kana_key" not in _plan(s, "kana", "サ")  # the old index
        engine.dispose()
        upgrade(url)
        with Session(engine) as s:
            assert [[r.atena_no for r in search(s, CITY_CODE, q, 50)] for q in queries] == before
            assert "COVERING INDEX ix_residents_kana_key" in _plan(s, "kana", "サ")
        assert any(before)
    finally:
        engine.dispose()
