"""Two ``serve`` processes hammering one municipality with searches, views and issuances:
no errors, 発行番号 serials unique and gap-free, every answered read logged, the log verifies."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select

from server_stub.audit import chain as audit
from server_stub.models import AccessLogBatch, AccessLogEntry, IssuedCopy
from tests.integration.conftest import CITY_CODE, login
from tests.integration.helpers import pick_residents, self_request

THREADS = 16


@pytest.mark.slow
def test_two_processes_one_municipality(seeded_db: str, server_factory: Any, factory: Any) -> None:
    requests = 480
    servers = [server_factory(seeded_db, migrate=False), server_factory(seeded_db, migrate=False)]
    people = [p.atena_no for p in pick_residents(factory, CITY_CODE, n=40)]
    clients = [login(servers[i % 2].base_url, CITY_CODE, "clerk1", terminal_id="T001" if i % 2 else "T002")
               for i in range(THREADS)]

    def work(i: int) -> tuple[str, Any]:
        api = clients[i % THREADS]
        rng = random.Random(i)
        roll = rng.random()
        if roll < 0.6:
            q = f"ス{i:06d}"
            r = api.get("/api/v1/residents/search", params={"q": q})
            assert r.status_code == 200, r.text
            return "search", q
        if roll < 0.7:
            r = api.get(f"/api/v1/residents/{rng.choice(people)}")
            assert r.status_code == 200, r.text
            return "view", None
        r = api.post("/api/v1/issuances", json={"request": self_request(rng.choice(people), copies=rng.randint(1, 2))})
        assert r.status_code == 201, r.text
        return "issue", r.json()["issue_numbers"]

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(work, range(requests)))
    for api in clients:
        api.client.close()

    numbers = [n for kind, v in results if kind == "issue" for n in v]
    with factory() as s:
        serials = sorted(int(x) for x in s.scalars(select(IssuedCopy.serial).where(
            IssuedCopy.municipality_code == CITY_CODE)))
        assert serials == list(range(1, len(numbers) + 1)), "serials unique and gap-free"
        assert sorted(int(n.split(" ")[-1]) for n in numbers) == serials
        assert audit.verify_chain(s, CITY_CODE) is None
        assert audit.pending_count(s, CITY_CODE) == 0
        searched = set(s.scalars(select(AccessLogEntry.subject).where(
            AccessLogEntry.municipality_code == CITY_CODE, AccessLogEntry.action == "search")))
        assert {v for kind, v in results if kind == "search"} <= searched
        views = s.scalar(select(func.count()).select_from(AccessLogEntry).where(
            AccessLogEntry.municipality_code == CITY_CODE, AccessLogEntry.action == "view"))
        assert views == sum(1 for kind, _ in results if kind == "view")
        entries = s.scalar(select(func.count()).select_from(AccessLogEntry).where(
            AccessLogEntry.municipality_code == CITY_CODE))
        batches = s.scalar(select(func.count()).select_from(AccessLogBatch).where(
            AccessLogBatch.municipality_code == CITY_CODE))
    assert batches < entries  # group commit: rounds carried several entries
