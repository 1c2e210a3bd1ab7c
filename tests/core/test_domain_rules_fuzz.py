"""The rule engine never raises and its decisions are internally consistent, whatever it gets."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from _domain_factories import NOW, context, request
from hypothesis import given, settings
from hypothesis import strategies as st
from test_domain_rules import FAMILY, HEAD, MOVED, OUTSIDER, SEAL, TAX, measure, suppression

from client.domain import reasons as R
from client.domain.model import (
    CertificateType,
    IdentityDocument,
    JuminhyoItem,
    Layout,
    Mode,
    Outcome,
    Requester,
    RequesterKind,
    SupportRelease,
    SuppressionLevel,
)
from client.domain.partial_date import PartialDate
from client.domain.rules import evaluate

atenas = st.sampled_from([m.atena_no for m in FAMILY] + [OUTSIDER.atena_no, "0000000000"])
requesters = st.builds(
    Requester,
    kind=st.sampled_from(list(RequesterKind)),
    name=st.sampled_from(["", "山田 花子", "鈴木 一", "代理 人"]),
    identity_document=st.sampled_from(list(IdentityDocument)),
    has_power_of_attorney=st.booleans(),
    purpose=st.sampled_from(["", "相続手続"]),
    qualification=st.sampled_from(["", "司法書士"]),
    agency=st.sampled_from(["", "年金事務所"]),
    acting_for_atena_no=st.none() | atenas,
    requester_atena_no=st.none() | atenas,
    by_post=st.booleans(),
)
births = st.sampled_from([PartialDate(1850, 1, 1), PartialDate(None), PartialDate(1989), PartialDate(2019, 5, 1),
                          PartialDate(1955, approximate=True)])


@settings(max_examples=300, deadline=None)
@given(
    cert=st.sampled_from(list(CertificateType)),
    requester=requesters,
    items=st.frozensets(st.sampled_from(list(JuminhyoItem))),
    whole=st.booleans(),
    members=st.lists(atenas, max_size=3).map(tuple),
    layout=st.sampled_from(list(Layout)),
    copies=st.integers(-1, 25),
    tax_year=st.none() | st.integers(2019, 2028),
    exemption=st.sampled_from(["", "公用", "生活保護", "謎"]),
    mode=st.sampled_from(list(Mode)),
    age_hours=st.none() | st.floats(0, 200),
    moved=st.booleans(),
    birth=births,
    foreign=st.booleans(),
    protected=st.none() | atenas,
    released=st.booleans(),
    supp_level=st.none() | st.sampled_from(list(SuppressionLevel)),
    card=st.sampled_from(["", "C-0012345", "X"]),
)
def test_evaluate_is_total_and_consistent(  # type: ignore[no-untyped-def]
    cert, requester, items, whole, members, layout, copies, tax_year, exemption, mode, age_hours, moved,
    birth, foreign, protected, released, supp_level, card,
) -> None:
    subject = replace(MOVED if moved else HEAD, birth=birth, is_foreign=foreign)
    household = tuple(subject if m.atena_no == subject.atena_no else m for m in FAMILY)
    req = request(subject, cert_type=cert, requester=requester, items=items, whole_household=whole,
                  member_atena_nos=members, layout=layout, copies=copies, tax_year=tax_year,
                  exemption_reason=exemption, inkan_card_no=card)
    ctx = context(
        subject, household, mode=mode, seal=SEAL, tax=TAX,
        replica_as_of=None if age_hours is None else NOW - timedelta(hours=age_hours),
        support_measures=(measure(protected),) if protected else (),
        releases=(SupportRelease("SM-1", "係長", "確認"),) if released else (),
        suppressions=(suppression(level=supp_level, start=date(2026, 1, 1)),) if supp_level else (),
    )
    decision = evaluate(req, ctx)
    blocking = [r for r in decision.reasons if r.blocking]
    assert all(r.code in R.ALL_CODES for r in decision.reasons)
    if decision.outcome is Outcome.ALLOW:
        content = decision.content
        assert content is not None and not blocking
        assert decision.fee_yen == content.fee_yen * copies
        assert content.persons and all(p.birth_text for p in content.persons)
        if requester.kind in (RequesterKind.THIRD_PARTY, RequesterKind.PROFESSIONAL) or mode is Mode.BCP:
            assert all(not p.my_number and not p.juminhyo_code for p in content.persons)
        if mode is Mode.BCP:
            assert protected not in {m.atena_no for m in household} and supp_level is None
    else:
        assert decision.content is None and blocking
    if decision.outcome is Outcome.NEEDS_RELEASE:
        assert {r.code for r in blocking} == {R.SUPPORT_MEASURE} and decision.release_measure_ids == ("SM-1",)
        assert mode is Mode.ONLINE
