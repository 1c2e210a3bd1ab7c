"""Bad input everywhere: a 4xx with a clear message, and nothing written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update

from server_stub.models import AccessLogEntry, AuthToken, ChangeLogEntry, Issuance, SerialLease, Terminal
from tests.integration.conftest import CITY_CODE, login
from tests.integration.helpers import count, pick_residents, self_request


def _snapshot(factory: Any) -> tuple[int, ...]:
    return tuple(count(factory, m) for m in (Issuance, AccessLogEntry, ChangeLogEntry, SerialLease, Terminal))


def test_bad_requests_get_clear_4xx_and_change_nothing(city_clerk: Any, server: Any, factory: Any) -> None:
    person = pick_residents(factory, CITY_CODE)[0]
    admin = login(server.base_url, CITY_CODE, "admin1")
    before = _snapshot(factory)
    good = self_request(person.atena_no)
    bad_calls: list[tuple[str, str, dict[str, Any]]] = [
        ("post", "/api/v1/issuances", {"content": b"{not json", "headers": {"content-type": "application/json"}}),
        ("post", "/api/v1/issuances", {"json": {"request": {**good, "copies": "two"}}}),
        ("post", "/api/v1/issuances", {"json": {"request": {**good, "copies": 0}}}),
        ("post", "/api/v1/issuances", {"json": {"request": {**good, "cert_type": "passport"}}}),
        ("post", "/api/v1/issuances", {"json": {"request": {**good, "subject_atena_no": "12ab"}}}),
        ("post", "/api/v1/issuances", {"json": {"request": {**good, "subject_atena_no": "1234567890"}}}),
        ("post", "/api/v1/issuances/evaluate", {"json": {"request": {**good, "member_atena_nos": ["1234567890"]}}}),
        ("post", "/api/v1/issuances", {"json": {"request": good, "printer_id": "x" * 5000}}),
        ("post", "/api/v1/issuances", {"json": {"request": good, "unexpected": 1}}),
        ("post", "/api/v1/issuances", {"content": b"[" * 2_000_000, "headers": {"content-type": "application/json"}}),
        ("post", "/api/v1/issuances/evaluate", {"json": {"request": {**good, "requester": {"kind": "alien"}}}}),
        ("get", "/api/v1/residents/1234567890", {}),  # wrong check digit
        ("get", "/api/v1/residents/search", {"params": {"q": "ア" * 500}}),
        ("get", "/api/v1/residents/search", {"params": {"limit": "-1"}}),
        ("get", "/api/v1/issuances", {"params": {"date": "2026-13-45"}}),
        ("post", "/api/v1/serials/lease", {"json": {"size": 10**9}}),
        ("post", "/api/v1/verify", {"json": {"token": 42}}),
    ]
    for method, path, kw in bad_calls:
        r = getattr(city_clerk.client, method)(path, **kw)
        assert 400 <= r.status_code < 500, (path, kw.get("json"), r.status_code, r.text[:200])
        detail = r.json()["detail"]
        assert detail["code"] and detail["message_ja"] and detail["message_en"], r.text
    r = admin.post("/api/v1/terminals/enroll", json={"terminal_name": "x", "public_key_b64": "!!!notbase64"})
    assert r.status_code == 422
    r = httpx.post(f"{server.base_url}/api/v1/auth/login", json={
        "municipality_code": "132404", "user_id": "clerk1", "password": "clerk1pass", "terminal_id": "T001"})
    assert r.status_code == 422 and r.json()["detail"]["code"] == "invalid_municipality_code"
    r = httpx.post(f"{server.base_url}/api/v1/auth/login", json={"municipality_code": "13240X", "user_id": "a",
                                                                   "password": "b"})
    assert r.status_code == 422
    assert _snapshot(factory) == before
    # a malformed token or a forged certificate token
    r = httpx.get(f"{server.base_url}/api/v1/municipality", headers={"Authorization": "Bearer " + "x" * 300})
    assert r.status_code == 401
    v = city_clerk.post("/api/v1/verify", json={"token": "MDG1.bm90LWpzb24.c2ln"})
    assert v.status_code == 200 and v.json()["valid"] is False and v.json()["reason_code"] == "bad_format"


def test_expired_token_is_refused(city_clerk: Any, factory: Any) -> None:
    assert city_clerk.get("/api/v1/municipality").status_code == 200
    with factory() as s:
        s.execute(update(AuthToken).values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
        s.commit()
    r = city_clerk.get("/api/v1/municipality")
    assert r.status_code == 401 and r.json()["detail"]["code"] == "expired_token"


def test_logout_revokes_the_token(city_clerk: Any) -> None:
    assert city_clerk.post("/api/v1/auth/logout").status_code == 200
    r = city_clerk.get("/api/v1/municipality")
    assert r.status_code == 401 and r.json()["detail"]["code"] == "invalid_token"


def test_nul_characters_are_refused_not_crashed(city_clerk: Any, factory: Any) -> None:
    before = _snapshot(factory)
    r = city_clerk.get("/api/v1/residents/search", params={"q": "ヤマ\x00ダ"})
    assert r.status_code in (200, 422), r.text  # SQLite stores NUL; PostgreSQL refuses it → 422
    person = pick_residents(factory, CITY_CODE)[0]
    r = city_clerk.post("/api/v1/issuances", json={"request": self_request(person.atena_no), "printer_id": "P\x00"})
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        assert _snapshot(factory)[0] == before[0]
