"""和暦 defects from the 住民課 review (issue 16): same-day era changes, impossible dates."""

from __future__ import annotations

from datetime import date

import pytest

from client.domain.partial_date import PartialDate
from client.domain.search_query import QueryKind, classify_query
from client.domain.wareki import WarekiError, likely_intended, parse_date, to_wareki


@pytest.mark.parametrize("text, day", [
    ("明治45年7月30日", date(1912, 7, 30)),  # 改元 took effect on the day: valid in the old era
    ("大正元年7月30日", date(1912, 7, 30)),
    ("M45.7.30", date(1912, 7, 30)),
    ("大正15年12月25日", date(1926, 12, 25)),
    ("昭和元年12月25日", date(1926, 12, 25)),
    ("T15.12.25", date(1926, 12, 25)),
    ("平成31年4月30日", date(2019, 4, 30)),
    ("昭和64年1月7日", date(1989, 1, 7)),
])
def test_the_day_of_a_same_day_era_change_is_valid_in_both_eras(text: str, day: date) -> None:
    assert parse_date(text) == PartialDate.of(day)


@pytest.mark.parametrize("text", ["明治45年7月31日", "大正15年12月26日", "平成31年5月1日", "令和元年4月30日",
                                  "昭和64年1月8日", "平成元年1月7日"])
def test_the_day_after_is_not(text: str) -> None:
    with pytest.raises(WarekiError):
        parse_date(text)


def test_the_new_era_names_the_day_of_the_change() -> None:
    assert to_wareki(date(1912, 7, 30)) == "大正元年7月30日"
    assert to_wareki(date(1926, 12, 25)) == "昭和元年12月25日"


@pytest.mark.parametrize("text, intended", [
    ("平成31年5月1日", "令和元年5月1日"),
    ("令和元年4月30日", "平成31年4月30日"),
    ("H32.1.1", "令和2年1月1日"),
    ("昭和64年1月8日", "平成元年1月8日"),
    ("平成元年1月7日", "昭和64年1月7日"),
    ("令和2年5月1日", ""),  # exists: nothing to suggest
    ("令和2年2月30日", ""),  # no such day in any era
])
def test_likely_intended_date(text: str, intended: str) -> None:
    assert likely_intended(text) == intended


def test_an_impossible_date_is_a_message_for_the_clerk_not_an_address_search() -> None:
    q = classify_query("平成31年5月1日")
    assert q.kind is QueryKind.BIRTH_DATE and not q.searchable
    assert "令和元年5月1日" in q.error and "ありません" in q.error
    q = classify_query("令和元年4月30日")
    assert "平成31年4月30日" in q.error
    q = classify_query("令和2年2月30日")
    assert q.kind is QueryKind.BIRTH_DATE and q.error and "確認" in q.error
    assert classify_query("令和元年5月1日").searchable


@pytest.mark.parametrize("text, printed, stored", [
    ("平成31年", "平成31年月日不詳", "2019-??-??/H"),  # not 令和元年
    ("令和元年", "令和元年月日不詳", "2019-??-??"),
    ("昭和64年1月", "昭和64年1月日不詳", "1989-01-??/S"),  # not 平成元年1月
    ("平成元年1月", "平成元年1月日不詳", "1989-01-??"),
    ("大正15年頃", "大正15年頃", "~1926-??-??"),
    ("昭和元年頃", "昭和元年頃", "~1926-??-??/S"),
])
def test_partial_dates_keep_the_era_they_were_written_in(text: str, printed: str, stored: str) -> None:
    from client.domain.wareki import format_partial

    pd = parse_date(text)
    assert pd.to_str() == stored and PartialDate.parse_str(stored) == pd
    assert format_partial(pd) == printed
    assert len(stored) <= 13


def test_partial_birth_with_era_is_found_by_its_year() -> None:
    q = classify_query("平成31年")
    assert q.kind is QueryKind.BIRTH_DATE and q.birth is not None and q.birth.year == 2019
