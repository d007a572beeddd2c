"""WeekEnding: business time is a Friday; anything else is refused naming the nearest Friday."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from spine_core.errors import InvalidWeekEnding
from spine_core.temporal import WeekEnding

FRIDAY = date(2025, 11, 14)


@pytest.mark.parametrize(
    ("day", "name", "nearest"),
    [
        (date(2025, 11, 10), "Monday", date(2025, 11, 7)),
        (date(2025, 11, 11), "Tuesday", date(2025, 11, 14)),
        (date(2025, 11, 12), "Wednesday", date(2025, 11, 14)),
        (date(2025, 11, 13), "Thursday", date(2025, 11, 14)),
        (date(2025, 11, 15), "Saturday", date(2025, 11, 14)),
        (date(2025, 11, 16), "Sunday", date(2025, 11, 14)),
    ],
)
def test_non_friday_is_refused_naming_the_nearest_friday(day: date, name: str, nearest: date) -> None:
    with pytest.raises(InvalidWeekEnding) as raised:
        WeekEnding(day)

    error = raised.value
    assert name in error.message and "not a Friday" in error.message
    assert error.hint == f"the nearest Friday is {nearest.isoformat()}"
    assert error.details == {"given": day.isoformat(), "nearest_friday": nearest.isoformat()}
    assert nearest.isoformat() in str(error)
    assert error.code == "invalid_week_ending"


def test_friday_is_accepted_and_prints_as_iso() -> None:
    week = WeekEnding(FRIDAY)
    assert week.value == FRIDAY
    assert str(week) == "2025-11-14"


def test_nearest_friday_of_a_friday_is_itself() -> None:
    assert WeekEnding.nearest_friday(FRIDAY) == FRIDAY


def test_datetime_is_refused() -> None:
    with pytest.raises(InvalidWeekEnding, match="must be a date"):
        WeekEnding(datetime(2025, 11, 14, 12, 0))  # type: ignore[arg-type]


def test_parse_text_and_date() -> None:
    assert WeekEnding.parse(" 2025-11-14 ") == WeekEnding(FRIDAY)
    assert WeekEnding.parse(FRIDAY) == WeekEnding(FRIDAY)


@pytest.mark.parametrize("text", ["14/11/2025", "2025-13-01", "", "friday"])
def test_parse_error_gives_a_hint(text: str) -> None:
    with pytest.raises(InvalidWeekEnding) as raised:
        WeekEnding.parse(text)
    assert "is not a date" in raised.value.message
    assert raised.value.hint is not None and "YYYY-MM-DD" in raised.value.hint


def test_parse_of_a_valid_non_friday_names_the_nearest_friday() -> None:
    with pytest.raises(InvalidWeekEnding) as raised:
        WeekEnding.parse("2025-11-13")
    assert raised.value.details["nearest_friday"] == "2025-11-14"


def test_week_start_is_the_monday() -> None:
    week = WeekEnding(FRIDAY)
    assert week.week_start == date(2025, 11, 10)
    assert week.week_start.weekday() == 0


def test_from_week_start_round_trips() -> None:
    assert WeekEnding.from_week_start(date(2025, 11, 10)) == WeekEnding(FRIDAY)
    assert WeekEnding.from_week_start(WeekEnding(FRIDAY).week_start) == WeekEnding(FRIDAY)


def test_from_week_start_refuses_a_non_monday() -> None:
    with pytest.raises(InvalidWeekEnding, match="is a Tuesday, not a Monday"):
        WeekEnding.from_week_start(date(2025, 11, 11))


def test_shift_moves_whole_weeks_across_a_year_end() -> None:
    last_of_2025 = WeekEnding(date(2025, 12, 26))
    assert last_of_2025.shift(1) == WeekEnding(date(2026, 1, 2))
    assert last_of_2025.shift(-52) == WeekEnding(date(2024, 12, 27))
    assert last_of_2025.shift(0) == last_of_2025


def test_week_endings_order_by_date() -> None:
    weeks = [WeekEnding(FRIDAY).shift(n) for n in (2, -1, 0)]
    assert sorted(weeks) == [WeekEnding(FRIDAY).shift(n) for n in (-1, 0, 2)]


@pytest.mark.parametrize("day", [date(1, 1, 1), date(1, 1, 2)])
def test_a_day_at_the_calendars_edge_is_refused_not_overflowed(day: date) -> None:
    with pytest.raises(InvalidWeekEnding, match="not a Friday"):
        WeekEnding(day)
