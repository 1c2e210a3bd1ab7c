"""A birth date that may be partly unknown (「年月日不詳」, 「令和○年頃」, 「昭和30年月日不詳」).

Stored as text ``YYYY-MM-DD`` with ``??`` for unknown parts and a leading ``~`` for 頃
(approximate), e.g. ``1985-04-01``, ``1950-??-??``, ``~2020-??-??``, ``????-??-??``. A partial date
written in an era other than the one that names its period by default keeps that era as a suffix
(``2019-??-??/H`` is 平成31年, not 令和元年; ``1989-01-??/S`` is 昭和64年1月). At most 13 characters.
It never goes into a plain DATE column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_PATTERN = re.compile(r"^(~)?(\d{4}|\?{4})-(\d{2}|\?{2})-(\d{2}|\?{2})(?:/([MTSHR]))?$")
ERA_LETTERS = "MTSHR"  # 明治 大正 昭和 平成 令和


class PartialDateError(ValueError):
    """The text is not a valid (partial) date."""


@dataclass(frozen=True, order=False)
class PartialDate:
    year: int | None
    month: int | None = None
    day: int | None = None
    approximate: bool = False  # 頃
    era: str = ""  # era letter the partial date was written in, when not the period's default

    def __post_init__(self) -> None:
        if self.year is None and (self.month is not None or self.day is not None):
            # An unknown year with a known month/day does occur on old records; allow it.
            pass
        if self.era and (self.era not in ERA_LETTERS or len(self.era) != 1 or self.is_complete):
            raise PartialDateError(f"an era is kept only on a partial date: {self.era!r}")
        if self.month is not None and not 1 <= self.month <= 12:
            raise PartialDateError(f"month out of range: {self.month}")
        if self.day is not None:
            if self.month is None:
                raise PartialDateError("a day without a month")
            y = self.year if self.year is not None else 2000  # leap year: allow 2-29
            try:
                date(y, self.month, self.day)
            except ValueError as exc:
                raise PartialDateError(f"no such day: {self.year}-{self.month}-{self.day}") from exc

    @classmethod
    def of(cls, d: date) -> PartialDate:
        return cls(d.year, d.month, d.day)

    @property
    def is_complete(self) -> bool:
        return self.year is not None and self.month is not None and self.day is not None and not self.approximate

    def as_date(self) -> date | None:
        """The exact date, or None when any part is unknown or approximate."""
        if not self.is_complete:
            return None
        return date(self.year, self.month, self.day)  # type: ignore[arg-type]

    def sort_key(self) -> tuple[int, int, int]:
        """Unknown parts sort last within their known prefix."""
        return (self.year or 9999, self.month or 99, self.day or 99)

    def to_str(self) -> str:
        y = f"{self.year:04d}" if self.year is not None else "????"
        m = f"{self.month:02d}" if self.month is not None else "??"
        d = f"{self.day:02d}" if self.day is not None else "??"
        return ("~" if self.approximate else "") + f"{y}-{m}-{d}" + (f"/{self.era}" if self.era else "")

    @classmethod
    def parse_str(cls, text: str) -> PartialDate:
        """Parse the storage form produced by ``to_str``."""
        m = _PATTERN.match(text.strip())
        if not m:
            raise PartialDateError(f"not a stored partial date: {text!r}")
        approx, y, mo, d, era = m.groups()
        return cls(
            None if "?" in y else int(y),
            None if "?" in mo else int(mo),
            None if "?" in d else int(d),
            approximate=bool(approx),
            era=era or "",
        )

    def __str__(self) -> str:
        return self.to_str()
