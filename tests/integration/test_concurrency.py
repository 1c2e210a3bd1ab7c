"""Two ``serve`` processes on one database issuing concurrently: every 発行番号 unique, none skipped."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import select

from server_stub.audit.chain import verify_chain
from server_stub.models import AccessLogEntry, IssuedCopy, SerialLease
from tests.integration.conftest import CITY_CODE, login
from tests.integration.helpers import pick_residents, self_request

THREADS = 12


@pytest.mark.slow
def test_two_servers_issue_concurrently_without_gaps_or_duplicates(seeded_db: str, server_factory: Any,
                                                                    factory: Any) -> None:
    requests = 240 if seeded_db.startswith("postgresql") else 120
    servers = [server_factory(seeded_db, migrate=False), server_factory(seeded_db, migrate=False)]
    people = [p.atena_no for p in pick_residents(factory, CITY_CODE, n=40)]
    clients = [login(servers[i % 2].base_url, CITY_CODE, "clerk1" if i % 3 else "clerk2",
                     terminal_id="T001" if i % 2 else "T002") for i in range(THREADS)]

    def work(i: int) -> tuple[str, Any]:
        api = clients[i % THREADS]
        rng = random.Random(i)
        if i % 25 == 7:
            r = api.post("/api/v1/serials/lease", json={"size": rng.randint(1, 20)})
            assert r.status_code == 201, r.text
            return "lease", (r.json()["first"], r.json()["last"])
        r = api.post("/api/v1/issuances", json={"request": self_request(rng.choice(people), copies=rng.randint(1, 3))})
        assert r.status_code == 201, r.text
        return "issue", r.json()["issue_numbers"]

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(work, range(requests)))

    issued_numbers = [n for kind, v in results if kind == "issue" for n in v]
    assert len(issued_numbers) == len(set(issued_numbers))
    with factory() as s:
        serials = [int(x) for x in s.scalars(select(IssuedCopy.serial).where(IssuedCopy.municipality_code == CITY_CODE))]
        leases = [(a, b) for a, b in s.execute(select(SerialLease.first, SerialLease.last)
                                               .where(SerialLease.municipality_code == CITY_CODE))]
    assert len(serials) == len(issued_numbers)
    used = sorted(serials + [x for a, b in leases for x in range(a, b + 1)])
    assert used == list(range(1, len(used) + 1)), "serials must be unique and gap-free"
    assert sorted(leases) == sorted(v for kind, v in results if kind == "lease")
    # the serial is the last field of the 発行番号
    assert sorted(int(n.split(" ")[-1]) for n in issued_numbers) == sorted(serials)
    # the access log stayed one unbroken chain while both processes appended to it
    with factory() as s:
        assert verify_chain(s, CITY_CODE) is None
        issue_entries = s.scalars(select(AccessLogEntry.issue_numbers).where(
            AccessLogEntry.municipality_code == CITY_CODE, AccessLogEntry.action == "issue")).all()
    assert sorted(n for e in issue_entries for n in e.split(",") if n) == sorted(issued_numbers)
