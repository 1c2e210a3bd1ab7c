"""check_access (照会) and the fail-closed properties of the rule engine."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from _domain_factories import NOW, context, request
from hypothesis import given, settings
from hypothesis import strategies as st
from test_domain_rules import (
    CHILD,
    FAMILY,
    HEAD,
    OUTSIDER,
    SEAL,
    TAX,
    WIFE,
    agent,
    household_req,
    measure,
    official,
    pro,
    suppression,
    third,
)

from client.domain import reasons as R
from client.domain.blocks import check_access, is_blocked
from client.domain.model import (
    CertificateType,
    JuminhyoItem,
    Mode,
    Outcome,
    Process,
    SupportRelease,
    SuppressionLevel,
)
from client.domain.rules import evaluate


def codes(reasons) -> set[str]:  # type: ignore[no-untyped-def]
    return {r.code for r in reasons}


def test_access_free() -> None:
    assert check_access(HEAD.atena_no, FAMILY, (), (), (), NOW) == ()


def test_access_to_a_protected_person_is_refused_until_released() -> None:
    m = (measure(HEAD.atena_no),)
    blocked = check_access(HEAD.atena_no, FAMILY, m, (), (), NOW)
    assert codes(blocked) == {R.SUPPORT_MEASURE} and is_blocked(blocked)
    released = check_access(HEAD.atena_no, FAMILY, m, (), (SupportRelease("SM-1", "係長", "本人確認済"),), NOW)
    assert codes(released) == {R.SUPPORT_MEASURE_RELEASED} and not is_blocked(released)


def test_access_to_a_co_resident_of_a_protected_person_is_refused() -> None:
    blocked = check_access(CHILD.atena_no, FAMILY, (measure(WIFE.atena_no),), (), (), NOW)
    assert codes(blocked) == {R.SUPPORT_MEASURE}


def test_access_in_bcp_is_refused_even_when_released() -> None:
    rel = (SupportRelease("SM-1", "係長", "本人確認済"),)
    blocked = check_access(HEAD.atena_no, FAMILY, (measure(HEAD.atena_no),), (), rel, NOW, mode=Mode.BCP)
    assert codes(blocked) == {R.SUPPORT_MEASURE_BCP}


def test_access_measure_for_issuance_only_does_not_block_viewing() -> None:
    m = (measure(HEAD.atena_no, processes=(Process.HAKKO,)),)
    assert check_access(HEAD.atena_no, FAMILY, m, (), (), NOW) == ()
    assert codes(check_access(HEAD.atena_no, FAMILY, m, (), (), NOW, Process.HAKKO)) == {R.SUPPORT_MEASURE}


def test_access_suppressions() -> None:
    err = suppression(process=Process.SHOKAI)
    alert = suppression(process=Process.SHOKAI, level=SuppressionLevel.ALERT)
    hakko = suppression(process=Process.HAKKO)
    assert codes(check_access(HEAD.atena_no, FAMILY, (), (err,), (), NOW)) == {R.SUPPRESSED}
    warn = check_access(HEAD.atena_no, FAMILY, (), (alert,), (), NOW)
    assert codes(warn) == {R.SUPPRESSION_ALERT} and not is_blocked(warn)
    assert check_access(HEAD.atena_no, FAMILY, (), (hakko,), (), NOW) == ()
    household = suppression(process=Process.SHOKAI, atena_no=None, household_no=HEAD.household_no)
    assert codes(check_access(CHILD.atena_no, FAMILY, (), (household,), (), NOW)) == {R.SUPPRESSED}
    assert codes(check_access(CHILD.atena_no, (), (), (household,), (), NOW,
                              subject_household_no=HEAD.household_no)) == {R.SUPPRESSED}
    relocked = suppression(process=Process.SHOKAI, released_until=NOW - timedelta(minutes=1))
    assert codes(check_access(HEAD.atena_no, FAMILY, (), (relocked,), (), NOW)) == {R.SUPPRESSED}
    released = suppression(process=Process.SHOKAI, released_until=NOW + timedelta(minutes=1))
    assert check_access(HEAD.atena_no, FAMILY, (), (released,), (), NOW) == ()


def test_access_for_an_outsider_is_not_affected() -> None:
    assert check_access(OUTSIDER.atena_no, (OUTSIDER,), (measure(HEAD.atena_no),), (suppression(),), (), NOW) == ()


# --- properties: fail closed ---------------------------------------------------------------------

requesters = st.sampled_from([None, "agent", "third", "pro", "official", "household"])
certs = st.sampled_from(list(CertificateType))
items = st.frozensets(st.sampled_from(list(JuminhyoItem)))
members = st.sampled_from([m.atena_no for m in FAMILY])


def _requester(name: str | None):  # type: ignore[no-untyped-def]
    return {
        None: None, "agent": agent(), "third": third(), "pro": pro(), "official": official(),
        "household": household_req(),
    }[name]


@settings(max_examples=150, deadline=None)
@given(requesters, certs, items, members, st.booleans(), st.sampled_from(list(Mode)), st.booleans())
def test_a_protected_household_is_never_issued_for_without_release(
    who, cert, chosen, protected, whole, mode, provisional
) -> None:  # type: ignore[no-untyped-def]
    req_kw = dict(cert_type=cert, items=chosen, whole_household=whole, tax_year=2026, inkan_card_no="C-0012345")
    requester = _requester(who)
    if requester is not None:
        req_kw["requester"] = requester
    m = measure(protected, provisional=provisional, start=None if provisional else date(2026, 4, 1))
    ctx = context(HEAD, FAMILY, mode=mode, replica_as_of=NOW - timedelta(minutes=1), seal=SEAL, tax=TAX,
                  support_measures=(m,))
    decision = evaluate(request(HEAD, **req_kw), ctx)
    assert decision.outcome is not Outcome.ALLOW
    assert decision.content is None
    if mode is Mode.BCP:
        assert decision.outcome is Outcome.DENY
    # a release never helps in BCP mode, nor for an agent in the protected person's own name
    released = evaluate(request(HEAD, **req_kw), replace(ctx, releases=(SupportRelease("SM-1", "係長", "確認"),)))
    if mode is Mode.BCP or (who == "agent" and protected == HEAD.atena_no):
        assert released.outcome is Outcome.DENY
    if released.outcome is Outcome.ALLOW:
        assert R.SUPPORT_MEASURE_RELEASED in codes(released.reasons)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["third", "pro"]), certs, items, st.booleans(), st.sampled_from(list(Mode)))
def test_third_parties_never_get_numbers(who, cert, chosen, whole, mode) -> None:  # type: ignore[no-untyped-def]
    req = request(HEAD, cert_type=cert, items=chosen, whole_household=whole, requester=_requester(who),
                  tax_year=2026, inkan_card_no="C-0012345")
    decision = evaluate(req, context(HEAD, FAMILY, mode=mode, replica_as_of=NOW, seal=SEAL, tax=TAX))
    if decision.content is not None:
        assert all(p.my_number == "" and p.juminhyo_code == "" for p in decision.content.persons)


@settings(max_examples=150, deadline=None)
@given(certs, items, st.booleans())
def test_bcp_never_prints_numbers(cert, chosen, whole) -> None:  # type: ignore[no-untyped-def]
    req = request(HEAD, cert_type=cert, items=chosen, whole_household=whole, tax_year=2026, inkan_card_no="C-0012345")
    decision = evaluate(req, context(HEAD, FAMILY, mode=Mode.BCP, replica_as_of=NOW, seal=SEAL, tax=TAX))
    if decision.content is not None:
        assert all(p.my_number == "" and p.juminhyo_code == "" for p in decision.content.persons)
        assert JuminhyoItem.MY_NUMBER.value not in decision.content.printed_items


@settings(max_examples=100, deadline=None)
@given(certs, items, st.booleans(), requesters)
def test_online_and_bcp_agree_when_numbers_are_not_asked(cert, chosen, whole, who) -> None:  # type: ignore[no-untyped-def]
    chosen = chosen - {JuminhyoItem.MY_NUMBER, JuminhyoItem.JUMINHYO_CODE}
    kw = dict(cert_type=cert, items=chosen, whole_household=whole, tax_year=2026, inkan_card_no="C-0012345")
    if who is not None:
        kw["requester"] = _requester(who)
    req = request(HEAD, **kw)
    online = evaluate(req, context(HEAD, FAMILY, seal=SEAL, tax=TAX))
    offline = evaluate(req, context(HEAD, FAMILY, mode=Mode.BCP, replica_as_of=NOW, seal=SEAL, tax=TAX))
    assert online.outcome is offline.outcome
    assert codes(online.reasons) == codes(offline.reasons)
    if online.content is not None and offline.content is not None:
        assert replace(offline.content, mode=Mode.ONLINE, data_as_of=None) == online.content


# --- 支援措置 periods ----------------------------------------------------------------------------

def test_measure_period_is_one_year() -> None:
    from client.domain.blocks import default_measure_end

    assert default_measure_end(date(2020, 4, 1)) == date(2021, 3, 31)  # R2.4.1 → R3.3.31
    assert default_measure_end(date(2024, 2, 29)) == date(2025, 2, 28)
    assert default_measure_end(date(2026, 1, 1)) == date(2026, 12, 31)


def test_measure_extension_window() -> None:
    from client.domain.blocks import can_extend, extension_opens_on

    m = measure(HEAD.atena_no, start=date(2020, 4, 1), end=date(2021, 3, 31))
    assert extension_opens_on(date(2021, 3, 31)) == date(2021, 2, 28)
    assert extension_opens_on(date(2021, 1, 15)) == date(2020, 12, 15)
    assert not can_extend(m, date(2021, 2, 27))
    assert can_extend(m, date(2021, 2, 28))
    assert can_extend(m, date(2021, 3, 31))
    assert not can_extend(m, date(2021, 4, 1))
    assert not can_extend(measure(HEAD.atena_no, end=None), date(2021, 3, 31))
