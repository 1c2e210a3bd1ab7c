"""Check digits: vectors from DOMAIN.md, and every single-digit error is caught."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from client.domain.checkdigits import (
    CheckDigitError,
    atena_check_digit,
    is_valid_atena_no,
    is_valid_municipality_code,
    is_valid_my_number,
    make_atena_no,
    make_municipality_code,
    make_my_number,
    municipality_code_check_digit,
    my_number_check_digit,
)


def test_my_number_vector_from_domain_md() -> None:
    assert my_number_check_digit("98320567321") == 4
    assert is_valid_my_number("983205673214")
    assert not is_valid_my_number("983205673215")


@pytest.mark.parametrize(
    "code",
    ["131016", "011002", "271004", "472018"],  # 千代田区, 札幌市, 大阪市, 那覇市
)
def test_municipality_code_vectors_from_domain_md(code: str) -> None:
    assert municipality_code_check_digit(code[:5]) == int(code[5])
    assert is_valid_municipality_code(code)
    assert make_municipality_code(code[:5]) == code


@pytest.mark.parametrize("code", ["131017", "01100", "0110022", "abcdef", "13101６"])
def test_municipality_code_rejects(code: str) -> None:
    assert not is_valid_municipality_code(code)


def test_my_number_formula_by_hand() -> None:
    # 00000000001: P1 = 1, Q1 = 2 → r = 2 → check = 9
    assert my_number_check_digit("00000000001") == 9
    # 00001000000: P7 = 1, Q7 = 2 → r = 2 → 9
    assert my_number_check_digit("00001000000") == 9
    # 00000000000: r = 0 → 0 ; r = 1 → 0 (10000000000: P11=1, Q11=6 → r=6 → 5)
    assert my_number_check_digit("00000000000") == 0
    assert my_number_check_digit("10000000000") == 5


def test_atena_check_digit_by_hand() -> None:
    # serial 123456: weights from the right 2,3,4,5,6,7 → 6*2+5*3+4*4+3*5+2*6+1*7 = 77 → r = 0 → 0
    assert atena_check_digit("123456") == 0
    # serial 1: 1*2 = 2 → 11 − 2 = 9
    assert atena_check_digit("1") == 9
    # serial 0000005: 5*2 = 10 → 1
    assert atena_check_digit("0000005") == 1
    # weights repeat after 7: serial 1000000 (7th from the right gets weight 2 again) → 9
    assert atena_check_digit("1000000") == 9
    # r = 1 → 0: serial 6 → 12 mod 11 = 1
    assert atena_check_digit("6") == 0


@pytest.mark.parametrize(
    "func, arg",
    [
        (my_number_check_digit, "1234567890"),
        (my_number_check_digit, "1234567890a"),
        (municipality_code_check_digit, "1310"),
        (atena_check_digit, ""),
        (atena_check_digit, "12-3"),
    ],
)
def test_bad_input_raises(func, arg: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CheckDigitError):
        func(arg)


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_my_number_round_trip_and_wrong_check_digit(first11: str) -> None:
    number = make_my_number(first11)
    assert is_valid_my_number(number)
    for d in "0123456789":
        if d != number[11]:
            assert not is_valid_my_number(number[:11] + d)


@given(st.integers(min_value=0, max_value=999_999_999))
def test_atena_round_trip_and_single_digit_errors(serial: int) -> None:
    number = make_atena_no(serial)
    assert len(number) == 10
    assert is_valid_atena_no(number)
    last = number[-1]
    for d in "0123456789":
        if d != last:
            assert not is_valid_atena_no(number[:-1] + d)


@given(st.integers(min_value=0, max_value=99_999_999), st.integers(min_value=0, max_value=7))
def test_atena_detects_a_changed_serial_digit(serial: int, pos: int) -> None:
    number = make_atena_no(serial)
    original = number[pos]
    wrong = "0123456789"[(int(original) + 1) % 10]
    changed = number[:pos] + wrong + number[pos + 1 :]
    # weights < 11 move r for every single-digit substitution; only r = 0 and r = 1 share the
    # check digit 0, so a substitution can slip through only when the check digit is 0.
    assert not is_valid_atena_no(changed) or number[-1] == "0"


def test_is_valid_atena_rejects_junk() -> None:
    for junk in ["", "1", "abc", "12 34", "１２３"]:
        assert not is_valid_atena_no(junk)
