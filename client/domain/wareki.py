"""和暦 (Japanese era dates): formatting and parsing, including partly unknown dates.

Eras (first day, Gregorian): 明治 1868-01-25, 大正 1912-07-30, 昭和 1926-12-25,
平成 1989-01-08, 令和 2019-05-01. Japan used the Gregorian calendar from 1873-01-01 (明治6年);
earlier 明治 dates are converted proleptically and are not supported as input.

``parse_date`` accepts:

- 和暦 in full: 令和元年5月1日, 令和1年5月1日, 平成31年4月30日, spaces and full-width digits allowed;
- abbreviated 和暦: R1.5.1, H31.4.30, S64.1.7, r01/05/01, R010501, 令1.5.1;
- 西暦: 1990-04-01, 1990/4/1, 1990.4.1, 19900401, 1990年4月1日;
- partly unknown dates: 年月日不詳 / 不詳, 昭和30年月日不詳, 昭和30年5月日不詳, 昭和30年, 1955年,
  令和2年頃, 1950年頃, S30, and the storage form of PartialDate (``1950-??-??``, ``~2020-??-??``).

An era year outside its era (平成32年, 令和元年4月30日) is an error, never silently moved;
``likely_intended`` names the date the clerk probably meant (平成31年5月1日 → 令和元年5月1日).

明治→大正 (1912-07-30) and 大正→昭和 (1926-12-25) took effect on the day of the change, so that day
is valid in both eras (明治45年7月30日 = 大正元年7月30日); 平成→令和 changed at midnight
(平成31年4月30日 is the last 平成 day). Formatting names the new era for the day of the change.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from client.domain.partial_date import PartialDate, PartialDateError


class WarekiError(PartialDateError):
    """The text is not a date this module understands, or an era date that does not exist."""


@dataclass(frozen=True)
class Era:
    name: str  # 令和
    letter: str  # R
    start: date  # first day
    end: date | None  # last day on which a date may still be written in this era (None: current)


ERAS: tuple[Era, ...] = (
    Era("明治", "M", date(1868, 1, 25), date(1912, 7, 30)),  # 改元 on the day: 明治45年7月30日 valid
    Era("大正", "T", date(1912, 7, 30), date(1926, 12, 25)),  # 大正15年12月25日 = 昭和元年12月25日
    Era("昭和", "S", date(1926, 12, 25), date(1989, 1, 7)),
    Era("平成", "H", date(1989, 1, 8), date(2019, 4, 30)),
    Era("令和", "R", date(2019, 5, 1), None),
)
_BY_NAME = {e.name: e for e in ERAS}
_BY_LETTER = {e.letter: e for e in ERAS}
_BY_INITIAL = {e.name[0]: e for e in ERAS}  # 明 大 昭 平 令


def era_of(d: date) -> Era:
    """The era in force on ``d``."""
    for era in reversed(ERAS):
        if d >= era.start:
            return era
    raise WarekiError(f"before 明治: {d.isoformat()}")


def era_year(d: date) -> tuple[Era, int]:
    """(era, year of the era) for ``d``; year 1 is 元年."""
    era = era_of(d)
    return era, d.year - era.start.year + 1


def _year_text(n: int, gannen: bool) -> str:
    return "元年" if n == 1 and gannen else f"{n}年"


def to_wareki(d: date, *, gannen: bool = True) -> str:
    """e.g. 2019-05-01 → 令和元年5月1日 (令和1年5月1日 with ``gannen=False``)."""
    era, n = era_year(d)
    return f"{era.name}{_year_text(n, gannen)}{d.month}月{d.day}日"


def to_seireki(d: date) -> str:
    """西暦 text as printed for foreign residents, e.g. 1990年4月1日."""
    return f"{d.year}年{d.month}月{d.day}日"


def format_date(d: date, *, foreign: bool = False, gannen: bool = True) -> str:
    """和暦, or 西暦 for foreign residents (and for dates before 明治, which have no era here)."""
    if foreign or d < ERAS[0].start:
        return to_seireki(d)
    return to_wareki(d, gannen=gannen)


def to_wareki_short(d: date) -> str:
    """Abbreviated 和暦 as clerks type it, e.g. R1.5.1."""
    era, n = era_year(d)
    return f"{era.letter}{n}.{d.month}.{d.day}"


def _era_for_period(year: int, month: int | None) -> tuple[Era, int]:
    # A year (or month) that spans two eras is named after the era that covers most of it
    # (1989 → 平成元年, 2019 → 令和元年, 1926 → 大正15年, 1912 → 明治45年).
    first = date(year, month or 1, 1)
    last = date(year, month or 12, _last_day(year, month or 12))
    best: tuple[int, Era] | None = None
    for era in ERAS:
        lo = max(first, era.start)
        hi = min(last, era.end) if era.end is not None else last
        days = (hi - lo).days + 1
        if days > 0 and (best is None or days > best[0]):
            best = (days, era)
    if best is None:
        raise WarekiError(f"before 明治: {year}")
    era = best[1]
    return era, year - era.start.year + 1


def year_text(year: int, *, gannen: bool = True) -> str:
    """A calendar year in 和暦, named after the era covering most of it: 2025 → 令和7年."""
    era, n = _era_for_period(year, None)
    return era.name + _year_text(n, gannen)


def fiscal_year_text(year: int, *, gannen: bool = True) -> str:
    """A 年度 (April..March) in 和暦, named after the era on 1 June: 2019 → 令和元年度."""
    era, n = era_year(date(year, 6, 1))
    return era.name + _year_text(n, gannen) + "度"


def format_partial(pd: PartialDate, *, foreign: bool = False, gannen: bool = True) -> str:
    """A possibly partial birth date as printed: 昭和30年月日不詳, 昭和30年5月日不詳, 令和2年頃, 年月日不詳.

    A known year or month that spans two eras is named after the era covering most of it
    (1989 → 平成元年, 1926 → 大正15年). ``foreign`` gives 西暦 (1950年月日不詳).
    """
    if pd.year is not None and pd.month is not None and pd.day is not None:
        d = date(pd.year, pd.month, pd.day)
        text = format_date(d, foreign=foreign, gannen=gannen)
        return text + "頃" if pd.approximate else text
    if pd.year is None:  # 昭和年月日不詳: the era, when recorded, is kept
        era_name = _BY_LETTER[pd.era].name if pd.era in _BY_LETTER and not foreign else ""
        if pd.month is None:
            return era_name + "年月日不詳"
        tail = f"{pd.month}月" + (f"{pd.day}日" if pd.day is not None else "日不詳")
        return era_name + "年不詳" + tail
    if foreign or pd.year < ERAS[0].start.year:
        year_text = f"{pd.year}年"
    elif pd.era in _BY_LETTER:  # written in that era: it keeps it (平成31年, 昭和64年1月)
        era = _BY_LETTER[pd.era]
        year_text = era.name + _year_text(pd.year - era.start.year + 1, gannen)
    else:
        era, n = _era_for_period(pd.year, pd.month)
        year_text = era.name + _year_text(n, gannen)
    if pd.approximate:
        return year_text + (f"{pd.month}月" if pd.month is not None else "") + "頃"
    if pd.month is None:
        return year_text + "月日不詳"
    return year_text + f"{pd.month}月日不詳"


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------

_ERA_NAMES = "|".join(e.name for e in ERAS)
_ERA_LETTERS = "".join(e.letter for e in ERAS)
_ERA_INITIALS = "".join(e.name[0] for e in ERAS)

_FULL = re.compile(
    rf"^(?P<era>{_ERA_NAMES})(?P<y>元|\d{{1,2}})年"
    r"(?:(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})日)?)?"
    r"(?P<unknown>(?:年)?(?:月)?(?:日)?不詳)?(?P<approx>頃)?$"
)
_SEIREKI_KANJI = re.compile(
    r"^(?P<y>\d{4})年(?:(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})日)?)?(?P<unknown>(?:月)?(?:日)?不詳)?(?P<approx>頃)?$"
)
_SHORT = re.compile(
    rf"^(?P<era>{_ERA_NAMES}|[{_ERA_LETTERS}{_ERA_INITIALS}])(?P<y>元|\d{{1,2}})"
    r"(?:[./\-](?P<m>\d{1,2})(?:[./\-](?P<d>\d{1,2}))?)?(?P<approx>頃)?$"
)
_SHORT_COMPACT = re.compile(rf"^(?P<era>[{_ERA_LETTERS}])(?P<y>\d{{2}})(?P<m>\d{{2}})(?P<d>\d{{2}})$")
_SEIREKI_SEP = re.compile(r"^(?P<y>\d{4})[./\-](?P<m>\d{1,2})(?:[./\-](?P<d>\d{1,2}))?$")
_SEIREKI_COMPACT = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")
_UNKNOWN_ALL = re.compile(r"^(?:生年)?(?:年月日)?不詳$")


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s+", "", text)
    return text.upper().replace("〇", "0")


def _int(v: str | None) -> int | None:
    return None if v is None else int(v)


def _from_era(era: Era, y_text: str, month: int | None, day: int | None, approx: bool) -> PartialDate:
    n = 1 if y_text == "元" else int(y_text)
    if n < 1:
        raise WarekiError(f"{era.name}{n}年: there is no year 0")
    year = era.start.year + n - 1
    last_year = era.end.year if era.end is not None else 9999
    if year > last_year:
        raise WarekiError(f"{era.name}{n}年 does not exist (the era ended in {last_year})")
    try:
        pd = PartialDate(year, month, day, approximate=approx)
    except PartialDateError as exc:
        raise WarekiError(str(exc)) from exc
    _check_within_era(era, pd)
    if not pd.is_complete and pd.year is not None and _era_for_period(year, month)[0] is not era:
        pd = PartialDate(year, month, day, approximate=approx, era=era.letter)  # 平成31年 stays 平成
    return pd


def _check_within_era(era: Era, pd: PartialDate) -> None:
    assert pd.year is not None
    lo_m = pd.month if pd.month is not None else 12
    lo_d = pd.day if pd.day is not None else 31 if pd.month is None else _last_day(pd.year, lo_m)
    latest = date(pd.year, lo_m, lo_d)  # latest day the text can mean
    hi_m = pd.month if pd.month is not None else 1
    earliest = date(pd.year, hi_m, pd.day if pd.day is not None else 1)
    if latest < era.start:
        raise WarekiError(f"{pd} is before {era.name} began ({era.start.isoformat()})")
    if era.end is not None and earliest > era.end:
        raise WarekiError(f"{pd} is after {era.name} ended ({era.end.isoformat()})")


def _last_day(year: int, month: int) -> int:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return (nxt - date(year, month, 1)).days


def _seireki(year: int, month: int | None, day: int | None, approx: bool) -> PartialDate:
    try:
        return PartialDate(year, month, day, approximate=approx)
    except PartialDateError as exc:
        raise WarekiError(str(exc)) from exc


def parse_date(text: str) -> PartialDate:
    """Parse a date as a clerk or a record writes it. Raises WarekiError when it is not a date."""
    if not isinstance(text, str):
        raise WarekiError(f"not text: {text!r}")
    raw = text.strip()
    if raw.startswith(("~", "?")) or re.match(r"^\d{4}-\?\?", raw) or "??" in raw:
        try:
            return PartialDate.parse_str(raw)
        except PartialDateError as exc:
            raise WarekiError(str(exc)) from exc
    s = _clean(raw)
    if not s:
        raise WarekiError("empty date")
    if _UNKNOWN_ALL.match(s):
        return PartialDate(None)
    m = _FULL.match(s)
    if m:
        return _full_match(_BY_NAME[m["era"]], m)
    m = _SEIREKI_KANJI.match(s)
    if m:
        month, day = _int(m["m"]), _int(m["d"])
        _check_unknown_suffix(month, day, m["unknown"])
        return _seireki(int(m["y"]), month, day, bool(m["approx"]))
    m = _SHORT_COMPACT.match(s)
    if m:
        return _from_era(_BY_LETTER[m["era"]], m["y"], int(m["m"]), int(m["d"]), False)
    m = _SHORT.match(s)
    if m:
        letter = m["era"]
        era = _BY_NAME.get(letter) or _BY_LETTER.get(letter) or _BY_INITIAL[letter]
        return _from_era(era, m["y"], _int(m["m"]), _int(m["d"]), bool(m["approx"]))
    m = _SEIREKI_SEP.match(s) or _SEIREKI_COMPACT.match(s)
    if m:
        return _seireki(int(m["y"]), int(m["m"]), _int(m["d"]), False)
    if re.fullmatch(r"\d{4}", s) and 1868 <= int(s) <= 2200:
        return PartialDate(int(s))
    raise WarekiError(f"not a date: {text!r}")


def _check_unknown_suffix(month: int | None, day: int | None, unknown: str | None) -> None:
    if unknown is None:
        return
    if day is not None:
        raise WarekiError("a full date marked 不詳")
    if month is not None and "月" in unknown:
        raise WarekiError("a month given and marked 不詳")


def _full_match(era: Era, m: re.Match[str]) -> PartialDate:
    month, day = _int(m["m"]), _int(m["d"])
    unknown = m["unknown"]
    if unknown is not None and unknown.startswith("年"):
        raise WarekiError("a year given and marked 不詳")
    _check_unknown_suffix(month, day, unknown)
    return _from_era(era, m["y"], month, day, bool(m["approx"]))


def likely_intended(text: str) -> str:
    """For a date that does not exist in the era written (平成31年5月1日, 令和元年4月30日, H32.1.1),
    the same day in the era in force then, as 和暦 text; "" when there is no such reading."""
    s = _clean(text)
    m = _FULL.match(s)
    era: Era | None = None
    if m:
        era = _BY_NAME[m["era"]]
    else:
        m = _SHORT_COMPACT.match(s) or _SHORT.match(s)
        if m:
            letter = m["era"]
            era = _BY_NAME.get(letter) or _BY_LETTER.get(letter) or _BY_INITIAL.get(letter)
    if m is None or era is None or m["m"] is None or m["d"] is None:
        return ""
    n = 1 if m["y"] == "元" else int(m["y"])
    try:
        day = date(era.start.year + n - 1, int(m["m"]), int(m["d"]))
    except ValueError:
        return ""
    if era.start <= day and (era.end is None or day <= era.end):
        return ""  # the date exists as written
    if day < ERAS[0].start:
        return ""
    return to_wareki(day)


def looks_like_era_date(text: str) -> bool:
    """The text is written as a 和暦 date (era, year, month and day), valid or not."""
    s = _clean(text)
    m = _FULL.match(s) or _SHORT_COMPACT.match(s) or _SHORT.match(s)
    return m is not None and m["m"] is not None and m["d"] is not None


def parse_exact_date(text: str) -> date:
    """Parse a complete date (no unknown parts, not 頃)."""
    pd = parse_date(text)
    d = pd.as_date()
    if d is None:
        raise WarekiError(f"not a complete date: {text!r}")
    return d
