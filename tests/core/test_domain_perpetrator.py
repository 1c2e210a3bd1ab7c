"""加害者 matching for 支援措置 (issue 16): 宛名番号, folded name + birth date, household, 依頼者."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from _domain_factories import atena, context, family, request, resident

from client.domain import reasons as R
from client.domain.model import (
    IdentityDocument,
    Outcome,
    Requester,
    RequesterKind,
    SupportMeasure,
    SupportRelease,
)
from client.domain.name_match import PersonKey, identity_name_key
from client.domain.partial_date import PartialDate
from client.domain.rules import evaluate

FAMILY = family()
HEAD = next(r for r in FAMILY if r.is_head)
PERP_HOUSEHOLD = atena(700001)
PERP = resident(80, household_no=PERP_HOUSEHOLD, name="佐藤 健一", kana="サトウ ケンイチ",
                birth=PartialDate(1975, 3, 3), is_head=True, relation="世帯主")
PERP_MOTHER = resident(81, household_no=PERP_HOUSEHOLD, name="佐藤 トメ", kana="サトウ トメ",
                       birth=PartialDate(1948, 1, 1), relation="母")
RELEASE = (SupportRelease("SM-1", "支援 係長", "本人確認のうえ解除"),)


def measure(**kw: Any) -> SupportMeasure:
    base: dict[str, Any] = dict(measure_id="SM-1", protected_atena_nos=(HEAD.atena_no,),
                                perpetrator_names=("佐藤 健一",), perpetrator_births=(PartialDate(1975, 3, 3),),
                                start=date(2026, 4, 1), end=date(2027, 3, 31))
    base.update(kw)
    return SupportMeasure(**base)


def third(**kw: Any) -> Requester:
    base: dict[str, Any] = dict(kind=RequesterKind.THIRD_PARTY, name="債権 太郎", purpose="債権回収のため",
                                identity_document=IdentityDocument.DRIVERS_LICENSE, address="大阪府大阪市北区1-1")
    base.update(kw)
    return Requester(**base)


def decide(requester: Requester, m: SupportMeasure, households: tuple[Any, ...] = ()) -> set[str]:
    ctx = context(HEAD, FAMILY, support_measures=(m,), releases=RELEASE, perpetrator_households=households)
    decision = evaluate(request(HEAD, requester=requester), ctx)
    codes = {r.code for r in decision.reasons}
    if R.SUPPORT_MEASURE_PERPETRATOR in codes:
        assert decision.outcome is Outcome.DENY and decision.content is None
    return codes


def test_name_key_folds_variant_and_confusable_glyphs() -> None:
    assert identity_name_key("佐籐 健一") == identity_name_key("佐藤　健一") == identity_name_key("佐藤健一")
    assert identity_name_key("髙橋") == identity_name_key("高橋")
    assert identity_name_key("渡邉") == identity_name_key("渡辺")
    assert identity_name_key("佐藤 健一") != identity_name_key("佐藤 健二")


def test_birth_dates_clear_a_namesake_only_when_both_are_known() -> None:
    perp = PersonKey("佐藤 健一", PartialDate(1975, 3, 3))
    assert PersonKey("佐籐 健一", PartialDate(1975, 3, 3)).matches(perp)
    assert PersonKey("佐籐 健一", None).matches(perp)  # birth not given: fails closed
    assert PersonKey("佐藤 健一", PartialDate(1975)).matches(perp)
    assert not PersonKey("佐藤 健一", PartialDate(1990, 3, 3)).matches(perp)  # another person
    assert not PersonKey("", None).matches(PersonKey("", None))


@pytest.mark.parametrize("requester", [
    third(name="佐籐 健一"),  # one-character variant, no birth date given
    third(name="佐籐健一", birth=PartialDate(1975, 3, 3)),
    third(name="サトウ ケンイチ", birth=PartialDate(1975, 3, 3)),  # kana key of the resident record
    third(name="別名", requester_atena_no=PERP.atena_no),  # by 宛名番号
    third(name="佐藤 トメ", birth=PartialDate(1948, 1, 1)),  # the 加害者's household, by name + birth
    third(name="別名", requester_atena_no=PERP_MOTHER.atena_no),  # the 加害者's household, by 宛名番号
    replace(third(name="代理 花子"), kind=RequesterKind.AGENT, has_power_of_attorney=True,
            acting_for_atena_no=PERP_MOTHER.atena_no),
    # 職務上請求 by a 弁護士 on the 加害者's behalf: by the 依頼者 name (variant) and by 宛名番号
    replace(third(name="弁護 士郎"), kind=RequesterKind.PROFESSIONAL, qualification="弁護士",
            registration_no="12345", client_name="佐籐　健一", client_birth=PartialDate(1975, 3, 3)),
    replace(third(name="弁護 士郎"), kind=RequesterKind.PROFESSIONAL, qualification="弁護士",
            registration_no="12345", client_name="甲", client_atena_no=PERP.atena_no),
], ids=["variant-name", "variant-name-birth", "kana", "atena", "household-name", "household-atena",
        "agent-for-household", "client-name", "client-atena"])
def test_perpetrator_is_refused_even_after_release(requester: Requester) -> None:
    m = measure(perpetrator_atena_nos=(PERP.atena_no,))
    codes = decide(requester, m, (PERP, PERP_MOTHER))
    assert R.SUPPORT_MEASURE_PERPETRATOR in codes, codes


def test_namesake_with_another_birth_date_is_not_the_perpetrator() -> None:
    codes = decide(third(name="佐藤 健一", birth=PartialDate(1990, 1, 1)), measure())
    assert R.SUPPORT_MEASURE_PERPETRATOR not in codes
    assert R.SUPPORT_MEASURE_RELEASED in codes  # the release still applies, and is shown


def test_protected_person_in_the_perpetrators_household_is_not_the_perpetrator() -> None:
    # the victim is recorded in the 加害者's household (not yet moved): their own request is not refused
    # as the 加害者's; it still needs the 支援措置責任者's release
    victim = replace(HEAD, household_no=PERP_HOUSEHOLD)
    m = measure(perpetrator_atena_nos=(PERP.atena_no,))
    me = Requester(RequesterKind.SELF, name=HEAD.name, identity_document=IdentityDocument.MY_NUMBER_CARD,
                   requester_atena_no=HEAD.atena_no)
    ctx = context(victim, (victim, PERP, PERP_MOTHER), support_measures=(m,), perpetrator_households=(PERP, PERP_MOTHER, victim))
    decision = evaluate(request(victim, requester=me), ctx)
    assert decision.outcome is Outcome.NEEDS_RELEASE, decision.reasons


def test_measure_wire_form_keeps_births() -> None:
    m = measure()
    again = SupportMeasure.from_dict(m.to_dict())
    assert again == m and again.perpetrator_births == (PartialDate(1975, 3, 3),)
    r = third(birth=PartialDate(1975, 3, 3), client_birth=PartialDate(1990, None, None), client_atena_no=PERP.atena_no)
    assert Requester.from_dict(r.to_dict()) == r


def test_measure_alerts_a_month_before_and_after_the_end() -> None:
    from client.domain.blocks import measure_alerts

    today = date(2026, 11, 23)
    ending = measure(measure_id="SM-E", start=date(2025, 12, 10), end=date(2026, 12, 9))
    ended = measure(measure_id="SM-X", start=date(2025, 11, 10), end=date(2026, 11, 9))
    long_ago = measure(measure_id="SM-O", start=date(2025, 1, 1), end=date(2025, 12, 31))
    quiet = measure(measure_id="SM-Q", start=date(2026, 4, 1), end=date(2027, 3, 31))
    provisional = measure(measure_id="SM-P", start=None, end=None, provisional=True)
    alerts = {a.measure_id: a.kind for a in measure_alerts((ending, ended, long_ago, quiet, provisional), today)}
    assert alerts == {"SM-E": "ending", "SM-X": "ended", "SM-P": "provisional"}
