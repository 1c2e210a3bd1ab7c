"""The fast lane (server_stub/api/fast_lane.py) answers the counter's hot GETs exactly as FastAPI's
routes do, and leaves everything it does not plainly recognise to them.

Each request is sent twice on the same database: through an app with the fast lane whose FastAPI
side is replaced by a recorder (so an answer there can only be the lane's own), and through the
app without the lane (the routes). Status and body must be the same; the requests the lane must
not take have to reach the recorder. SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from client.domain.checkdigits import make_atena_no
from server_stub.api.fast_lane import FastLane
from server_stub.app import create_app
from server_stub.db import make_engine, make_sessionmaker
from server_stub.models import AccessLogEntry, Resident, SupportMeasurePerson
from tests.integration.bcp_env import protect
from tests.integration.conftest import CITY_CODE, PASSWORDS

DELEGATED = 599


class Recorder:
    """Stands in for FastAPI behind the lane: notes the request, answers 599."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.paths.append(scope["path"])
        await send({"type": "http.response.start", "status": DELEGATED, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def _people(db_url: str) -> tuple[str, str, str]:
    """(a plain resident's 宛名番号, his kana, a person put under a 支援措置 here)."""
    engine = make_engine(db_url)
    try:
        with make_sessionmaker(engine)() as s:
            flagged = set(s.scalars(select(SupportMeasurePerson.atena_no)
                                    .where(SupportMeasurePerson.municipality_code == CITY_CODE)))
            rows = s.execute(select(Resident.atena_no, Resident.kana, Resident.household_no)
                             .where(Resident.municipality_code == CITY_CODE, Resident.status == "resident")
                             .order_by(Resident.atena_no)).all()
    finally:
        engine.dispose()
    free = [r for r in rows if r.atena_no not in flagged]
    plain = free[0]
    protected = next(r for r in free if r.household_no != plain.household_no).atena_no
    protect(db_url, protected, start=date.today() - timedelta(days=30), code=CITY_CODE)
    return plain.atena_no, plain.kana, protected


def _log_count(db_url: str) -> int:
    engine = make_engine(db_url)
    try:
        with make_sessionmaker(engine)() as s:
            return len(s.scalars(select(AccessLogEntry.id)).all())
    finally:
        engine.dispose()


async def _both(db_url: str, requests: list[tuple[str, str, dict[str, str], dict[str, str]]]
                ) -> tuple[list[httpx.Response], list[httpx.Response], Recorder]:
    routes = create_app(db_url, fast_lane=False)
    lane_app = create_app(db_url)
    recorder = Recorder()
    lane = FastLane(recorder, fastapi_app=lane_app)
    base = "http://testserver"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=routes), base_url=base) as plain, \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=lane), base_url=base) as fast:
        r = await plain.post("/api/v1/auth/login", json={"municipality_code": CITY_CODE, "user_id": "clerk1",
                                                         "password": PASSWORDS["clerk1"], "terminal_id": "T001"})
        r.raise_for_status()
        token = r.json()["token"]
        out_fast, out_plain = [], []
        for method, path, params, headers in requests:
            h = {"Authorization": f"Bearer {token}", **headers}
            h = {k: v for k, v in h.items() if v}
            out_fast.append(await fast.request(method, path, params=params, headers=h))
            out_plain.append(await plain.request(method, path, params=params, headers=h))
    for app in (routes, lane_app):
        app.state.log_writer.stop()
        app.state.engine.dispose()
    return out_fast, out_plain, recorder


def test_the_lane_answers_the_hot_gets_as_the_routes_do(seeded_db: str) -> None:
    atena, kana, protected = _people(seeded_db)
    family = kana.split(" ")[0]
    handled = [
        ("GET", "/api/v1/residents/search", {"q": family}, {}),
        ("GET", "/api/v1/residents/search", {"q": kana, "limit": "5"}, {}),
        ("GET", "/api/v1/residents/search", {"q": protected}, {}),  # flagged, address withheld
        ("GET", "/api/v1/residents/search", {}, {}),  # nothing asked: nothing found
        ("GET", f"/api/v1/residents/{atena}", {}, {}),
        ("GET", f"/api/v1/residents/{atena}", {"include_my_number": "True"}, {}),
        ("GET", f"/api/v1/residents/{protected}", {}, {}),  # 403 support_measure
        ("GET", f"/api/v1/residents/{protected}", {"release_measure_id": "X", "release_reason": "確認"}, {}),  # clerk: 403
        ("GET", "/api/v1/residents/0000000010", {}, {}),  # a wrong check digit: 422
        ("GET", f"/api/v1/residents/{make_atena_no(999_999_999)}", {}, {}),  # well-formed, nobody: 404
        ("GET", "/api/v1/residents/search", {"q": family}, {"Authorization": "Bearer not-a-token"}),  # 401
    ]
    before = _log_count(seeded_db)
    fast, plain, recorder = asyncio.run(_both(seeded_db, handled))
    assert recorder.paths == []  # every one answered by the lane itself
    statuses = [r.status_code for r in fast]
    assert statuses == [200, 200, 200, 200, 200, 200, 403, 403, 422, 404, 401]
    for f, p, req in zip(fast, plain, handled, strict=True):
        assert (f.status_code, f.json()) == (p.status_code, p.json()), req
        assert f.headers["content-type"] == p.headers["content-type"] == "application/json"
    assert fast[0].json()["count"] >= 1 and any(r["atena_no"] == atena for r in fast[1].json()["results"])
    hit = fast[2].json()["results"][0]
    assert hit["flags"]["support_measure"] is True
    assert fast[5].json()["my_number"] and fast[4].json()["my_number"] is None
    assert fast[6].json()["detail"]["code"] == "support_measure"
    # the sign-in, then per side: four searches, two views and the refused view of the protected
    # person each have their 照会 entry, through the lane as through the routes (the clerk's
    # release, the bad or unknown 宛名番号 and the refused token are refused before any)
    assert _log_count(seeded_db) - before == 1 + 2 * 7


@pytest.mark.parametrize("method, path, params, headers", [
    ("GET", "/api/v1/residents/search", {"q": "サトウ"}, {"Authorization": ""}),  # no token: FastAPI's 401
    ("GET", "/api/v1/residents/search", {"q": "サトウ"}, {"Authorization": "Basic eDp5"}),
    ("GET", "/api/v1/residents/search", {"limit": "0"}, {}),
    ("GET", "/api/v1/residents/search", {"limit": "5.0"}, {}),
    ("GET", "/api/v1/residents/search", {"limit": "201"}, {}),
    ("GET", "/api/v1/residents/search", {"q": "ア" * 101}, {}),
    ("GET", "/api/v1/residents/search", {"q": "サトウ", "kind": "kana"}, {}),
    ("GET", "/api/v1/residents/0000000019", {"include_my_number": "maybe"}, {}),
    ("GET", "/api/v1/residents/0000000019", {"release_reason": "あ" * 501}, {}),
    ("GET", "/api/v1/residents/00000000190000000", {}, {}),
    ("GET", "/api/v1/residents/", {}, {}),
    ("GET", "/api/v1/residents/0000000019/household", {}, {}),
    ("HEAD", "/api/v1/residents/search", {"q": "サトウ"}, {}),
    ("POST", "/api/v1/residents/search", {"q": "サトウ"}, {}),
    ("GET", "/api/v1/issuances", {}, {}),
])
def test_what_the_lane_does_not_recognise_goes_to_fastapi(seeded_db: str, method: str, path: str,
                                                           params: dict[str, str], headers: dict[str, str]) -> None:
    fast, plain, recorder = asyncio.run(_both(seeded_db, [(method, path, params, headers)]))
    assert recorder.paths == [path]
    assert fast[0].status_code == DELEGATED
    assert plain[0].status_code in (401, 403, 404, 405, 422, 200, 307)  # the routes' own answer
