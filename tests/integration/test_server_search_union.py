"""The server search's UNION of limited index reads gives the results of the OR form it replaced."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select

from server_stub.models import Resident
from server_stub.search import _TOP, classify, search
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
