"""発行番号 format and page suffix."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from client.domain.numbering import (
    IssueNumberError,
    format_issue_number,
    page_suffix,
    parse_issue_number,
)


def test_example_from_domain_md() -> None:
    number = format_issue_number(date(2020, 5, 2), "●●市", "本庁1", "プリンタ001", 11)
    assert number == "20200502 ●●市 本庁1 プリンタ001 011"
    assert f"{number} {page_suffix(1, 2)}" == "20200502 ●●市 本庁1 プリンタ001 011 1/2"


@pytest.mark.parametrize("serial, text", [(0, "000"), (7, "007"), (999, "999"), (1000, "1000"), (123456, "123456")])
def test_serial_padding(serial: int, text: str) -> None:
    assert format_issue_number(date(2026, 1, 5), "桜ヶ丘市", "本庁1", "P1", serial).endswith(" " + text)


def test_whitespace_inside_a_component_is_removed() -> None:
    assert format_issue_number(date(2026, 1, 5), "桜ヶ丘 市", "本庁\u30001", "P 1", 1) == "20260105 桜ヶ丘市 本庁1 P1 001"


@pytest.mark.parametrize(
    "args",
    [
        ("", "本庁1", "P1", 1),
        ("市", " ", "P1", 1),
        ("市", "本庁1", "", 1),
        ("市", "本庁1", "P1", -1),
        ("市", "本庁1", "P1", True),
    ],
)
def test_bad_components(args: tuple) -> None:  # type: ignore[type-arg]
    with pytest.raises(IssueNumberError):
        format_issue_number(date(2026, 1, 5), *args)


@pytest.mark.parametrize("page, total", [(0, 1), (2, 1), (1, 0), (-1, 3)])
def test_bad_pages(page: int, total: int) -> None:
    with pytest.raises(IssueNumberError):
        page_suffix(page, total)


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    st.integers(min_value=0, max_value=10**7),
    st.integers(min_value=1, max_value=20),
)
def test_parse_round_trip(d: date, serial: int, total: int) -> None:
    number = format_issue_number(d, "桜ヶ丘市", "支所2", "プリンタ003", serial)
    parsed = parse_issue_number(number + " " + page_suffix(total, total))
    assert (parsed.issued_on, parsed.serial, parsed.page, parsed.total) == (d, serial, total, total)
    assert parsed.municipality_name == "桜ヶ丘市" and parsed.terminal_name == "支所2"
    assert parse_issue_number(number).page is None


def test_parse_rejects_junk() -> None:
    for junk in ["", "20201302 市 端末 P 001", "2020050 市 端末 P 001", "20200502 市 端末 P 01"]:
        with pytest.raises(IssueNumberError):
            parse_issue_number(junk)
