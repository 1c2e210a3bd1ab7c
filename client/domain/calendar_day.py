"""The day a moment falls on in Japan (日本標準時): every date rule is decided on this day.

A 支援措置's start, an 抑止's period, the 年度, the 保存期間 of a 除票 and the date printed on a
certificate are Japanese calendar days. The server works in JST, but a terminal's clock may hand
the rule engine an aware UTC moment: between 15:00 and 24:00 UTC its ``.date()`` is the day
before the Japanese one, and a 支援措置 recorded "today" would not yet be in force. So the rules
never call ``.date()`` on a moment; they call :func:`japan_date`. A naive moment is taken to be
Japanese local time already (the server's ``now_jst`` values and the test factories).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

JST = timezone(timedelta(hours=9), "JST")


def japan_date(moment: datetime) -> date:
    return moment.astimezone(JST).date() if moment.tzinfo is not None else moment.date()
