"""CounterService against the real server (SQLite and PostgreSQL): the facade the GUI and CLI call."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from client.domain.model import (
    CertificateType,
    IdentityDocument,
    JuminhyoItem,
    Outcome,
    RequesterKind,
    SupportRelease,
)
from client.domain.partial_date import PartialDate
from client.domain.wareki import format_partial
from client.services.counter import CounterService
from client.services.errors import (
    ConfigurationError,
    PermissionDeniedError,
    ProtectedResidentError,
    SignInError,
)
from client.services.issuance_form import IssuanceForm
from tests.fixtures.counter_server import (
    CLERK,
    SUPERVISOR,
    make_service,
    pick_household_head,
    protect_resident,
    today_jst,
)


def _text(path: Path) -> str:
    return "".join("".join((p.extract_text() or "").split()) for p in PdfReader(str(path)).pages)


@pytest.fixture
def service(server: Any, tmp_path: Path) -> CounterService:
    svc = make_service(server.base_url, tmp_path / "out")
    svc.sign_in(*CLERK)
    return svc


def test_sign_in_refuses_a_wrong_password_in_japanese(server: Any, tmp_path: Path) -> None:
    svc = make_service(server.base_url, tmp_path)
    with pytest.raises(SignInError) as info:
        svc.sign_in("clerk1", "wrong")
    assert info.value.message_ja and all(ord(c) < 128 for c in info.value.message_en)
    assert not svc.signed_in
    session = svc.sign_in(*CLERK)
    assert session.user.user_id == "clerk1" and session.municipality.name == "桜ヶ丘市"
    assert svc.verify_password(CLERK[1]) and not svc.verify_password("clerk1PASS")


def test_search_by_hiragana_kanji_birth_date_and_atena(service: CounterService, seeded_db: str) -> None:
    picked = pick_household_head(seeded_db, min_members=1)
    detail = service.resident(picked.atena_no)
    r = detail.resident
    hiragana = "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in picked.kana)
    assert picked.atena_no in {x.atena_no for x in service.search(hiragana)}
    assert picked.atena_no in {x.atena_no for x in service.search(picked.name)}
    assert [x.atena_no for x in service.search(picked.atena_no)] == [picked.atena_no]
    assert r.birth.is_complete
    wareki = format_partial(r.birth)  # e.g. 昭和60年4月1日
    assert picked.atena_no in {x.atena_no for x in service.search(wareki)}
    b = r.birth
    assert picked.atena_no in {x.atena_no for x in service.search(f"{b.year}/{b.month}/{b.day}")}
    assert service.search("   ") == []
    # household in standard order with the head first
    assert detail.household[0].atena_no == picked.atena_no
    assert PartialDate.parse_str(b.to_str()) == b


def test_issue_void_reprint_and_day_close(service: CounterService, server: Any, seeded_db: str,
                                          tmp_path: Path) -> None:
    picked = pick_household_head(seeded_db, min_members=2)
    detail = service.resident(picked.atena_no)
    form = IssuanceForm(subject=detail.resident, household=detail.household)
    form.identity_document = IdentityDocument.MY_NUMBER_CARD
    form.set_whole_household(True)
    form.set_item(JuminhyoItem.HEAD_RELATION, True)
    form.copies = 2
    decision = service.evaluate(form.to_request())
    assert decision.outcome is Outcome.ALLOW, decision.reasons
    assert decision.fee_yen == 2 * 300

    outcome = service.issue(form.to_request())
    assert len(outcome.certificates) == 2
    numbers = [c.issue_number for c in outcome.certificates]
    assert len(set(numbers)) == 2
    for cert in outcome.certificates:
        text = _text(cert.pdf_path)
        assert "".join(detail.resident.name.split()) in text

    # an exempt 住民票 for 公用
    official = IssuanceForm(subject=detail.resident, household=detail.household)
    official.requester_kind = RequesterKind.OFFICIAL
    official.requester_name = "桜ヶ丘警察署"
    official.agency = "桜ヶ丘警察署"
    official.identity_document = IdentityDocument.OFFICIAL_ID
    official.purpose = "捜査"
    official.exemption_reason = "公用"
    exempt = service.evaluate(official.to_request())
    assert exempt.allowed, exempt.reasons
    service.issue(official.to_request())

    history = service.history()
    assert {h.issuance_id for h in history} >= {outcome.issuance_id}
    mine = [h for h in history if h.issuance_id == outcome.issuance_id][0]
    assert set(mine.issue_numbers) == set(numbers) and mine.copies == 2 and mine.user_id == "clerk1"

    # void needs a supervisor: the clerk alone is refused, a clerk as "supervisor" too
    with pytest.raises(PermissionDeniedError):
        service.void(outcome.issuance_id, "記載誤り")
    with pytest.raises(PermissionDeniedError):
        service.authorize_supervisor("clerk2", "clerk2pass")
    grant = service.authorize_supervisor(*SUPERVISOR)
    reprinted = service.reprint(outcome.issuance_id, "用紙詰まり", grant)
    assert len(reprinted.certificates) == 2
    assert not set(c.issue_number for c in reprinted.certificates) & set(numbers)
    assert all(c.pdf_path and c.pdf_path.exists() for c in reprinted.certificates)

    report, pdf = service.day_close_pdf()
    assert report.day == today_jst()
    # the original was voided by the reprint: live = the reprint (2 copies) + the 公用 one (1 copy)
    assert report.total_count == 2 and report.total_copies == 3 and report.voided_count == 1
    assert report.total_fee_yen == 600
    assert {r.key for r in report.by_exemption} == {"(有料)", "公用"}
    assert [r.key for r in report.by_terminal] == ["T001"]
    assert [(r.key, r.count) for r in report.by_mode] == [("オンライン", 2)]
    text = _text(pdf)
    assert "日計表" in text and "住民票の写し" in text and "公用" in text and "動作モード" in text

    service.void(reprinted.issuance_id, "交付取りやめ", grant)
    after = service.day_close()
    assert after.total_count == 1 and after.voided_count == 2


def test_support_measure_fails_closed_until_a_supervisor_releases(server: Any, seeded_db: str,
                                                                  tmp_path: Path) -> None:
    picked = pick_household_head(seeded_db, min_members=1)
    measure_id = protect_resident(seeded_db, picked.atena_no)
    service = make_service(server.base_url, tmp_path / "out")
    service.sign_in(*CLERK)
    hits = [r for r in service.search(picked.kana) if r.atena_no == picked.atena_no]
    assert hits and hits[0].protected and hits[0].address != ""
    with pytest.raises(ProtectedResidentError) as info:
        service.resident(picked.atena_no)
    assert "支援措置" in info.value.message_ja and measure_id in info.value.measure_ids

    form = IssuanceForm(subject=hits[0].as_resident())
    form.identity_document = IdentityDocument.MY_NUMBER_CARD
    decision = service.evaluate(form.to_request())
    assert decision.outcome is Outcome.NEEDS_RELEASE and measure_id in decision.release_measure_ids
    assert decision.content is None

    release = SupportRelease(measure_id, SUPERVISOR[0], "本人確認済み、加害者でないことを確認")
    # a release sent with the clerk's own session is refused by the server
    with pytest.raises(PermissionDeniedError):
        service.backend.evaluate(form.to_request(), release)
    grant = service.authorize_supervisor(*SUPERVISOR)
    assert service.evaluate(form.to_request(), release, grant).allowed
    outcome = service.issue(form.to_request(), release, grant)
    assert "".join(picked.name.split()) in _text(outcome.pdf_paths[0])


def test_seal_certificate_needs_the_card_number(service: CounterService, seeded_db: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(seeded_db)
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT s.atena_no, s.card_no FROM seal_registrations s JOIN residents r "
            "ON r.atena_no = s.atena_no AND r.municipality_code = s.municipality_code "
            "WHERE s.municipality_code = '132403' AND s.status = 'active' AND r.status = 'resident' "
            "AND s.atena_no NOT IN (SELECT atena_no FROM support_measure_persons) "
            "AND s.atena_no NOT IN (SELECT COALESCE(atena_no, '') FROM suppressions) "
            "AND r.household_no NOT IN (SELECT COALESCE(household_no, '') FROM suppressions) "
            "ORDER BY s.atena_no LIMIT 1")).one()
    engine.dispose()
    detail = service.resident(row.atena_no)
    form = IssuanceForm(subject=detail.resident, household=detail.household)
    form.cert_type = CertificateType.INKAN
    form.identity_document = IdentityDocument.DRIVERS_LICENSE
    assert form.needs_card_no and not form.shows_members
    form.inkan_card_no = "99999999" if row.card_no != "99999999" else "11111111"
    wrong = service.evaluate(form.to_request())
    assert not wrong.allowed and all(r.message_ja for r in wrong.reasons)
    form.inkan_card_no = row.card_no
    right = service.evaluate(form.to_request())
    assert right.allowed, right.reasons
    outcome = service.issue(form.to_request())
    assert "印鑑登録証明書" in _text(outcome.pdf_paths[0])


def test_plain_http_is_refused_except_to_loopback(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as info:
        make_service("http://madoguchi.example.jp:8443", tmp_path)
    assert "https" in info.value.message_ja


def test_a_dead_primary_fails_over_to_the_secondary_and_reports_line_events(server: Any, tmp_path: Path) -> None:
    from client.services.backend import BackendRouter, OnlineBackend
    from client.services.online_api import OnlineApi
    from tests.conftest import free_port
    from tests.fixtures.counter_server import CITY, TERMINAL

    dead = f"http://127.0.0.1:{free_port()}"
    api = OnlineApi([dead, server.base_url], connect_timeout=1.0)
    events: list[tuple[str, bool]] = []
    api.on_line_event = lambda base, ok: events.append((base, ok))
    svc = CounterService(BackendRouter(OnlineBackend(api)), municipality_code=CITY, terminal_id=TERMINAL,
                         out_dir=tmp_path)
    assert svc.sign_in(*CLERK).user.user_id == "clerk1"
    assert events[:2] == [(dead, False), (server.base_url, True)]
    assert api.active_url == server.base_url  # stays on the line that works
    svc.search("ア")
    assert events[-1] == (server.base_url, True)


def test_household_member_request_is_allowed_and_a_stranger_is_not(service: CounterService, seeded_db: str) -> None:
    picked = pick_household_head(seeded_db, min_members=2)
    detail = service.resident(picked.atena_no)
    form = IssuanceForm(subject=detail.resident, household=detail.household)
    form.requester_kind = RequesterKind.HOUSEHOLD
    form.identity_document = IdentityDocument.DRIVERS_LICENSE
    form.choose_household_requester(form.household_requesters[0].atena_no)
    assert service.evaluate(form.to_request()).allowed
    form.choose_household_requester(None)
    refused = service.evaluate(form.to_request())
    assert not refused.allowed and any("世帯" in r.message_ja for r in refused.reasons)


def test_tax_certificate_for_a_year_with_income_data(service: CounterService, seeded_db: str) -> None:
    head = pick_household_head(seeded_db, min_members=1)
    detail = service.resident(head.atena_no)
    if not detail.tax_years:
        head = pick_household_head(seeded_db, min_members=2)
        detail = service.resident(head.atena_no)
    assert detail.tax_years, "the seeded head of household has income data"
    form = IssuanceForm(subject=detail.resident, household=detail.household)
    form.cert_type = CertificateType.KAZEI
    form.identity_document = IdentityDocument.MY_NUMBER_CARD
    form.tax_year = detail.tax_years[0]
    assert form.needs_tax_year and not form.shows_items
    decision = service.evaluate(form.to_request())
    assert decision.allowed, decision.reasons
    outcome = service.issue(form.to_request())
    assert "課税" in _text(outcome.pdf_paths[0])
