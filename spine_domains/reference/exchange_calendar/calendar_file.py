"""An exchange's holidays for one year, from a calendar JSON file (pure).

Accepted shape (the ``type``, ``exchange_name`` and ``source`` keys are optional)::

    {"exchange_code": "XNYS", "year": 2025, "exchange_name": "...", "source": "...",
     "holidays": [{"date": "2025-01-01", "name": "New Year's Day", "type": "market_holiday"}, ...]}

Each holiday entry is accepted as a ``(date, name)`` row or rejected with a reason; its number
is its 1-based position in ``holidays``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from spine_core.errors import SourceUnreadable
from spine_core.rejects import Reject, RejectReason, split_outcomes

__all__ = ["CalendarFile", "read_calendar_file", "CLOSED_TYPES"]

#: ``type`` values of full-day closures (an early close is a trading day, not a holiday).
CLOSED_TYPES = frozenset({"market_holiday", "holiday", "closed", "full_day"})
_HINT = (
    'pass a calendar JSON file: {"exchange_code": "XNYS", "year": 2025, '
    '"holidays": [{"date": "2025-01-01", "name": "New Year\'s Day"}, ...]}'
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass
class CalendarFile:
    """A calendar file checked against the run's exchange and year."""

    exchange: str
    year: int
    exchange_name: str | None
    source: str | None
    lines_read: int
    rows: list[tuple[str, str | None]] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


def read_calendar_file(lines: Iterable[str], exchange: str, year: int) -> CalendarFile:
    """Parse and check a calendar file. Raises :class:`SourceUnreadable` when it is not one, or
    is the calendar of another exchange or year."""
    parts = list(lines)
    text = "\n".join(parts).replace("\ufeff", "", 1)
    if not text.strip():
        raise SourceUnreadable("the calendar file is empty", hint=_HINT)
    try:
        document = json.loads(text)
    except ValueError as error:
        raise SourceUnreadable(f"the calendar file is not valid JSON: {error}", hint=_HINT) from None
    if not isinstance(document, dict) or not isinstance(document.get("holidays"), list):
        raise SourceUnreadable("the calendar file is not an object with a 'holidays' list", hint=_HINT)
    file_exchange = str(document.get("exchange_code") or document.get("exchange") or "").strip().upper()
    file_year = document.get("year")
    if not file_exchange or file_year is None:
        raise SourceUnreadable("the calendar file does not state its 'exchange_code' and 'year'", hint=_HINT)
    if file_exchange != exchange:
        raise SourceUnreadable(
            f"the calendar file is for exchange {file_exchange}, but this run ingests {exchange}",
            hint=f"pass -p exchange={file_exchange}, or the {exchange} calendar file",
            details={"file_exchange": file_exchange, "exchange": exchange},
        )
    if str(file_year).strip() != str(year):
        raise SourceUnreadable(
            f"the calendar file is for year {file_year}, but this run ingests {year}",
            hint=f"pass -p year={file_year}, or the calendar file of {year}",
            details={"file_year": file_year, "year": year},
        )
    out = CalendarFile(exchange, year, _text(document.get("exchange_name")), _text(document.get("source")), len(parts))
    seen: dict[date, int] = {}
    out.rows, out.rejects = split_outcomes(
        _check(index, entry, year, seen) for index, entry in enumerate(document["holidays"], start=1)
    )
    return out


def _check(index: int, entry: Any, year: int, seen: dict[date, int]) -> tuple[str, str | None] | Reject:
    raw = json.dumps(entry, separators=(",", ":"), ensure_ascii=False)

    def reject(reason: RejectReason, detail: str) -> Reject:
        return Reject(index, reason, detail, raw)

    if not isinstance(entry, dict):
        return reject(RejectReason.INVALID_RECORD, "the holiday entry is not an object with 'date' and 'name'")
    text = entry.get("date")
    if text is None or not str(text).strip():
        return reject(RejectReason.MISSING_FIELD, "date is missing or empty")
    try:
        day = date.fromisoformat(str(text).strip()) if len(str(text).strip()) == 10 else None
    except ValueError:
        day = None
    if day is None:
        return reject(RejectReason.INVALID_DATE, f"date {str(text)!r} is not a date of the form YYYY-MM-DD")
    if day.year != year:
        return reject(RejectReason.OUT_OF_RANGE, f"date {day} is not in {year}, the calendar's year")
    if day.weekday() >= 5:
        return reject(RejectReason.OUT_OF_RANGE, f"date {day} is a {_DAYS[day.weekday()]}: not a trading day")
    kind = entry.get("type")
    if kind is not None and str(kind).strip().lower() not in CLOSED_TYPES:
        return reject(
            RejectReason.INVALID_RECORD,
            f"type {str(kind)!r} is not a full-day closure (only market holidays count; an early close is a trading day)",
        )
    if day in seen:
        return reject(RejectReason.DUPLICATE_KEY, f"date {day} already appeared as holiday {seen[day]}")
    seen[day] = index
    return day.isoformat(), _text(entry.get("name"))


def _text(value: object) -> str | None:
    return None if value is None or not str(value).strip() else str(value)
