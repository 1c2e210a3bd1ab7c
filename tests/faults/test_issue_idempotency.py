"""Issue 20: an issuance resent on the other line after a silent one is issued once
(``Idempotency-Key``), and a response cut short is asked for again before the CLI gives up."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from client.services.backend import OnlineBackend
from client.services.online_api import OnlineApi
from server_stub.db import make_engine
from server_stub.models import Issuance, IssuedCopy
from tests.faults.cli_rig import CliRig, start_rig
from tests.integration.bcp_env import CODE, juminhyo
from tests.integration.helpers import self_request


@pytest.fixture
def rig(tmp_path: Path, inprocess_server_factory: Any) -> Iterator[CliRig]:
    r = start_rig(tmp_path, inprocess_server_factory)
    yield r
    r.close()


def _counts(db_url: str, atena: str) -> tuple[int, int]:
    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            n = s.scalar(select(func.count()).select_from(Issuance).where(Issuance.subject_atena_no == atena))
            copies = s.scalar(select(func.count()).select_from(IssuedCopy).join(
                Issuance, Issuance.id == IssuedCopy.issuance_id).where(Issuance.subject_atena_no == atena))
            return int(n or 0), int(copies or 0)
    finally:
        engine.dispose()


def test_an_issuance_resent_on_the_secondary_is_issued_once(rig: CliRig) -> None:
    """The primary takes the request and never answers in time: the client resends it on the
    secondary with the same key; the server returns the first issuance."""
    atena = rig.subjects(1)[0]
    api = OnlineApi([rig.primary.url, rig.secondary.url], timeout=10.0, interactive_timeout=1.0)
    backend = OnlineBackend(api)
    try:
        backend.sign_in(CODE, "clerk1", "clerk1pass", "T001")
        rig.primary.delay = 6.0
        rig.primary.set_mode("delay")  # forwards the request, holds the answer
        outcome = backend.issue(juminhyo(atena, copies=2), None, "P001")
    finally:
        api.close()
    assert api.active_url == rig.secondary.url.rstrip("/")
    assert _counts(rig.db_url, atena) == (1, 2)
    engine = make_engine(rig.db_url)
    with Session(engine) as s:
        numbers = set(s.scalars(select(IssuedCopy.issue_number).where(IssuedCopy.issuance_id == outcome.issuance_id)))
    engine.dispose()
    assert numbers == {c.issue_number for c in outcome.certificates}


def test_a_key_reused_for_another_request_or_malformed_is_refused(rig: CliRig) -> None:
    first, second = rig.subjects(2)
    with httpx.Client(base_url=rig.server.base_url, timeout=20) as c:
        token = c.post("/api/v1/auth/login", json={"municipality_code": CODE, "user_id": "clerk1",
                                                   "password": "clerk1pass", "terminal_id": "T001"}).json()["token"]
        c.headers["Authorization"] = f"Bearer {token}"
        body = {"request": self_request(first), "printer_id": "P001"}
        a = c.post("/api/v1/issuances", json=body, headers={"Idempotency-Key": "key-0001-abcdef"})
        b = c.post("/api/v1/issuances", json=body, headers={"Idempotency-Key": "key-0001-abcdef"})
        assert a.status_code == 201 and b.status_code in (200, 201)
        assert a.json()["issue_numbers"] == b.json()["issue_numbers"] and b.json()["replayed"] is True
        other = c.post("/api/v1/issuances", json={"request": self_request(second), "printer_id": "P001"},
                       headers={"Idempotency-Key": "key-0001-abcdef"})
        assert other.status_code == 422 and other.json()["detail"]["code"] == "idempotency_key_reused"
        bad = c.post("/api/v1/issuances", json={"request": self_request(second), "printer_id": "P001"},
                     headers={"Idempotency-Key": "no spaces allowed"})
        assert bad.status_code == 422
    assert _counts(rig.db_url, first) == (1, 1) and _counts(rig.db_url, second) == (0, 0)


def test_sync_asks_again_after_a_truncated_response(rig: CliRig) -> None:
    """Also: both lines cut the first answer short; the CLI retries (bounded) and succeeds."""
    rig.enroll()
    for proxy in (rig.primary, rig.secondary):
        proxy.keep_body_bytes = 10
        proxy.truncate_budget = 1
    rig.lines("truncate")
    code, body, err = rig.json("sync")
    assert code == 0, err
    assert body["action"] in ("noop", "delta")
    assert rig.primary.truncate_budget == 0 and rig.secondary.truncate_budget is not None \
        and rig.secondary.truncate_budget <= 0  # each line cut one answer short
    # bounded: a line that cuts every answer short fails after a few tries, with the line message
    for proxy in (rig.primary, rig.secondary):
        proxy.truncate_budget = None
    failing = rig.run("sync")
    assert failing.returncode == 1 and "Traceback" not in failing.stderr and "途中で切れました" in failing.stderr


def test_trying_again_after_no_answer_returns_the_issuance_the_server_made(rig: CliRig) -> None:
    """Both lines take the request and never answer in time: the client reports the line down;
    the clerk tries the same request again and gets the issuance the server did make, not a second."""
    atena = rig.subjects(1)[0]
    api = OnlineApi([rig.primary.url, rig.secondary.url], timeout=10.0, interactive_timeout=1.0)
    backend = OnlineBackend(api)
    try:
        backend.sign_in(CODE, "clerk1", "clerk1pass", "T001")
        for proxy in (rig.primary, rig.secondary):
            proxy.delay = 8.0
            proxy.set_mode("delay")
        from client.services.errors import LineDownError

        with pytest.raises(LineDownError):
            backend.issue(juminhyo(atena), None, "P001")
        assert _counts(rig.db_url, atena) == (1, 1)  # the server did issue
        rig.lines("pass")
        again = backend.issue(juminhyo(atena), None, "P001")
        assert _counts(rig.db_url, atena) == (1, 1)
        third = backend.issue(juminhyo(atena), None, "P001")  # answered before: a deliberate second one
        assert _counts(rig.db_url, atena) == (2, 2) and third.issuance_id != again.issuance_id
    finally:
        api.close()
