"""``Idempotency-Key`` on ``POST /api/v1/issuances`` on SQLite and PostgreSQL: the same key sent
at once from several connections makes one issuance (issue 20)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from server_stub.models import Issuance
from tests.integration.conftest import CITY_CODE, Api
from tests.integration.helpers import count, pick_residents, self_request


def test_concurrent_resends_make_one_issuance(server: Any, city_clerk: Api, factory: sessionmaker[Session]) -> None:
    subject = pick_residents(factory, CITY_CODE, 1)[0].atena_no
    before = count(factory, Issuance)
    body = {"request": self_request(subject, copies=2), "printer_id": "P001"}
    headers = {"Authorization": city_clerk.client.headers["Authorization"], "Idempotency-Key": "resend-0001-xyz"}

    def send(_: int) -> httpx.Response:
        with httpx.Client(base_url=server.base_url, timeout=60) as c:
            return c.post("/api/v1/issuances", json=body, headers=headers)

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(send, range(4)))
    assert all(a.status_code in (200, 201) for a in answers), [a.text for a in answers]
    numbers = {tuple(a.json()["issue_numbers"]) for a in answers}
    assert len(numbers) == 1 and len(next(iter(numbers))) == 2
    assert count(factory, Issuance) == before + 1
    assert sum(1 for a in answers if a.json().get("replayed")) == 3
