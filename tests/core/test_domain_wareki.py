"""和暦: boundaries, abbreviated forms, partial dates, and a round trip for every day 1873..2100."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from client.domain.partial_date import PartialDate
from client.domain.wareki import (
    WarekiError,
    era_year,
    format_date,
    format_partial,
    parse_date,
    parse_exact_date,
    to_wareki,
    to_wareki_short,
)


@pytest.mark.parametrize(
    "d, text",
    [
        (date(1873, 1, 1), "明治6年1月1日"),
        (date(1912, 7, 29), "明治45年7月29日"),
        (date(1912, 7, 30), "大正元年7月30日"),
        (date(1926, 12, 24), "大正15年12月24日"),
        (date(1926, 12, 25), "昭和元年12月25日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2020, 5, 2), "令和2年5月2日"),
        (date(2100, 12, 31), "令和82年12月31日"),
    ],
)
def test_boundaries(d: date, text: str) -> None:
    assert to_wareki(d) == text
    assert parse_date(text) == PartialDate.of(d)


def test_gannen_switch() -> None:
    assert to_wareki(date(2019, 5, 1), gannen=False) == "令和1年5月1日"
    assert parse_date("令和1年5月1日") == PartialDate(2019, 5, 1)


def test_foreign_residents_get_seireki() -> None:
    assert format_date(date(1990, 4, 1), foreign=True) == "1990年4月1日"
    assert format_date(date(1990, 4, 1)) == "平成2年4月1日"


def test_dates_before_meiji() -> None:
    assert format_date(date(1868, 1, 24)) == "1868年1月24日"
    assert format_date(date(1868, 1, 25)) == "明治元年1月25日"
    assert format_partial(PartialDate(1860, 5, 1)) == "1860年5月1日"
    assert format_partial(PartialDate(1860)) == "1860年月日不詳"
    with pytest.raises(WarekiError):
        to_wareki(date(1868, 1, 24))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("R1.5.1", PartialDate(2019, 5, 1)),
        ("H31.4.30", PartialDate(2019, 4, 30)),
        ("S64.1.7", PartialDate(1989, 1, 7)),
        ("h1.1.8", PartialDate(1989, 1, 8)),
        ("r01/05/01", PartialDate(2019, 5, 1)),
        ("R1-5-1", PartialDate(2019, 5, 1)),
        ("R010501", PartialDate(2019, 5, 1)),
        ("S600401", PartialDate(1985, 4, 1)),
        ("令1.5.1", PartialDate(2019, 5, 1)),
        ("令和元.5.1", PartialDate(2019, 5, 1)),
        ("平成31/4/30", PartialDate(2019, 4, 30)),
        ("Ｓ６０．４．１", PartialDate(1985, 4, 1)),
        ("T1.7.30", PartialDate(1912, 7, 30)),
        ("M45.7.29", PartialDate(1912, 7, 29)),
        ("昭和 60年 4月 1日", PartialDate(1985, 4, 1)),
        ("１９９０年４月１日", PartialDate(1990, 4, 1)),
        ("1990-04-01", PartialDate(1990, 4, 1)),
        ("1990/4/1", PartialDate(1990, 4, 1)),
        ("1990.4.1", PartialDate(1990, 4, 1)),
        ("19900401", PartialDate(1990, 4, 1)),
        ("1990年4月1日", PartialDate(1990, 4, 1)),
        # partly unknown
        ("年月日不詳", PartialDate(None)),
        ("不詳", PartialDate(None)),
        ("昭和30年月日不詳", PartialDate(1955)),
        ("昭和30年5月日不詳", PartialDate(1955, 5)),
        ("昭和30年", PartialDate(1955)),
        ("S30", PartialDate(1955)),
        ("S30.5", PartialDate(1955, 5)),
        ("令和2年頃", PartialDate(2020, approximate=True)),
        ("令和元年頃", PartialDate(2019, approximate=True)),
        ("1950年頃", PartialDate(1950, approximate=True)),
        ("1955年月日不詳", PartialDate(1955)),
        ("1955", PartialDate(1955)),
        ("1950-??-??", PartialDate(1950)),
        ("~2020-??-??", PartialDate(2020, approximate=True)),
        ("????-??-??", PartialDate(None)),
    ],
)
def test_parse(text: str, expected: PartialDate) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "平成32年",  # 平成 ended in 2019
        "平成31年5月1日",  # after 平成 ended
        "H31.5.1",
        "令和元年4月30日",  # before 令和 began
        "S64.1.8",
        "昭和65年",
        "大正元年7月29日",
        "明治46年",
        "R0.1.1",
        "1990-02-30",
        "令和2年2月30日",
        "昭和30年5月1日不詳",
        "abc",
        "",
        "12345",
        "X1.1.1",
    ],
)
def test_parse_rejects(text: str) -> None:
    with pytest.raises(WarekiError):
        parse_date(text)


def test_parse_exact_date_needs_a_full_date() -> None:
    assert parse_exact_date("R1.5.1") == date(2019, 5, 1)
    with pytest.raises(WarekiError):
        parse_exact_date("昭和30年月日不詳")
    with pytest.raises(WarekiError):
        parse_exact_date("令和2年頃")


@pytest.mark.parametrize(
    "pd, text, foreign_text",
    [
        (PartialDate(1955), "昭和30年月日不詳", "1955年月日不詳"),
        (PartialDate(1955, 5), "昭和30年5月日不詳", "1955年5月日不詳"),
        (PartialDate(2020, approximate=True), "令和2年頃", "2020年頃"),
        (PartialDate(None), "年月日不詳", "年月日不詳"),
        (PartialDate(None, 5, 3), "年不詳5月3日", "年不詳5月3日"),
        (PartialDate(1985, 4, 1), "昭和60年4月1日", "1985年4月1日"),
        (PartialDate(2019), "令和元年月日不詳", "2019年月日不詳"),  # 令和 covers most of 2019
        (PartialDate(1989), "平成元年月日不詳", "1989年月日不詳"),
        (PartialDate(1926), "大正15年月日不詳", "1926年月日不詳"),
        (PartialDate(2019, 4), "平成31年4月日不詳", "2019年4月日不詳"),
    ],
)
def test_format_partial(pd: PartialDate, text: str, foreign_text: str) -> None:
    assert format_partial(pd) == text
    assert format_partial(pd, foreign=True) == foreign_text
    if pd.year is not None or pd.month is None:
        assert parse_date(text) == pd
        assert parse_date(foreign_text) == pd


def test_every_day_1873_to_2100_round_trips() -> None:
    d = date(1873, 1, 1)
    end = date(2100, 12, 31)
    previous_era, previous_year = era_year(d)
    while d <= end:
        assert parse_date(to_wareki(d)).as_date() == d
        assert parse_date(to_wareki(d, gannen=False)).as_date() == d
        era, year = era_year(d)
        # the era year only goes up by one on 1 January, or restarts at 1 on an era change
        if era == previous_era:
            assert year == previous_year or (year == previous_year + 1 and d.month == 1 and d.day == 1)
        else:
            assert year == 1
        previous_era, previous_year = era, year
        d += timedelta(days=1)


dates = st.dates(min_value=date(1873, 1, 1), max_value=date(2100, 12, 31))


@given(dates)
def test_round_trip_property(d: date) -> None:
    assert parse_date(to_wareki(d)).as_date() == d
    assert parse_date(to_wareki_short(d)).as_date() == d
    assert parse_date(format_date(d, foreign=True)).as_date() == d


@given(st.integers(1873, 2100), st.integers(1, 12) | st.none(), st.booleans())
def test_partial_year_round_trip(year: int, month: int | None, approximate: bool) -> None:
    pd = PartialDate(year, month, approximate=approximate)
    assert parse_date(format_partial(pd)) == pd
    assert parse_date(format_partial(pd, foreign=True)) == pd


def test_an_unknown_year_keeps_its_recorded_era() -> None:
    """昭和年月日不詳: a year unknown within a known era prints the era (layout 生年月日元号)."""
    from client.domain.partial_date import PartialDate
    from client.domain.wareki import format_partial

    assert format_partial(PartialDate.parse_str("????-??-??/S")) == "昭和年月日不詳"
    assert format_partial(PartialDate(None, 5, None, era="T")) == "大正年不詳5月日不詳"
    assert format_partial(PartialDate(None)) == "年月日不詳"
    assert format_partial(PartialDate(None, era="S"), foreign=True) == "年月日不詳"  # 西暦 for foreign residents
