"""Check digits: 個人番号, 全国地方公共団体コード, 宛名番号 / 世帯番号.

- 個人番号 (12 digits): P_n is the n-th digit from the right of the first 11, Q_n = n + 1 for
  n = 1..6 and n − 5 for n = 7..11; r = Σ P_n·Q_n mod 11; check = 0 if r ≤ 1 else 11 − r.
- 地方公共団体コード (6 digits): weights 6,5,4,3,2 on the first 5 digits; r = sum mod 11;
  check = (11 − r) mod 10.
- 宛名番号 / 世帯番号: the serial plus a modulus-11 check digit, weights 2,3,4,5,6,7 from the
  rightmost serial digit (repeating); r = sum mod 11; check = 0 if r ≤ 1 else 11 − r (the same
  r = 1 handling as the 個人番号, so the check is always a single digit).
"""

from __future__ import annotations


class CheckDigitError(ValueError):
    """The input is not a digit string of the expected length."""


def _digits(text: str, length: int | None, what: str) -> list[int]:
    if not isinstance(text, str) or not text.isascii() or not text.isdigit():
        raise CheckDigitError(f"{what}: digits expected, got {text!r}")
    if length is not None and len(text) != length:
        raise CheckDigitError(f"{what}: {length} digits expected, got {len(text)}")
    return [int(c) for c in text]


def my_number_check_digit(first11: str) -> int:
    """The 12th digit of a 個人番号 for its first 11 digits."""
    digits = _digits(first11, 11, "個人番号")
    total = 0
    for n in range(1, 12):
        p = digits[11 - n]
        q = n + 1 if n <= 6 else n - 5
        total += p * q
    r = total % 11
    return 0 if r <= 1 else 11 - r


def is_valid_my_number(number: str) -> bool:
    """True for a 12-digit 個人番号 with a correct check digit."""
    try:
        _digits(number, 12, "個人番号")
    except CheckDigitError:
        return False
    return my_number_check_digit(number[:11]) == int(number[11])


def municipality_code_check_digit(first5: str) -> int:
    """The 6th digit of a 全国地方公共団体コード for its first 5 digits."""
    digits = _digits(first5, 5, "地方公共団体コード")
    r = sum(d * w for d, w in zip(digits, (6, 5, 4, 3, 2), strict=True)) % 11
    return (11 - r) % 10


def is_valid_municipality_code(code: str) -> bool:
    """True for a 6-digit 地方公共団体コード with a correct check digit."""
    try:
        _digits(code, 6, "地方公共団体コード")
    except CheckDigitError:
        return False
    return municipality_code_check_digit(code[:5]) == int(code[5])


def atena_check_digit(serial: str) -> int:
    """The modulus-11 (weights 2..7) check digit appended to a 宛名番号 or 世帯番号 serial."""
    digits = _digits(serial, None, "宛名番号")
    if not digits:
        raise CheckDigitError("宛名番号: empty serial")
    total = 0
    for i, d in enumerate(reversed(digits)):
        total += d * (2 + i % 6)
    r = total % 11
    return 0 if r <= 1 else 11 - r


def is_valid_atena_no(number: str) -> bool:
    """True for a 宛名番号 / 世帯番号 (serial + check digit, at least 2 digits) that checks out."""
    if not isinstance(number, str) or len(number) < 2 or not number.isascii() or not number.isdigit():
        return False
    return atena_check_digit(number[:-1]) == int(number[-1])


def make_atena_no(serial: int, width: int = 9) -> str:
    """A 宛名番号 / 世帯番号 from a serial: zero-padded to ``width`` digits plus the check digit."""
    if serial < 0:
        raise CheckDigitError(f"宛名番号: negative serial {serial}")
    body = f"{serial:0{width}d}"
    return body + str(atena_check_digit(body))


def make_my_number(first11: str) -> str:
    """The full 12-digit 個人番号 for its first 11 digits (for demo data and tests)."""
    return first11 + str(my_number_check_digit(first11))


def make_municipality_code(first5: str) -> str:
    """The full 6-digit 地方公共団体コード for its first 5 digits."""
    return first5 + str(municipality_code_check_digit(first5))
