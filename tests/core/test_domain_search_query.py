"""classify_query: what the clerk typed into the one search field, and the search keys."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from client.domain.checkdigits import make_atena_no
from client.domain.kana import normalize_for_search
from client.domain.partial_date import PartialDate
from client.domain.search_query import (
    QueryKind,
    address_search_key,
    classify_query,
    name_search_key,
)

VALID = make_atena_no(12345)
INVALID = VALID[:-1] + str((int(VALID[-1]) + 1) % 10)


@pytest.mark.parametrize(
    "text, kind",
    [
        ("", QueryKind.EMPTY),
        ("   ", QueryKind.EMPTY),
        (VALID, QueryKind.ATENA_NO),
        (" " + VALID + " ", QueryKind.ATENA_NO),
        ("R1.5.1", QueryKind.BIRTH_DATE),
        ("昭和60年4月1日", QueryKind.BIRTH_DATE),
        ("S60", QueryKind.BIRTH_DATE),
        ("s60.4", QueryKind.BIRTH_DATE),
        ("19850401", QueryKind.BIRTH_DATE),
        ("1985", QueryKind.BIRTH_DATE),
        ("1985-04-01", QueryKind.BIRTH_DATE),
        ("１９８５年４月１日", QueryKind.BIRTH_DATE),
        ("やまだ", QueryKind.KANA),
        ("ヤマダ タロウ", QueryKind.KANA),
        ("ﾔﾏﾀﾞ", QueryKind.KANA),
        ("スズキー", QueryKind.KANA),
        ("山田", QueryKind.NAME),
        ("山田 太郎", QueryKind.NAME),
        ("中村", QueryKind.NAME),
        ("市川", QueryKind.NAME),
        ("町田 花子", QueryKind.NAME),
        ("山田たろう", QueryKind.NAME),
        ("髙橋", QueryKind.NAME),
        ("本町1-2-3", QueryKind.ADDRESS),
        ("本町一丁目", QueryKind.ADDRESS),
        ("東京都千代田区", QueryKind.ADDRESS),
        ("北海道", QueryKind.ADDRESS),
        ("桜ヶ丘市本町", QueryKind.ADDRESS),
        ("23番地", QueryKind.ADDRESS),
        ("1-2-3", QueryKind.ADDRESS),
    ],
)
def test_kinds(text: str, kind: QueryKind) -> None:
    assert classify_query(text).kind is kind


def test_atena_number() -> None:
    q = classify_query(VALID)
    assert q.atena_no == VALID and q.searchable and q.error == ""
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in VALID)
    assert classify_query(fullwidth).atena_no == VALID


def test_wrong_check_digit_is_an_error_not_a_search() -> None:
    q = classify_query(INVALID)
    assert q.kind is QueryKind.ATENA_NO and q.error and not q.searchable


def test_birth_dates() -> None:
    assert classify_query("R1.5.1").birth == PartialDate(2019, 5, 1)
    assert classify_query("S60").birth == PartialDate(1985)
    assert classify_query("19850401").birth == PartialDate(1985, 4, 1)


def test_kana_key_matches_the_kana_module() -> None:
    q = classify_query("ﾔﾏﾀﾞ ﾀﾛｳ")
    assert q.kana_key == normalize_for_search("やまだたろう") == "ヤマダタロオ"


def test_name_key_folds_variants_and_spaces() -> None:
    assert classify_query("髙橋　一郎").name_key == name_search_key("高橋一郎") == "高橋一郎"
    assert name_search_key("山﨑 太郎") == name_search_key("山崎太郎")
    assert name_search_key("渡邊") == name_search_key("渡邉") == name_search_key("渡辺")


def test_municipality_name_makes_an_address() -> None:
    assert classify_query("桜町", municipality_name="桜町").kind is QueryKind.ADDRESS
    assert classify_query("桜町").kind is QueryKind.NAME


@pytest.mark.parametrize(
    "a, b",
    [
        ("東京都桜ヶ丘市本町一丁目2番3号", "東京都桜ケ丘市本町1-2-3"),
        ("本町1丁目2番地3", "本町1-2-3"),
        ("本町１－２－３", "本町1-2-3"),
        ("本町二十三番地の五", "本町23-5"),
        ("本町 1-2-3", "本町1-2-3"),
        ("桜が丘", "桜ケ丘"),
    ],
)
def test_address_keys(a: str, b: str) -> None:
    assert address_search_key(a) == address_search_key(b)


def test_address_prefix_search() -> None:
    stored = address_search_key("東京都桜ヶ丘市本町一丁目2番3号")
    typed = classify_query("桜ケ丘市本町1").address_key
    assert typed and typed in stored


@given(st.integers(min_value=0, max_value=999_999_999))
def test_every_generated_atena_number_is_recognised(serial: int) -> None:
    number = make_atena_no(serial)
    q = classify_query(number)
    assert q.kind is QueryKind.ATENA_NO and q.atena_no == number and q.searchable


@given(st.text(max_size=30))
def test_never_raises(text: str) -> None:
    q = classify_query(text)
    assert isinstance(q.kind, QueryKind)
