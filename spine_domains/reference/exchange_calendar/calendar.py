"""Trading days from an exchange's holidays (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from spine_core.framework.pipeline import CaptureReader

__all__ = [
    "CALENDAR_PIPELINE",
    "DEFAULT_EXCHANGE",
    "trading_days",
    "holidays_from_rows",
    "years_between",
    "calendar_partition",
    "calendar_command",
    "read_holidays",
]

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


def calendar_partition(exchange: str, year: int) -> dict[str, str]:
    """The partition of the calendar capture of ``exchange`` for ``year``."""
    return {"exchange": exchange.upper(), "year": str(year)}


def calendar_command(exchange: str, year: int) -> str:
    """The command that captures the calendar of ``exchange`` for ``year`` (for MissingData hints)."""
    return f"spine run {CALENDAR_PIPELINE} -p exchange={exchange.upper()} -p year={year} --file <holidays file>"


def read_holidays(reader: CaptureReader | None, exchange: str, year: int) -> set[date] | None:
    """The holidays of ``exchange`` in ``year`` from its calendar capture; None when not captured."""
    if reader is None:
        return None
    capture = reader.current(CALENDAR_PIPELINE, calendar_partition(exchange, year))
    if capture is None:
        return None
    return holidays_from_rows(reader.rows(capture))
