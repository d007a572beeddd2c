"""Trading days from an exchange's holidays (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

__all__ = ["CALENDAR_PIPELINE", "DEFAULT_EXCHANGE", "trading_days", "holidays_from_rows", "years_between"]

CALENDAR_PIPELINE = "reference.exchange_calendar.ingest_year"
DEFAULT_EXCHANGE = "XNYS"


def trading_days(start: date, end: date, holidays: Iterable[date]) -> int:
    """Weekdays from ``start`` to ``end`` inclusive that are not holidays."""
    if end < start:
        return 0
    closed = set(holidays)
    days = 0
    day = start
    while day <= end:
        if day.weekday() < 5 and day not in closed:
            days += 1
        day += timedelta(days=1)
    return days


def holidays_from_rows(rows: Iterable[tuple[str | None, ...]]) -> set[date]:
    """Holidays from a calendar capture's rows (``date``, ``name``)."""
    return {date.fromisoformat(str(row[0])) for row in rows if row and row[0]}


def years_between(start: date, end: date) -> list[int]:
    """The calendar years a date range touches (a week can span New Year)."""
    return list(range(start.year, end.year + 1))
