"""Qt-free parts of the counter services: the issuance form state, the idle lock, error mapping, routing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from client.domain.model import (
    CertificateType,
    IdentityDocument,
    JuminhyoItem,
    Layout,
    RequesterKind,
    Resident,
    Sex,
)
from client.domain.partial_date import PartialDate
from client.services.backend import BackendRouter
from client.services.errors import (
    ConfigurationError,
    NotFoundError,
    PermissionDeniedError,
    ProtectedResidentError,
    RejectedError,
    SessionExpiredError,
)
from client.services.idle_lock import IdleLockPolicy
from client.services.issuance_form import IssuanceForm
from client.services.online_api import check_url, error_for_response


def _person(atena: str, relation: str, head: bool = False, year: int = 1980) -> Resident:
    return Resident(atena, "H1", f"氏名{atena}", "カナ", PartialDate(year, 1, 1), Sex.FEMALE, relation, head,
                    "本町1-1")


HEAD = _person("0000000019", "世帯主", True, 1970)
WIFE = _person("0000000027", "妻", year=1972)
CHILD = _person("0000000035", "子", year=2005)


def test_form_builds_the_request_the_clerk_chose() -> None:
    form = IssuanceForm(subject=WIFE, household=(HEAD, WIFE, CHILD))
    assert form.to_request().member_atena_nos == (WIFE.atena_no,)
    form.set_member(CHILD.atena_no, True)
    req = form.to_request()
    assert req.member_atena_nos == (WIFE.atena_no, CHILD.atena_no)  # household order kept
    assert not req.whole_household and req.layout is Layout.RENKI
    form.set_member(HEAD.atena_no, True)
    assert form.whole_household  # every member chosen = 世帯全員
    form.set_member(WIFE.atena_no, False)  # the subject cannot be taken off
    assert WIFE.atena_no in form.chosen_members
    form.set_whole_household(False)
    assert form.chosen_members == {WIFE.atena_no}

    form.set_item(JuminhyoItem.HONSEKI, True)
    form.cert_type = CertificateType.INKAN
    req = form.to_request()
    assert req.items == frozenset() and req.member_atena_nos == (WIFE.atena_no,)  # no options on 印鑑証明
    assert form.needs_card_no and not form.shows_members


def test_form_shows_only_the_inputs_that_apply() -> None:
    form = IssuanceForm(subject=HEAD, household=(HEAD,))
    assert not form.needs_purpose and not form.needs_requester_name and not form.shows_members
    form.requester_kind = RequesterKind.THIRD_PARTY
    form.purpose = "  債権回収  "
    form.requester_name = "第三 者"
    assert form.needs_purpose and form.needs_requester_name and not form.needs_power_of_attorney
    r = form.to_request().requester
    assert r.purpose == "債権回収" and r.name == "第三 者" and r.requester_atena_no is None
    form.requester_kind = RequesterKind.AGENT
    form.has_power_of_attorney = True
    r = form.to_request().requester
    assert r.purpose == "" and r.has_power_of_attorney and r.acting_for_atena_no == HEAD.atena_no
    form.requester_kind = RequesterKind.SELF
    form.identity_document = IdentityDocument.PASSPORT
    r = form.to_request().requester
    assert r.name == HEAD.name and r.requester_atena_no == HEAD.atena_no and not r.has_power_of_attorney
    form.copies = 0
    assert form.to_request().copies == 1


def test_idle_lock_policy() -> None:
    policy = IdleLockPolicy(timeout_seconds=300, last_activity=0)
    assert not policy.should_lock(299)
    policy.touch(200)
    assert not policy.should_lock(499) and policy.should_lock(500)
    policy.lock()
    policy.touch(600)  # input while locked does not count
    assert policy.locked and not policy.should_lock(10_000)
    policy.unlock(700)
    assert not policy.locked and policy.seconds_left(800) == 200
    assert not IdleLockPolicy(timeout_seconds=0).should_lock(1e9)  # 0 disables


def _response(status: int, body: Any) -> httpx.Response:
    return httpx.Response(status, json=body, request=httpx.Request("GET", "https://dc.example/api/v1/x"))


@pytest.mark.parametrize(
    ("status", "detail", "expected"),
    [
        (401, {"code": "token_expired"}, SessionExpiredError),
        (403, {"code": "support_measure", "message_ja": "支援措置", "measure_ids": ["SM1"]}, ProtectedResidentError),
        (403, {"code": "forbidden_role", "message_ja": "権限"}, PermissionDeniedError),
        (404, {"code": "not_found"}, NotFoundError),
        (409, {"code": "deny", "message_ja": "交付できません"}, RejectedError),
        (500, "boom", RejectedError),
    ],
)
def test_http_errors_become_errors_the_clerk_can_act_on(status: int, detail: Any, expected: type) -> None:
    err = error_for_response(_response(status, {"detail": detail}))
    assert type(err) is expected
    assert err.message_ja  # always something to show
    assert f"HTTP {status}" in err.message_en
    if isinstance(err, ProtectedResidentError):
        assert err.measure_ids == ("SM1",)


def test_a_refusal_that_is_not_our_error_body_still_says_what_happened() -> None:
    request = httpx.Request("POST", "https://dc.example/api/v1/issuances")
    proxy_page = error_for_response(httpx.Response(502, text="<html>Bad Gateway</html>", request=request))
    assert type(proxy_page) is RejectedError and "サーバーでエラー" in proxy_page.message_ja
    assert proxy_page.message_en == "POST /api/v1/issuances -> HTTP 502: <html>Bad Gateway</html>"
    refused = error_for_response(httpx.Response(
        409, json={"detail": {"code": "deny", "message_ja": "交付できません", "message_en": "denied"}}, request=request))
    assert (refused.message_ja, refused.message_en) == ("交付できません", "POST /api/v1/issuances -> HTTP 409: denied")


def test_urls_https_or_loopback_only() -> None:
    assert check_url("https://dc.example.jp/") == "https://dc.example.jp"
    assert check_url("http://127.0.0.1:8765") == "http://127.0.0.1:8765"
    for bad in ("http://dc.example.jp", "ftp://127.0.0.1", "127.0.0.1:8765"):
        with pytest.raises(ConfigurationError):
            check_url(bad)


def test_router_switches_backends_by_mode() -> None:
    online, bcp = object(), object()
    router = BackendRouter(online)  # type: ignore[arg-type]
    assert router.current is online and router.mode == "online"
    with pytest.raises(ConfigurationError):
        router.use("bcp")
    router.register("bcp", bcp)  # type: ignore[arg-type]
    router.use("bcp")
    assert router.current is bcp and router.mode == "bcp"


def test_a_household_member_at_the_counter_is_chosen_from_the_household() -> None:
    form = IssuanceForm(subject=CHILD, household=(HEAD, WIFE, CHILD))
    form.requester_kind = RequesterKind.HOUSEHOLD
    assert form.needs_household_requester and not form.needs_requester_name
    assert [m.atena_no for m in form.household_requesters] == [HEAD.atena_no, WIFE.atena_no]
    form.choose_household_requester(WIFE.atena_no)
    r = form.to_request().requester
    assert r.requester_atena_no == WIFE.atena_no and r.name == WIFE.name
    form.requester_kind = RequesterKind.AGENT  # an agent is not a household member here
    assert form.to_request().requester.requester_atena_no is None


def test_an_enrolled_terminal_signs_in_as_enrolled(tmp_path: Any) -> None:
    from client.composition.counter_service import build_counter_service
    from client.lifecycle.config import ClientConfig
    from client.lifecycle.enrollment import Enrolment

    configured = ClientConfig(server_url="https://dc.example.jp", municipality_code="132403", terminal_id="T009",
                              data_dir=tmp_path)
    assert build_counter_service(configured).terminal_id == "T009"
    Enrolment("113905", "T002", "本庁2", "k1", "https://dc.example.jp", None, "2026-11-23T00:00:00+00:00",
              "admin1").save(tmp_path)
    service = build_counter_service(ClientConfig(data_dir=tmp_path))
    assert (service.municipality_code, service.terminal_id) == ("113905", "T002")
    with pytest.raises(ConfigurationError):
        build_counter_service(ClientConfig(data_dir=tmp_path / "nowhere"))


def test_status_column_shows_the_strongest_flag() -> None:
    from client.services.records import ResidentSummary

    base = {"atena_no": "0000000019", "name": "山田", "kana": "ヤマダ", "birth": "1980-01-02", "address": "x",
            "status": "resident"}
    assert ResidentSummary.from_dict(base).status_text == "住民"
    assert ResidentSummary.from_dict({**base, "status": "moved_out"}).status_text == "転出(除票)"
    alert = {**base, "flags": {"support_measure": False, "suppressions": [{"process": "hakko", "level": "alert"}]}}
    assert ResidentSummary.from_dict(alert).status_text == "抑止(警告)"
    error = {**base, "flags": {"support_measure": False, "suppressions": [{"process": "hakko", "level": "error"}]}}
    assert ResidentSummary.from_dict(error).status_text == "発行抑止"
    both = {**base, "flags": {"support_measure": True, "suppressions": [{"process": "hakko", "level": "error"}]}}
    assert ResidentSummary.from_dict(both).status_text == "支援措置"
