"""What an allowed certificate says: printed items, order, 認証文, issuer, fee, flags."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import pytest
from _domain_factories import NOW, context, deputy, family, municipality, request, resident
from test_domain_rules import HEAD, MOVED, SEAL, TAX, official, third

from client.domain.content import (
    CERT_INKAN,
    CERT_JOHYO,
    CERT_JUMINHYO,
    CERT_JUMINHYO_HOUSEHOLD,
    CERT_KAZEI,
    CERT_KISAI_JIKO,
)
from client.domain.model import (
    CertificateContent,
    CertificateType,
    JuminhyoItem,
    Layout,
    Mode,
    PrintedPerson,
    Sex,
)
from client.domain.partial_date import PartialDate
from client.domain.rules import evaluate

FAMILY = family()


def allowed(req, ctx) -> CertificateContent:  # type: ignore[no-untyped-def]
    decision = evaluate(req, ctx)
    assert decision.allowed, decision.reasons
    assert decision.content is not None
    return decision.content


def test_defaults_omit_the_special_items() -> None:
    content = allowed(request(HEAD), context(HEAD, FAMILY))
    (person,) = content.persons
    assert person.name == "山田 太郎" and person.kana == "ヤマダ タロウ"
    assert person.birth_text == "昭和55年4月1日" and person.sex_text == "男"
    assert person.relation == "" and content.head_name == ""
    assert person.honseki == "" and person.hittousha == ""
    assert person.my_number == "" and person.juminhyo_code == ""
    assert person.previous_address == "大阪府大阪市北区梅田1丁目1番1号"
    assert person.became_resident_text == "平成22年4月1日" and person.notified_text == "平成22年4月5日"
    assert content.printed_items == ("previous_address",)
    assert content.certification_text == CERT_JUMINHYO


@pytest.mark.parametrize(
    "item, attr, value",
    [
        (JuminhyoItem.HEAD_RELATION, "relation", "世帯主"),
        (JuminhyoItem.HONSEKI, "honseki", "東京都桜ヶ丘市本町一丁目2番地"),
        (JuminhyoItem.HONSEKI, "hittousha", "山田 太郎"),
        (JuminhyoItem.MY_NUMBER, "my_number", HEAD.my_number),
        (JuminhyoItem.JUMINHYO_CODE, "juminhyo_code", HEAD.juminhyo_code),
    ],
)
def test_special_items_print_only_when_requested(item: JuminhyoItem, attr: str, value: str) -> None:
    content = allowed(request(HEAD, items=frozenset({item})), context(HEAD, FAMILY))
    assert getattr(content.persons[0], attr) == value
    assert item.value in content.printed_items
    others = {JuminhyoItem.HEAD_RELATION: "relation", JuminhyoItem.HONSEKI: "honseki",
              JuminhyoItem.MY_NUMBER: "my_number", JuminhyoItem.JUMINHYO_CODE: "juminhyo_code"}
    for other, other_attr in others.items():
        if other is not item:
            assert getattr(content.persons[0], other_attr) == ""


def test_head_name_with_relation_even_when_head_not_printed() -> None:
    wife = FAMILY[1]
    content = allowed(request(wife, items=frozenset({JuminhyoItem.HEAD_RELATION})), context(wife, FAMILY))
    assert content.head_name == "山田 太郎"
    assert content.persons[0].relation == "妻"


def test_removed_head_is_not_printed_as_head() -> None:
    wife = FAMILY[1]
    new_head = replace(wife, is_head=True, relation="世帯主")
    household = (MOVED, new_head, FAMILY[0])
    content = allowed(request(new_head, items=frozenset({JuminhyoItem.HEAD_RELATION})), context(new_head, household))
    assert content.head_name == "山田 花子"
    johyo = allowed(request(MOVED, cert_type=CertificateType.JOHYO, items=frozenset({JuminhyoItem.HEAD_RELATION})),
                    context(MOVED, (MOVED,)))
    assert johyo.head_name == "山田 太郎" and johyo.persons[0].relation == "世帯主"


def test_whole_household_in_standard_order_with_household_text() -> None:
    content = allowed(request(HEAD, whole_household=True, layout=Layout.RENKI), context(HEAD, FAMILY))
    assert [p.name for p in content.persons] == ["山田 太郎", "山田 花子", "山田 一郎", "山田 次郎", "山田 ウメ"]
    assert content.certification_text == CERT_JUMINHYO_HOUSEHOLD
    assert content.layout is Layout.RENKI


def test_selected_members_are_ordered_too() -> None:
    ids = (FAMILY[0].atena_no, FAMILY[3].atena_no)  # 次郎 (child), 太郎 (head)
    content = allowed(request(HEAD, member_atena_nos=ids), context(HEAD, FAMILY))
    assert [p.name for p in content.persons] == ["山田 太郎", "山田 次郎"]
    assert content.certification_text == CERT_JUMINHYO


def test_removed_members_are_not_printed_for_the_household() -> None:
    gone = replace(FAMILY[2], status=MOVED.status, removed_on=date(2026, 1, 1))
    household = (FAMILY[0], FAMILY[1], gone, FAMILY[3], FAMILY[4])
    content = allowed(request(HEAD, whole_household=True), context(HEAD, household))
    assert "山田 ウメ" not in [p.name for p in content.persons]


def test_kana_from_halfwidth_is_printed_as_katakana() -> None:
    subject = replace(HEAD, kana="ﾔﾏﾀﾞ ﾀﾛｳ")
    content = allowed(request(subject), context(subject, (subject,)))
    assert content.persons[0].kana == "ヤマダ タロウ"


def test_foreign_resident_dates_in_seireki() -> None:
    subject = resident(
        21, name="SMITH JOHN", kana="スミス ジョン", is_foreign=True, nationality="アメリカ合衆国",
        residence_status="技術・人文知識・国際業務", alias="須美 丈", birth=PartialDate(1990, 4, 1),
        honseki="", hittousha="", became_resident_on=date(2020, 5, 1),
    )
    content = allowed(request(subject, items=frozenset({JuminhyoItem.HONSEKI})), context(subject, (subject,)))
    person = content.persons[0]
    assert person.birth_text == "1990年4月1日"
    assert person.became_resident_text == "2020年5月1日"
    assert person.nationality == "アメリカ合衆国" and person.alias == "須美 丈"
    assert person.honseki == ""


def test_partial_birth_date_text() -> None:
    subject = replace(HEAD, birth=PartialDate(1955))
    content = allowed(request(subject), context(subject, (subject,)))
    assert content.persons[0].birth_text == "昭和30年月日不詳"


def test_kisai_jiko_prints_only_what_was_asked() -> None:
    content = allowed(
        request(HEAD, cert_type=CertificateType.KISAI_JIKO, items=frozenset({JuminhyoItem.HONSEKI})),
        context(HEAD, FAMILY),
    )
    person = content.persons[0]
    assert person.honseki and person.previous_address == "" and person.became_resident_text == ""
    assert content.printed_items == ("honseki",)
    assert content.certification_text == CERT_KISAI_JIKO
    assert content.title == "住民票記載事項証明書"


def test_johyo_content() -> None:
    content = allowed(request(MOVED, cert_type=CertificateType.JOHYO), context(MOVED, ()))
    assert content.persons[0].removal_text == "令和8年3月31日 転出"
    assert content.certification_text == CERT_JOHYO
    assert content.title == "住民票の除票の写し" and content.layout is Layout.KOJIN


@pytest.mark.parametrize("print_sex, expected", [(True, "男"), (False, "")])
def test_inkan_content(print_sex: bool, expected: str) -> None:
    ctx = context(HEAD, FAMILY, seal=SEAL, municipality=municipality(print_sex_on_inkan=print_sex))
    content = allowed(request(HEAD, cert_type=CertificateType.INKAN, inkan_card_no="C-0012345"), ctx)
    person = content.persons[0]
    assert content.seal_image_png == SEAL.seal_image_png
    assert person.sex_text == expected and person.kana == "" and person.birth_text == "昭和55年4月1日"
    assert content.address == HEAD.address
    assert content.certification_text == CERT_INKAN


def test_kazei_rows() -> None:
    content = allowed(request(HEAD, cert_type=CertificateType.KAZEI, tax_year=2026), context(HEAD, FAMILY, tax=TAX))
    rows = dict(content.tax_rows)
    assert rows["年度"] == "令和8年度" and rows["所得の年分"] == "令和7年分"
    assert rows["合計所得金額"] == "4,200,000円" and rows["扶養親族数"] == "2人"
    assert content.certification_text == CERT_KAZEI
    assert content.fee_yen == 350  # per-municipality fee table


@pytest.mark.parametrize(
    "start, end, title",
    [
        (date(2026, 11, 23), date(2026, 11, 23), "桜ヶ丘市長職務代理者 副市長"),
        (date(2026, 11, 1), date(2026, 11, 22), "桜ヶ丘市長"),
        (date(2026, 11, 24), date(2026, 12, 1), "桜ヶ丘市長"),
        (date(2026, 11, 1), date(2026, 12, 1), "桜ヶ丘市長職務代理者 副市長"),
    ],
)
def test_issuer_is_the_deputy_within_the_period(start: date, end: date, title: str) -> None:
    ctx = context(HEAD, FAMILY, municipality=municipality(deputies=(deputy(start, end),)))
    content = allowed(request(HEAD), ctx)
    assert content.issuer_title == "東京都" + title  # the prefecture leads the issuer line
    assert content.issuer_name == ("副島 二郎" if "代理" in title else "桜井 一郎")


def test_fee_per_copy_and_total() -> None:
    decision = evaluate(request(HEAD, copies=3), context(HEAD, FAMILY))
    assert decision.fee_yen == 900 and decision.content is not None and decision.content.fee_yen == 300
    assert decision.exemption_reason == ""


def test_exempt_request_pays_nothing() -> None:
    decision = evaluate(request(HEAD, copies=2, exemption_reason="罹災"), context(HEAD, FAMILY))
    assert decision.fee_yen == 0 and decision.exemption_reason == "罹災"
    assert decision.content is not None and decision.content.exemption_reason == "罹災"


def test_official_use_is_exempt_and_marked() -> None:
    decision = evaluate(request(HEAD, requester=official(), copies=2), context(HEAD, FAMILY))
    assert decision.fee_yen == 0 and decision.exemption_reason == "公用"
    assert decision.content is not None and decision.content.official_use
    other = evaluate(request(HEAD, requester=third()), context(HEAD, FAMILY))
    assert other.content is not None and not other.content.official_use and other.fee_yen == 300


def test_official_exemption_reason_comes_from_the_municipality_list() -> None:
    ctx = context(HEAD, FAMILY, municipality=municipality(exemption_reasons=("官公署", "生活保護")))
    decision = evaluate(request(HEAD, requester=official()), ctx)
    assert decision.exemption_reason == "官公署"


def test_training_and_bcp_flags() -> None:
    as_of = NOW - timedelta(minutes=5)
    content = allowed(request(HEAD, training=True), context(HEAD, FAMILY, mode=Mode.BCP, replica_as_of=as_of))
    assert content.training and content.mode is Mode.BCP and content.data_as_of == as_of
    online = allowed(request(HEAD), context(HEAD, FAMILY))
    assert not online.training and online.mode is Mode.ONLINE and online.data_as_of is None


def test_online_and_bcp_say_the_same_thing() -> None:
    req = request(HEAD, whole_household=True, items=frozenset({JuminhyoItem.HEAD_RELATION, JuminhyoItem.HONSEKI}))
    online = allowed(req, context(HEAD, FAMILY))
    offline = allowed(req, context(HEAD, FAMILY, mode=Mode.BCP, replica_as_of=NOW - timedelta(hours=1)))
    assert replace(offline, mode=Mode.ONLINE, data_as_of=None) == online


def test_content_header_and_serialisation() -> None:
    content = allowed(request(HEAD), context(HEAD, FAMILY))
    assert content.issue_number == "" and content.issued_at == NOW
    assert content.issue_date_text == "令和8年11月23日"
    assert (content.municipality_code, content.municipality_name, content.prefecture) == ("131016", "桜ヶ丘市", "東京都")
    assert content.address == HEAD.address and content.katagaki == HEAD.katagaki
    assert CertificateContent.from_dict(json.loads(json.dumps(content.to_dict()))) == content
    numbered = replace(content, issue_number="20261123 桜ヶ丘市 本庁1 P1 001")
    assert numbered.canonical_json() != content.canonical_json()
    decision = evaluate(request(HEAD), context(HEAD, FAMILY))
    json.dumps(decision.to_dict(), ensure_ascii=False)


def test_sex_text() -> None:
    wife = FAMILY[1]
    assert wife.sex is Sex.FEMALE
    content = allowed(request(wife), context(wife, FAMILY))
    assert isinstance(content.persons[0], PrintedPerson) and content.persons[0].sex_text == "女"
