"""Issue 16 certificate content, decided by the rule engine and checked on real rendered PDFs
(pdftotext): 外国人住民 (30条の45), labels per the standard, 除票, 印鑑登録証明書."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from _domain_factories import context, municipality, request, resident

from client.domain.model import CertificateContent, JuminhyoItem, Sex
from client.domain.partial_date import PartialDate
from client.domain.rules import evaluate
from client.printing.render import render_certificate
from tests.fixtures.certificates import ISSUE_NUMBER, seal_png, sign
from tests.fixtures.pdftools import pdftotext

FOREIGN = resident(
    31, name="NGUYEN VAN AN", kana="グエン ヴァン アン", is_foreign=True, nationality="ベトナム",
    foreign_category="中長期在留者", residence_status="技術・人文知識・国際業務", residence_period="3年",
    residence_period_end=date(2028, 3, 31), residence_card_no="AB12345678CD", honseki="", hittousha="",
    became_resident_on=date(2019, 4, 1), jutei_on=date(2019, 4, 1), notified_on=date(2019, 4, 3),
    birth=PartialDate(1995, 7, 1), is_head=True, relation="世帯主", alias="",
)
SPECIAL = replace(FOREIGN, atena_no=resident(32).atena_no, name="金 英子", kana="キン エイコ", nationality="韓国",
                  foreign_category="特別永住者", residence_status="", residence_period="",
                  residence_period_end=None, residence_card_no="SP9876543210", alias="金田 英子",
                  became_resident_on=date(2012, 7, 9), jutei_on=date(2012, 7, 9), sex=Sex.FEMALE)


def _pdf_text(content: CertificateContent) -> str:
    content = replace(content, issue_number=ISSUE_NUMBER, municipal_seal_png=seal_png())
    pdf = render_certificate(content, sign(content)).pdf
    return re.sub(r"\s+", "", pdftotext(pdf))


def _issue(subject, **kw):  # type: ignore[no-untyped-def]
    decision = evaluate(request(subject, **kw), context(subject, (subject,)))
    assert decision.allowed and decision.content is not None, decision.reasons
    return decision.content


def test_foreign_resident_items_print_when_requested() -> None:
    items = frozenset({JuminhyoItem.FOREIGN_STATUS, JuminhyoItem.RESIDENCE_CARD_NO})
    text = _pdf_text(_issue(FOREIGN, items=items))
    assert "外国人住民となった年月日" in text and "2019年4月1日" in text
    assert "30条の45規定区分" in text and "中長期在留者" in text
    assert "在留資格" in text and "技術・人文知識・国際業務" in text
    assert "在留期間" in text.replace("在留期間の満了の日", "") and "3年" in text
    assert "在留期間の満了の日" in text and "2028年3月31日" in text
    assert "在留カード等の番号" in text and "AB12345678CD" in text
    assert "国籍・地域" in text and "ベトナム" in text


def test_foreign_items_are_omitted_unless_requested() -> None:
    text = _pdf_text(_issue(FOREIGN))
    assert "ベトナム" in text and "外国人住民となった年月日" in text
    for absent in ("技術・人文知識・国際業務", "中長期在留者", "AB12345678CD", "2028年3月31日"):
        assert absent not in text, absent


def test_special_permanent_resident_is_a_category_without_status_or_period() -> None:
    items = frozenset({JuminhyoItem.FOREIGN_STATUS, JuminhyoItem.RESIDENCE_CARD_NO})
    content = _issue(SPECIAL, items=items)
    person = content.persons[0]
    assert person.foreign_category == "特別永住者" and person.residence_status == "" and person.residence_period == ""
    text = _pdf_text(content)
    assert "特別永住者" in text and "SP9876543210" in text and "金田英子" in text
    assert "在留資格" not in text and "在留期間" not in text
    assert "2012年7月9日" in text


def test_labels_follow_the_standard() -> None:
    japanese = resident(40, became_resident_on=date(2010, 4, 1), jutei_on=date(2010, 4, 1))
    text = _pdf_text(_issue(japanese))
    assert "住民となった年月日" in text and "外国人住民となった年月日" not in text
    assert "転入前住所" in text and "前住所大阪府" not in text
    assert "住所を定めた年月日" in text and "平成22年4月1日" in text
    assert text.count("平成22年4月1日") == 1  # 住所を定めた年月日 blank without a 転居
    moved = replace(japanese, jutei_on=date(2018, 6, 1))
    text = _pdf_text(_issue(moved))
    assert "異動前住所" in text and "平成30年6月1日" in text
    assert municipality().mayor_title == "桜ヶ丘市長"
    assert "東京都桜ヶ丘市長" in text  # the prefecture in the issuer line


def test_omitted_items_print_as_shoryaku_never_as_an_empty_box() -> None:
    japanese = resident(41)
    content = _issue(japanese)
    assert set(content.persons[0].omitted_items) == {"head_relation", "honseki", "juminhyo_code", "my_number"}
    text = _pdf_text(content)
    assert "本籍省略" in text and "筆頭者省略" in text and text.count("省略") == 5  # and 続柄
    assert "個人番号省略" in text and "住民票コード省略" in text
    assert "在留資格" not in text  # foreign items do not apply to a Japanese resident
    full = _pdf_text(_issue(japanese, items=frozenset({JuminhyoItem.HONSEKI, JuminhyoItem.HEAD_RELATION})))
    assert "本籍省略" not in full and "東京都桜ヶ丘市本町一丁目2番地" in full and full.count("省略") == 2
    foreign = _pdf_text(_issue(FOREIGN))
    assert "30条の45規定区分省略" in foreign and "在留カード等の番号省略" in foreign
    assert "本籍" not in foreign  # a foreign resident has no 本籍: nothing to omit


def test_johyo_of_a_move_out_shows_destination_notification_date_and_katagaki() -> None:
    from client.domain.model import ResidentStatus

    moved = resident(42, status=ResidentStatus.MOVED_OUT, removed_on=date(2026, 3, 31), removal_reason="転出",
                     moved_to_address="大阪府大阪市中央区大手前2丁目1番22号", moved_out_notified_on=date(2026, 3, 20))
    from client.domain.model import CertificateType

    content = _issue(moved, cert_type=CertificateType.JOHYO)
    text = _pdf_text(content)
    assert "転出先" in text and "大阪府大阪市中央区大手前2丁目1番22号" in text
    assert "転出届出日" in text and "令和8年3月20日" in text
    assert "方書" in text and "桜ハイツ101" in text
    assert "令和8年3月31日転出" in text


def test_inkan_prints_former_surname_alias_and_katakana_name() -> None:
    from client.domain.model import CertificateType, SealRegistration
    from tests.fixtures.certificates import inkan_png

    def inkan_text(subject):  # type: ignore[no-untyped-def]
        seal = SealRegistration("S-9", "C-9", subject.atena_no, date(2020, 1, 1), seal_image_png=inkan_png())
        decision = evaluate(request(subject, cert_type=CertificateType.INKAN, inkan_card_no="C-9"),
                            context(subject, (subject,), seal=seal))
        assert decision.allowed and decision.content is not None, decision.reasons
        return _pdf_text(decision.content)

    married = resident(43, name="佐藤 花子", former_surname="鈴木", sex=Sex.FEMALE)
    text = inkan_text(married)
    assert "旧氏" in text and "鈴木" in text and "佐藤花子" in text
    assert "旧氏" not in inkan_text(resident(44))  # nothing recorded, nothing printed
    text = inkan_text(SPECIAL)
    assert "通称" in text and "金田英子" in text
    assert "氏名の片仮名表記" in text and "キンエイコ" in text


def test_a_resident_without_honseki_is_stated_as_such() -> None:
    nameless = resident(45, honseki="", hittousha="")
    text = _pdf_text(_issue(nameless, items=frozenset({JuminhyoItem.HONSEKI})))
    assert "本籍のない者" in text
    assert "本籍のない者" not in _pdf_text(_issue(nameless))  # not requested: 省略


def test_kazei_prints_income_and_tax_by_kind() -> None:
    from datetime import datetime

    from test_domain_tax import _kazei

    decision = _kazei(2026, datetime(2026, 11, 23, 10, 0))
    assert decision.content is not None
    text = _pdf_text(decision.content)
    for label in ("給与所得", "社会保険料控除", "市民税所得割額", "市民税均等割額", "都民税所得割額", "都民税均等割額",
                  "森林環境税額", "年税額合計", "令和8年度", "令和7年分"):
        assert label in text, label
    assert "3,560,000円" in text and "260,000円" in text


def test_renki_shows_foreign_residents_items_too() -> None:
    from client.domain.model import Layout

    spouse = replace(FOREIGN, atena_no=resident(33).atena_no, name="NGUYEN THI BINH", kana="グエン ティ ビン",
                     is_head=False, relation="妻", sex=Sex.FEMALE, residence_status="家族滞在",
                     residence_card_no="EF87654321GH")
    items = frozenset({JuminhyoItem.FOREIGN_STATUS, JuminhyoItem.RESIDENCE_CARD_NO})
    decision = evaluate(request(FOREIGN, whole_household=True, layout=Layout.RENKI, items=items),
                        context(FOREIGN, (FOREIGN, spouse)))
    assert decision.allowed and decision.content is not None, decision.reasons
    text = _pdf_text(decision.content)
    assert text.count("ベトナム") == 2 and "AB12345678CD" in text and "EF87654321GH" in text
    assert "家族滞在" in text and "2028年3月31日" in text and "本籍" not in text
    plain = _pdf_text(evaluate(request(FOREIGN, whole_household=True, layout=Layout.RENKI),
                               context(FOREIGN, (FOREIGN, spouse))).content)  # type: ignore[arg-type]
    assert plain.count("ベトナム") == 2 and "家族滞在" not in plain and "省略" in plain


def test_renki_header_prints_setainushi_as_shoryaku_when_omitted() -> None:
    """世帯連記式: the header's 世帯主 box reads 省略 when 世帯主の氏名・続柄 is omitted (12条5項)."""
    from client.domain.model import Layout

    head = resident(50, is_head=True, relation="世帯主")
    wife = resident(51, household_no=head.household_no, is_head=False, relation="妻", sex=Sex.FEMALE)
    household = (head, wife)

    def renki(**kw):  # type: ignore[no-untyped-def]
        decision = evaluate(request(head, layout=Layout.RENKI, whole_household=True, **kw), context(head, household))
        assert decision.allowed and decision.content is not None, decision.reasons
        return decision.content

    omitted = renki()
    assert omitted.head_name == "" and len(omitted.persons) == 2
    text = _pdf_text(omitted)
    assert "世帯主省略" in text, text
    shown = renki(items=frozenset({JuminhyoItem.HEAD_RELATION}))
    text = _pdf_text(shown)
    assert shown.head_name and f"世帯主{shown.head_name.replace(' ', '').replace('　', '')}" in text
    assert "世帯主省略" not in text
