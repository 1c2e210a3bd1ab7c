"""Issue 16 rules decided by the server, through the real API over HTTP (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select

from server_stub.db import begin_write
from server_stub.models import Issuance, Resident
from server_stub.register.writes import add_support_measure
from tests.integration.conftest import CITY_CODE
from tests.integration.helpers import counts, pick_residents


def _two_member_household(factory: Any, exclude: set[str]) -> list[Resident]:
    with factory() as s:
        sizes = (select(Resident.household_no).where(Resident.municipality_code == CITY_CODE,
                                                     Resident.status == "resident")
                 .group_by(Resident.household_no).having(func.count() >= 2))
        rows = s.scalars(select(Resident).where(Resident.municipality_code == CITY_CODE,
                                                Resident.household_no.in_(sizes), Resident.status == "resident")
                         .order_by(Resident.household_no, Resident.atena_no)).all()
    for row in rows:
        if row.household_no in exclude:
            continue
        members = [r for r in rows if r.household_no == row.household_no]
        return members
    raise AssertionError("no household with two members")


def _protect_from(factory: Any, victim: Resident, perp: Resident, name_as_written: str) -> None:
    with factory() as s:
        begin_write(s)
        add_support_measure(s, CITY_CODE, measure_id="SM-PERP-1", protected=[victim.atena_no],
                            now=datetime.now(UTC), perpetrator_names=[name_as_written],
                            perpetrator_births=[perp.birth], perpetrator_atena_nos=[perp.atena_no],
                            start=date(2026, 1, 1), end=date(2099, 12, 31))
        s.commit()


def _third_party(name: str, **kw: Any) -> dict[str, Any]:
    return {"kind": "third_party", "name": name, "identity_document": "drivers_license",
            "purpose": "債権回収のため", "address": "大阪府大阪市北区梅田1-1-1", **kw}


def test_perpetrator_variants_household_and_client_are_refused_through_the_api(
        city_supervisor: Any, factory: Any) -> None:
    victim = pick_residents(factory, CITY_CODE)[0]
    perp, housemate = _two_member_household(factory, {victim.household_no})[:2]
    # the 加害者's name as the victim wrote it: one character off (籐 for 藤 and the like)
    written = perp.name.replace("藤", "籐") if "藤" in perp.name else perp.name.replace(" ", "\u3000")
    _protect_from(factory, victim, perp, written)
    release = {"measure_id": "SM-PERP-1", "reason": "窓口で事情を確認済み"}
    variant_name = perp.name.replace("藤", "籐").replace("高", "髙")
    cases = {
        "variant name": _third_party(variant_name),
        "name with birth": _third_party(perp.name, birth=perp.birth),
        "household member": _third_party(housemate.name, birth=housemate.birth),
        "household member by atena": _third_party("別名", requester_atena_no=housemate.atena_no),
        "client of a 弁護士": {"kind": "professional", "name": "弁護 士郎", "identity_document": "official_id",
                             "purpose": "訴訟のため", "qualification": "弁護士", "registration_no": "12345",
                             "client_name": variant_name, "client_birth": perp.birth},
    }
    for label, requester in cases.items():
        body = {"request": {"cert_type": "juminhyo", "subject_atena_no": victim.atena_no, "requester": requester},
                "release": release}
        r = city_supervisor.post("/api/v1/issuances", json=body)
        assert r.status_code == 409, (label, r.text)
        codes = [x["code"] for x in r.json()["detail"]["decision"]["reasons"]]
        assert "support_measure_perpetrator" in codes, (label, codes)
        assert r.json()["detail"]["decision"]["outcome"] == "deny", label
    assert counts(factory) == (0, 0)
    # a namesake with another birth date is not the 加害者: the release lets it through
    other = _third_party(perp.name, birth="1901-01-01")
    r = city_supervisor.post("/api/v1/issuances", json={"request": {
        "cert_type": "juminhyo", "subject_atena_no": victim.atena_no, "requester": other}, "release": release})
    assert r.status_code == 201, r.text
    with factory() as s:
        row = s.scalars(select(Issuance)).one()
        assert json.loads(row.request_json)["requester"]["address"] == "大阪府大阪市北区梅田1-1-1"


def _req(atena_no: str, requester: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {"request": {"cert_type": "juminhyo", "subject_atena_no": atena_no, "requester": requester, **kw}}


def test_my_number_is_never_stored_and_agents_get_it_by_post_only(city_clerk: Any, factory: Any) -> None:
    from server_stub.models import AccessLogEntry, IssuedCopy

    person = pick_residents(factory, CITY_CODE)[0]
    assert person.my_number
    me = {"kind": "self", "name": person.name, "identity_document": "my_number_card",
          "requester_atena_no": person.atena_no}
    r = city_clerk.post("/api/v1/issuances", json=_req(person.atena_no, me, items=["my_number"]))
    assert r.status_code == 201, r.text
    printed = r.json()["certificates"][0]["content"]["persons"][0]
    assert printed["my_number"] == person.my_number  # printed on the certificate itself
    # 任意代理人: refused at the counter, offered (and accepted) by post to the subject's address
    agent = {"kind": "agent", "name": "代理 花子", "identity_document": "drivers_license",
             "has_power_of_attorney": True, "acting_for_atena_no": person.atena_no}
    r = city_clerk.post("/api/v1/issuances", json=_req(person.atena_no, agent, items=["my_number"]))
    assert r.status_code == 409
    assert [x["code"] for x in r.json()["detail"]["decision"]["reasons"]] == ["agent_my_number_counter"]
    r = city_clerk.post("/api/v1/issuances", json=_req(person.atena_no, agent, items=["my_number"],
                                                        deliver_by_post=True))
    assert r.status_code == 201, r.text
    warning = r.json()["decision"]["reasons"][0]
    assert warning["code"] == "agent_my_number_by_post" and person.address in warning["message_ja"]
    # 公用 needs the 番号法19条 basis, which is kept with the request
    official = {"kind": "official", "agency": "桜ヶ丘年金事務所"}
    r = city_clerk.post("/api/v1/issuances", json=_req(person.atena_no, official, items=["my_number"]))
    assert r.status_code == 409
    assert "official_my_number_basis_missing" in [x["code"] for x in r.json()["detail"]["decision"]["reasons"]]
    basis = "番号法19条8号・別表 年金に関する事務"
    r = city_clerk.post("/api/v1/issuances", json=_req(person.atena_no, {**official, "legal_basis": basis},
                                                        items=["my_number"]))
    assert r.status_code == 201, r.text
    history = city_clerk.get("/api/v1/issuances", params={"atena_no": person.atena_no}).json()["issuances"]
    assert [h["delivery"] for h in history].count("post") == 1
    assert all("my_number" in h["printed_items"] for h in history)
    with factory() as s:
        rows = s.scalars(select(Issuance)).all()
        assert len(rows) == 3
        stored = " ".join(f"{r.content_json} {r.request_json} {r.printed_items}" for r in rows)
        stored += " ".join(f"{c.qr_token} {c.content_digest}" for c in s.scalars(select(IssuedCopy)))
        stored += " ".join(e.detail_json + e.subject for e in s.scalars(select(AccessLogEntry)))
        assert person.my_number not in stored
        for row in rows:
            persons = json.loads(row.content_json)["persons"]
            assert persons[0]["my_number"] == "" and persons[0]["extra"]["my_number_printed"] == "1"
        assert basis in " ".join(r.request_json for r in rows)


def test_search_finds_the_alias_and_alphabet_names_in_any_case_and_by_given_name(
        city_clerk: Any, factory: Any) -> None:
    from sqlalchemy import update

    from client.domain.search_query import name_search_key

    person = pick_residents(factory, CITY_CODE, is_foreign=True)[0]
    with factory() as s:  # as the seed and the layout import store them
        begin_write(s)
        s.execute(update(Resident).where(Resident.id == person.id).values(
            name="SMITH JOHN", name_key=name_search_key("SMITH JOHN"), alias="須美\u3000丈",
            alias_key=name_search_key("須美\u3000丈")))
        s.commit()

    def found(q: str) -> list[str]:
        r = city_clerk.get("/api/v1/residents/search", params={"q": q})
        assert r.status_code == 200, r.text
        return [hit["atena_no"] for hit in r.json()["results"]]

    for q in ("須美 丈", "須美丈", "須美", "SMITH JOHN", "smith", "Smith John", "john", "JOHN"):
        assert person.atena_no in found(q), q
    assert person.atena_no not in found("jones")
    # an impossible 和暦 date: the clerk is told the likely date, nothing is searched as an address
    body = city_clerk.get("/api/v1/residents/search", params={"q": "平成31年5月1日"}).json()
    assert body["results"] == [] and "令和元年5月1日" in body["error"], body


def test_johyo_requesters_and_retention_through_the_api(city_clerk: Any, factory: Any) -> None:
    from server_stub.register.writes import mark_removed

    head, member = _two_member_household(factory, set())[:2]
    now = datetime.now(UTC)
    with factory() as s:
        begin_write(s)
        mark_removed(s, CITY_CODE, head.atena_no, status="deceased", removed_on=date(2025, 5, 1), reason="死亡", now=now)
        mark_removed(s, CITY_CODE, member.atena_no, status="moved_out", removed_on=date(2014, 6, 19), reason="転出",
                     now=now)
        s.commit()

    def codes(atena_no: str, requester: dict[str, Any]) -> tuple[int, list[str]]:
        r = city_clerk.post("/api/v1/issuances", json={"request": {
            "cert_type": "johyo", "subject_atena_no": atena_no, "requester": requester}})
        if r.status_code == 201:
            return 201, []
        return r.status_code, [x["code"] for x in r.json()["detail"]["decision"]["reasons"]]

    me = {"kind": "self", "name": head.name, "identity_document": "drivers_license"}
    assert codes(head.atena_no, me) == (409, ["johyo_deceased_self"])
    housemate = {"kind": "household", "name": member.name, "identity_document": "drivers_license",
                 "requester_atena_no": member.atena_no}
    assert codes(head.atena_no, housemate) == (409, ["johyo_former_household"])
    heir = _third_party(member.name, requester_atena_no=member.atena_no, purpose="相続手続のため")
    assert codes(head.atena_no, heir) == (201, [])
    status, reasons = codes(member.atena_no, {"kind": "self", "name": member.name,
                                              "identity_document": "drivers_license"})
    assert status == 409 and reasons == ["johyo_discarded"]


def test_support_measure_alerts_for_the_supervisor(city_clerk: Any, city_supervisor: Any, factory: Any) -> None:
    from datetime import timedelta

    from server_stub.clock import now_jst

    victim = pick_residents(factory, CITY_CODE)[0]
    today = now_jst().date()
    with factory() as s:
        begin_write(s)
        add_support_measure(s, CITY_CODE, measure_id="SM-ENDING", protected=[victim.atena_no], now=datetime.now(UTC),
                            start=today - timedelta(days=350), end=today + timedelta(days=10))
        add_support_measure(s, CITY_CODE, measure_id="SM-ENDED", protected=[victim.atena_no], now=datetime.now(UTC),
                            start=today - timedelta(days=370), end=today - timedelta(days=5))
        s.commit()
    assert city_clerk.get("/api/v1/support-measures/alerts").status_code == 403
    body = city_supervisor.get("/api/v1/support-measures/alerts").json()
    kinds = {a["measure_id"]: a["kind"] for a in body["alerts"]}
    assert kinds.get("SM-ENDING") == "ending" and kinds.get("SM-ENDED") == "ended"


def test_demo_tax_figures_follow_the_tables(factory: Any) -> None:
    from client.domain.tax import per_capita_levy, salary_income
    from server_stub.models import TaxSummary

    with factory() as s:
        rows = s.scalars(select(TaxSummary).where(TaxSummary.municipality_code == CITY_CODE)).all()
    assert rows
    for t in rows:
        b = json.loads(t.breakdown_json)
        assert t.total_income == salary_income(t.salary_income, t.tax_year - 1) + b.get("pension_income", 0)
        assert t.deductions == b["social_insurance"] + b["basic"] + b.get("dependents_deduction", 0)
        if t.municipal_tax:
            local, pref = per_capita_levy(t.tax_year)
            assert t.municipal_tax == b["municipal_income_levy"] + local
            assert t.prefectural_tax == b["prefectural_income_levy"] + pref


def test_demo_households_have_distinct_given_names(factory: Any) -> None:
    from collections import defaultdict

    with factory() as s:
        rows = s.execute(select(Resident.municipality_code, Resident.household_no, Resident.name)).all()
    given: dict[tuple[str, str], list[str]] = defaultdict(list)
    for code, household_no, name in rows:
        given[(code, household_no)].append(name.replace("\u3000", " ").split(" ")[-1])
    assert given and all(len(v) == len(set(v)) for v in given.values())
