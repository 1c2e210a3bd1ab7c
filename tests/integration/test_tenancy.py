"""Tenant isolation: a token of municipality A gets nothing of municipality B, on every endpoint."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import CITY_CODE, TOWN_CODE, login
from tests.integration.helpers import counts, pick_residents, self_request


def test_a_token_of_one_municipality_sees_nothing_of_the_other(server: Any, factory: Any) -> None:
    city = login(server.base_url, CITY_CODE, "supervisor1")
    town = login(server.base_url, TOWN_CODE, "supervisor1")
    # the town is seeded larger, so its newest 宛名番号 do not exist in the city
    town_person = pick_residents(factory, TOWN_CODE, newest=True)[0]
    city_person = pick_residents(factory, CITY_CODE)[0]
    # B issues something and leases serials so that there is B data on every table.
    issued = town.post("/api/v1/issuances", json={"request": self_request(town_person.atena_no)})
    assert issued.status_code == 201, issued.text
    town_issuance = issued.json()["issuance_id"]
    town_token = issued.json()["certificates"][0]["qr_token"]
    lease = town.post("/api/v1/serials/lease", json={"size": 5}).json()

    # search: by 宛名番号, name, kana and town name of a B resident
    for q in (town_person.atena_no, town_person.name.split("\u3000")[0], town_person.kana.split(" ")[0], "緑川町"):
        results = city.get("/api/v1/residents/search", params={"q": q, "limit": 200}).json()["results"]
        assert all("緑川町" not in r["address"] for r in results), q
        assert town_person.atena_no not in [r["atena_no"] for r in results]
    # detail
    assert city.get(f"/api/v1/residents/{town_person.atena_no}").status_code == 404
    # evaluate and issue for B's resident: unknown subject
    r = city.post("/api/v1/issuances/evaluate", json={"request": self_request(town_person.atena_no)})
    assert r.status_code == 200 and r.json()["outcome"] == "deny"
    assert [x["code"] for x in r.json()["reasons"]] == ["subject_not_found"]
    before = counts(factory)
    r = city.post("/api/v1/issuances", json={"request": self_request(town_person.atena_no)})
    assert r.status_code == 409
    assert counts(factory) == before
    # void / reprint B's issuance
    assert city.post(f"/api/v1/issuances/{town_issuance}/void", json={"reason": "x"}).status_code == 404
    assert city.post(f"/api/v1/issuances/{town_issuance}/reprint", json={"reason": "x"}).status_code == 404
    # history, day close, access log
    assert city.get("/api/v1/issuances").json()["issuances"] == []
    assert city.get("/api/v1/issuances", params={"atena_no": town_person.atena_no}).json()["issuances"] == []
    assert city.get("/api/v1/day-close").json()["total"]["issuances"] == 0
    log = city.get("/api/v1/access-log", params={"limit": 1000}).json()["entries"]
    # A's log holds A's own actions only (its searches for B's number included), none of B's
    assert not [e for e in log if e["outcome"] == "issued" or e["action"] == "lease_serials"]
    assert all(e.get("detail", {}).get("issuance_id") != town_issuance for e in log)
    # municipality params and keys
    assert city.get("/api/v1/municipality").json()["code"] == CITY_CODE
    keys = city.get("/api/v1/keys").json()
    assert keys["municipality_code"] == CITY_CODE
    assert {k["municipality_code"] for k in keys["keys"]} == {CITY_CODE}
    # verify B's certificate: A does not hold B's key, and learns nothing of B's record
    v = city.post("/api/v1/verify", json={"token": town_token}).json()
    assert v["valid"] is False and v["reason_code"] == "unknown_key" and v["record"] is None
    # leases
    assert city.post(f"/api/v1/serials/leases/{lease['lease_id']}/return", json={"unused": []}).status_code == 404
    assert lease["lease_id"] not in [x["lease_id"] for x in city.get("/api/v1/serials/leases").json()["leases"]]
    # staff of B cannot be unlocked by A's admin
    city_admin = login(server.base_url, CITY_CODE, "admin1")
    assert city_admin.post("/api/v1/staff/ghost-user/unlock").status_code == 404
    # and B still sees its own data
    assert town.get(f"/api/v1/residents/{town_person.atena_no}").status_code == 200
    assert len(town.get("/api/v1/issuances").json()["issuances"]) == 1
    assert city.get(f"/api/v1/residents/{city_person.atena_no}").status_code == 200


def test_a_token_cannot_sign_in_across_municipalities(server: Any) -> None:
    import httpx

    # the town's clerk password does not open the city's account of another user id
    r = httpx.post(f"{server.base_url}/api/v1/auth/login", json={
        "municipality_code": CITY_CODE, "user_id": "nobody", "password": "clerk1pass", "terminal_id": "T001"})
    assert r.status_code == 401
    r = httpx.get(f"{server.base_url}/api/v1/municipality", headers={"Authorization": "Bearer forged-token"})
    assert r.status_code == 401 and r.json()["detail"]["code"] == "invalid_token"


def test_no_get_endpoint_returns_the_other_municipalitys_data(server: Any, factory: Any) -> None:
    """Every GET operation in the OpenAPI document, called with B's token, mentions nothing of A."""
    import httpx

    city = login(server.base_url, CITY_CODE, "supervisor1")
    town = login(server.base_url, TOWN_CODE, "supervisor1")
    city_person = pick_residents(factory, CITY_CODE, is_head=True)[0]
    assert city.post("/api/v1/issuances", json={"request": self_request(city_person.atena_no)}).status_code == 201
    spec = httpx.get(f"{server.base_url}/openapi.json").json()
    checked = 0
    for path, ops in spec["paths"].items():
        if "get" not in ops or "{" in path or path.startswith(("/docs", "/redoc")):
            continue
        r = town.get(path)
        assert r.status_code < 500, (path, r.text[:200])
        text = r.text
        for needle in ("桜ヶ丘市", CITY_CODE):  # (common names may exist in both: not a needle)
            at = text.find(needle)
            assert at < 0, (path, needle, text[max(0, at - 300):at + 100])
        checked += 1
    assert checked >= 8
