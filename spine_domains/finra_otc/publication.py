"""FINRA's publication schedule, and the week a publication date (``lastUpdateDate``) belongs to.

FINRA first publishes a week of NMS Tier 1 on the Monday three weeks after the week starts, and
NMS Tier 2 and OTC five weeks after; when that Monday is an exchange holiday, on the Tuesday.
Revisions re-publish rows later, so the earliest ``lastUpdateDate`` of a file is the one that
names its week. Taking "the Friday before lastUpdateDate" (the original project's rule) is
wrong by two to four weeks.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from spine_core.errors import MissingData, SourceUnreadable
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.tiers import Tier
from spine_domains.reference.exchange_calendar.calendar import DEFAULT_EXCHANGE, calendar_command

__all__ = ["first_publication", "infer_week_ending", "HolidayLookup"]

#: The holidays of the calendar exchange in a year, or None when that year is not captured.
HolidayLookup = Callable[[int], set[date] | None]

_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def first_publication(week_ending: WeekEnding, tier: Tier) -> date:
    """The Monday FINRA first publishes the week (a day later after a Monday holiday)."""
    return week_ending.week_start + timedelta(days=tier.publication_delay_days)


def infer_week_ending(published: date, tier: Tier, holidays: HolidayLookup) -> tuple[WeekEnding, dict[str, Any]]:
    """The week FINRA first published on ``published``, and how it was inferred (JSON-ready).

    Raises :class:`MissingData` (hint: the command to run) when the publication is a Tuesday and
    the exchange calendar of the Monday before is not captured, and
    :class:`SourceUnreadable` when the date cannot be a first publication.
    """
    delay = tier.publication_delay_days
    facts: dict[str, Any] = {
        "publication_date": published.isoformat(),
        "tier": tier.value,
        "delay_days": delay,
        "holiday_checked": False,
    }
    weekday = published.weekday()
    if weekday == 0:
        return WeekEnding.from_week_start(published - timedelta(days=delay)), facts
    if weekday != 1:
        raise SourceUnreadable(
            f"cannot infer the week from lastUpdateDate {published}: it is a {_DAY_NAMES[weekday]}, but FINRA "
            f"first publishes {tier.description} on a Monday (a Tuesday after a Monday holiday), so this "
            "is a revision date, not a first publication",
            hint="pass --week-ending (the Friday of the traded week)",
            details=facts,
        )
    monday = published - timedelta(days=1)
    closed = holidays(monday.year)
    if closed is None:
        raise MissingData(
            f"cannot infer the week from lastUpdateDate {published}: it is a Tuesday, a first publication "
            f"only when Monday {monday} was an exchange holiday, and the {DEFAULT_EXCHANGE} calendar for "
            f"{monday.year} has not been captured (or pass --week-ending)",
            hint=calendar_command(DEFAULT_EXCHANGE, monday.year),
            details={**facts, "exchange": DEFAULT_EXCHANGE, "year": monday.year},
        )
    if monday not in closed:
        raise SourceUnreadable(
            f"cannot infer the week from lastUpdateDate {published}: it is a Tuesday, but Monday {monday} "
            f"was not a holiday in the {DEFAULT_EXCHANGE} calendar, so this is a revision date, not a first publication",
            hint="pass --week-ending (the Friday of the traded week)",
            details=facts,
        )
    facts["holiday_checked"] = True
    facts["holiday"] = monday.isoformat()
    return WeekEnding.from_week_start(monday - timedelta(days=delay)), facts
