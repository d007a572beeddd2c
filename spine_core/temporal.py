"""The three clocks of Spine's time model.

* business time — the period the data describes (:class:`WeekEnding`, a Friday);
* source time — when the source (re)published the data (e.g. FINRA's ``lastUpdateDate``);
* capture time — when Spine ingested it (``captured_at``, UTC).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from spine_core.errors import InvalidWeekEnding

__all__ = ["WeekEnding", "Clocks", "utc_now"]

_FRIDAY = 4
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, order=True, slots=True)
class WeekEnding:
    """The Friday that closes a trading week. Refuses any other day, naming the nearest Friday."""

    value: date

    def __post_init__(self) -> None:
        if not isinstance(self.value, date) or isinstance(self.value, datetime):
            raise InvalidWeekEnding(f"week ending must be a date, got {self.value!r}")
        if self.value.weekday() != _FRIDAY:
            try:
                nearest = self.nearest_friday(self.value)
            except OverflowError:  # at the edge of the calendar (year 1 or 9999): no Friday to name
                raise InvalidWeekEnding(
                    f"week ending {self.value.isoformat()} is not a Friday", hint="use a Friday, e.g. 2025-11-14"
                ) from None
            raise InvalidWeekEnding(
                f"week ending {self.value.isoformat()} is a {_DAY_NAMES[self.value.weekday()]}, not a Friday",
                hint=f"the nearest Friday is {nearest.isoformat()}",
                details={"given": self.value.isoformat(), "nearest_friday": nearest.isoformat()},
            )

    @staticmethod
    def nearest_friday(day: date) -> date:
        """The Friday closest to ``day`` (ties cannot happen: distances are 0..3)."""
        back = (day.weekday() - _FRIDAY) % 7
        return day - timedelta(days=back) if back <= 3 else day + timedelta(days=7 - back)

    @classmethod
    def parse(cls, text: str | date) -> WeekEnding:
        if isinstance(text, date) and not isinstance(text, datetime):
            return cls(text)
        raw = str(text).strip()
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise InvalidWeekEnding(
                f"week ending {raw!r} is not a date", hint="use the form YYYY-MM-DD, e.g. 2025-11-14"
            ) from None
        return cls(day)

    @classmethod
    def from_week_start(cls, monday: date) -> WeekEnding:
        """FINRA's API names weeks by their Monday (``weekStartDate``)."""
        if monday.weekday() != 0:
            raise InvalidWeekEnding(
                f"week start {monday.isoformat()} is a {_DAY_NAMES[monday.weekday()]}, not a Monday"
            )
        return cls(monday + timedelta(days=4))

    @property
    def week_start(self) -> date:
        return self.value - timedelta(days=4)

    def shift(self, weeks: int) -> WeekEnding:
        return WeekEnding(self.value + timedelta(weeks=weeks))

    def __str__(self) -> str:
        return self.value.isoformat()


@dataclass(frozen=True, slots=True)
class Clocks:
    """The three clocks of one captured fact."""

    week_ending: WeekEnding
    source_updated: date | None
    captured_at: datetime
