"""Main flows over real HTTP against a real server process, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from client.certificate.signing import verify_token
from client.domain.model import CertificateContent
from server_stub.audit.chain import verify_chain
from server_stub.models import AccessLogEntry, ChangeLogEntry, Issuance, Staff
from tests.integration.conftest import CITY_CODE, login
from tests.integration.helpers import count, counts, pick_residents, protect, self_request, suppress


def test_serve_process_answers_health_without_auth(seeded_db: str, server_factory: Any) -> None:
    import httpx

    proc = server_factory(seeded_db, migrate=True)  # `serve` migrates an up-to-date database: a no-op
    body = httpx.get(f"{proc.base_url}/health").json()
    assert body["status"] == "ok" and body["version"] and "T" in body["time"]
    api = login(proc.base_url, CITY_CODE, "clerk1")
    assert api.get("/api/v1/municipality").json()["code"] == CITY_CODE


def test_serve_with_several_workers_shares_the_database(seeded_db: str, server_factory: Any, factory: Any) -> None:
    proc = server_factory(seeded_db, migrate=False, extra_args=("--workers", "2"))
    person = pick_residents(factory, CITY_CODE)[0]
    numbers = []
    for user in ("clerk1", "clerk2", "supervisor1"):
        api = login(proc.base_url, CITY_CODE, user)
        for _ in range(3):
            r = api.post("/api/v1/issuances", json={"request": self_request(person.atena_no)})
            assert r.status_code == 201, r.text
            numbers += r.json()["issue_numbers"]
    assert sorted(int(n.split(" ")[-1]) for n in numbers) == list(range(1, 10))


def test_login_returns_params_and_lockout_after_five_failures(server: Any, factory: Any) -> None:
    import httpx

    api = login(server.base_url, CITY_CODE, "clerk1")
    assert api.login_body["user"] == {"user_id": "clerk1", "name": "窓口 一郎", "role": "clerk"}
    assert api.login_body["municipality"]["name"] == "桜ヶ丘市"
    assert api.login_body["municipality"]["fees"]["juminhyo"] == 300
    staff_changes = {"municipality_code": CITY_CODE, "kind": "staff", "key": "clerk2"}
    before = count(factory, ChangeLogEntry, **staff_changes)
    bad = {"municipality_code": CITY_CODE, "user_id": "clerk2", "password": "wrong", "terminal_id": "T001"}
    for _ in range(5):
        r = httpx.post(f"{server.base_url}/api/v1/auth/login", json=bad)
        assert r.status_code == 401 and r.json()["detail"]["code"] == "bad_credentials"
    good = dict(bad, password="clerk2pass")
    r = httpx.post(f"{server.base_url}/api/v1/auth/login", json=good)
    assert r.status_code == 403 and r.json()["detail"]["code"] == "locked"
    with factory() as s:
        staff = s.scalars(select(Staff).where(Staff.municipality_code == CITY_CODE, Staff.user_id == "clerk2")).one()
        assert staff.locked and staff.failed_attempts == 5
    assert count(factory, ChangeLogEntry, **staff_changes) == before + 1  # the replica learns the lock
    admin = login(server.base_url, CITY_CODE, "admin1")
    assert admin.post("/api/v1/staff/clerk2/unlock").status_code == 200
    assert count(factory, ChangeLogEntry, **staff_changes) == before + 2
    assert httpx.post(f"{server.base_url}/api/v1/auth/login", json=good).status_code == 200


def test_unknown_terminal_is_refused_for_clerks(server: Any) -> None:
    import httpx

    r = httpx.post(f"{server.base_url}/api/v1/auth/login", json={
        "municipality_code": CITY_CODE, "user_id": "clerk1", "password": "clerk1pass", "terminal_id": "NOPE"})
    assert r.status_code == 403 and r.json()["detail"]["code"] == "unknown_terminal"


def test_search_detail_and_access_log(city_clerk: Any, city_supervisor: Any, factory: Any) -> None:
    person = pick_residents(factory, CITY_CODE, is_head=True)[0]
    family_kana = person.kana.split(" ")[0]
    for q in (family_kana, person.atena_no, person.name.split("\u3000")[0]):
        r = city_clerk.get("/api/v1/residents/search", params={"q": q, "limit": 200})
        assert r.status_code == 200, r.text
        assert person.atena_no in [x["atena_no"] for x in r.json()["results"]], q
    r = city_clerk.get(f"/api/v1/residents/{person.atena_no}")
    assert r.status_code == 200
    body = r.json()
    assert body["atena_no"] == person.atena_no and body["my_number"] is None
    assert body["household"][0]["is_head"] is True
    assert person.atena_no in [m["atena_no"] for m in body["household"]]
    log = city_supervisor.get("/api/v1/access-log", params={"verify": "true", "limit": 1000}).json()
    actions = [(e["action"], e["subject"]) for e in log["entries"]]
    assert ("view", person.atena_no) in actions and ("search", family_kana) in actions
    assert log["chain"]["intact"] is True
    assert city_clerk.get("/api/v1/access-log").status_code == 403
    with factory() as s:
        assert verify_chain(s, CITY_CODE) is None


def test_issue_void_reprint_history_day_close_and_verify(city_clerk: Any, city_supervisor: Any, factory: Any) -> None:
    person = pick_residents(factory, CITY_CODE)[0]
    r = city_clerk.post("/api/v1/issuances/evaluate", json={"request": self_request(person.atena_no, copies=2)})
    assert r.status_code == 200 and r.json()["outcome"] == "allow"
    assert counts(factory) == (0, 0)
    r = city_clerk.post("/api/v1/issuances", json={"request": self_request(person.atena_no, copies=2),
                                                     "printer_id": "プリンタ001"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert len(body["issue_numbers"]) == 2 and len(set(body["issue_numbers"])) == 2
    assert body["issue_numbers"][0].endswith(" 本庁1 プリンタ001 001")
    keys = {k["key_id"]: __import__("base64").b64decode(k["public_key_b64"])
            for k in city_clerk.get("/api/v1/keys").json()["keys"]}
    for cert in body["certificates"]:
        content = CertificateContent.from_dict(cert["content"])
        assert content.issue_number == cert["issue_number"]
        assert verify_token(cert["qr_token"], keys, content).valid
        assert content.seal_marks[0] == "v1" and "koin" in " ".join(content.seal_marks)  # the 公印 as placed, signed
        v = city_clerk.post("/api/v1/verify", json={"token": cert["qr_token"]}).json()
        assert v["valid"] and v["record"]["voided"] is False
    forged = body["certificates"][0]["qr_token"][:-4] + ("AAAA" if not body["certificates"][0]["qr_token"].endswith("AAAA") else "BBBB")
    assert city_clerk.post("/api/v1/verify", json={"token": forged}).json()["valid"] is False
    hist = city_clerk.get("/api/v1/issuances", params={"atena_no": person.atena_no}).json()["issuances"]
    assert [h["issuance_id"] for h in hist] == [body["issuance_id"]]
    dc = city_clerk.get("/api/v1/day-close").json()
    assert dc["total"] == {"issuances": 1, "copies": 2, "fee_yen": 600}
    assert dc["by_terminal"]["T001"]["copies"] == 2 and dc["by_user"]["clerk1"]["fee_yen"] == 600
    # void and reprint are for supervisors
    assert city_clerk.post(f"/api/v1/issuances/{body['issuance_id']}/void", json={"reason": "x"}).status_code == 403
    r = city_supervisor.post(f"/api/v1/issuances/{body['issuance_id']}/reprint", json={"reason": "用紙詰まり"})
    assert r.status_code == 201, r.text
    re_numbers = r.json()["issue_numbers"]
    assert re_numbers[0].endswith(" 003") and re_numbers[1].endswith(" 004")
    v = city_clerk.post("/api/v1/verify", json={"token": body["certificates"][0]["qr_token"]}).json()
    assert v["record"]["voided"] is True
    assert city_supervisor.post(f"/api/v1/issuances/{body['issuance_id']}/reprint",
                                json={"reason": "again"}).status_code == 409  # the original is voided
    r = city_supervisor.post(f"/api/v1/issuances/{r.json()['issuance_id']}/void", json={"reason": "誤発行"})
    assert r.status_code == 200
    dc = city_clerk.get("/api/v1/day-close").json()
    assert dc["total"]["issuances"] == 0 and dc["voided"]["issuances"] == 2


def test_denied_issuance_writes_only_the_access_log(city_clerk: Any, factory: Any) -> None:
    person = pick_residents(factory, CITY_CODE)[0]
    suppress(factory, CITY_CODE, person.atena_no)
    before_log = count(factory, AccessLogEntry, municipality_code=CITY_CODE)
    r = city_clerk.post("/api/v1/issuances", json={"request": self_request(person.atena_no)})
    assert r.status_code == 409
    detail = r.json()["detail"]
    assert detail["decision"]["outcome"] == "deny"
    assert "suppressed" in [x["code"] for x in detail["decision"]["reasons"]]
    assert counts(factory) == (0, 0)
    assert count(factory, AccessLogEntry, municipality_code=CITY_CODE) == before_log + 1
    with factory() as s:
        last = s.scalars(select(AccessLogEntry).order_by(AccessLogEntry.id.desc())).first()
        assert last.action == "issue" and last.outcome == "deny" and last.subject == person.atena_no


def test_support_measure_blocks_until_a_supervisor_releases(city_clerk: Any, city_supervisor: Any,
                                                            factory: Any) -> None:
    person = pick_residents(factory, CITY_CODE)[0]
    protect(factory, CITY_CODE, person.atena_no)
    hit = city_clerk.get("/api/v1/residents/search", params={"q": person.atena_no}).json()["results"][0]
    assert hit["flags"]["support_measure"] is True and person.address not in hit["address"]
    r = city_clerk.get(f"/api/v1/residents/{person.atena_no}")
    assert r.status_code == 403 and r.json()["detail"]["code"] == "support_measure"
    params = {"release_measure_id": "SM-TEST-1", "release_reason": "本人確認済み"}
    assert city_clerk.get(f"/api/v1/residents/{person.atena_no}", params=params).status_code == 403
    assert city_supervisor.get(f"/api/v1/residents/{person.atena_no}", params=params).status_code == 200
    req = {"request": self_request(person.atena_no)}
    r = city_clerk.post("/api/v1/issuances", json=req)
    assert r.status_code == 409 and r.json()["detail"]["decision"]["outcome"] == "needs_release"
    release = {"measure_id": "SM-TEST-1", "reason": "本人が窓口で確認済み"}
    assert city_clerk.post("/api/v1/issuances", json={**req, "release": release}).status_code == 403
    assert city_supervisor.post("/api/v1/issuances", json={**req, "release": {**release, "reason": " "}}).status_code == 422
    assert counts(factory) == (0, 0)
    r = city_supervisor.post("/api/v1/issuances", json={**req, "release": release})
    assert r.status_code == 201, r.text
    with factory() as s:
        row = s.scalars(select(Issuance)).one()
        assert row.release_measure_ids == "SM-TEST-1" and row.release_reason == "本人が窓口で確認済み"


def test_serial_leases_share_the_issue_counter(city_clerk: Any, factory: Any) -> None:
    person = pick_residents(factory, CITY_CODE)[0]
    lease = city_clerk.post("/api/v1/serials/lease", json={"size": 50})
    assert lease.status_code == 201
    assert (lease.json()["first"], lease.json()["last"]) == (1, 50)
    r = city_clerk.post("/api/v1/issuances", json={"request": self_request(person.atena_no)})
    assert r.json()["issue_numbers"][0].endswith(" 051")
    back = city_clerk.post(f"/api/v1/serials/leases/{lease.json()['lease_id']}/return", json={"unused": [[41, 50]]})
    assert back.status_code == 200 and back.json()["status"] == "returned" and back.json()["unused"] == [[41, 50]]
    bad = city_clerk.post(f"/api/v1/serials/leases/{lease.json()['lease_id']}/return", json={"unused": []})
    assert bad.status_code == 409


def test_enroll_terminal_publishes_its_key(server: Any) -> None:
    import base64

    from client.certificate.signing import generate_keypair, key_id_for

    admin = login(server.base_url, CITY_CODE, "admin1", terminal_id="")
    _priv, pub = generate_keypair()
    r = admin.post("/api/v1/terminals/enroll", json={"terminal_name": "支所1", "public_key_b64": base64.b64encode(pub).decode()})
    assert r.status_code == 201, r.text
    tid = r.json()["terminal_id"]
    keys = admin.get("/api/v1/keys").json()["keys"]
    assert {"kind": "terminal", "terminal_id": tid, "key_id": key_id_for(pub)}.items() <= next(
        k for k in keys if k.get("terminal_id") == tid).items()
    clerk = login(server.base_url, CITY_CODE, "clerk1", terminal_id=tid)
    assert clerk.get("/api/v1/municipality").json()["code"] == CITY_CODE
    bad = admin.post("/api/v1/terminals/enroll", json={"terminal_name": "x", "public_key_b64": "AAAA"})
    assert bad.status_code == 422


def test_expired_leases_are_closed_when_the_terminal_leases_again(city_clerk: Any, factory: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from server_stub.models import SerialLease

    first = city_clerk.post("/api/v1/serials/lease", json={"size": 10}).json()
    with factory() as s:
        s.execute(update(SerialLease).where(SerialLease.lease_id == first["lease_id"])
                  .values(expires_at=datetime.now(UTC) - timedelta(hours=1)))
        s.commit()
    listed = {x["lease_id"]: x for x in city_clerk.get("/api/v1/serials/leases").json()["leases"]}
    assert listed[first["lease_id"]]["status"] == "expired"
    second = city_clerk.post("/api/v1/serials/lease", json={"size": 10}).json()
    assert second["first"] == first["last"] + 1
    with factory() as s:
        assert s.get(SerialLease, first["lease_id"]).status == "expired"
        assert s.get(SerialLease, second["lease_id"]).status == "active"
