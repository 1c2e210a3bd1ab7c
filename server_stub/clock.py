"""Time helpers: the server stores UTC; business dates (発行日, 日計) are Japan dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

JST = timezone(timedelta(hours=9), "JST")


def now_jst() -> datetime:
    return datetime.now(JST)


def to_utc(value: datetime) -> datetime:
    """Aware UTC; a naive value (as SQLite returns) is read as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def jst_date(value: datetime) -> date:
    return to_utc(value).astimezone(JST).date()
