"""Plan a backfill: which file of a directory listing holds each requested week (pure).

A week's file is the one whose name holds, in this order of preference, the week ending
(``2025-11-14`` or ``20251114``), the week start (``2025-11-10`` or ``20251110``), or the tier's
first publication Monday as FINRA's download names it (``20251215`` in
``finra_otc_weekly_otc_20251215.csv``). Files whose name states another tier are not
candidates, and a file that holds another requested week's end or start date is not taken as a
publication-date match (the publication Monday of a week is the start of a later one).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from spine_core.errors import InvalidParameter, SpineError
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.publication import first_publication
from spine_domains.finra_otc.tiers import Tier

__all__ = ["MAX_WEEKS", "PlanStatus", "PlannedWeek", "parse_weeks", "expand_weeks", "plan_backfill", "tiers_named"]

#: At most five years of weeks per backfill.
MAX_WEEKS = 260
_RANGE = ".."

# A tier named in a file name: "nms_tier_1", "tier1", "T1"; "otc"/"otce" unless it is the
# "finra_otc" of FINRA's own file names. Separators are anything but letters and digits.
_TIER_PATTERNS = {
    Tier.NMS_TIER_1: re.compile(r"(?<![a-z0-9])(nms[_ -]?)?(tier[_ -]?1|t1)(?![a-z0-9])"),
    Tier.NMS_TIER_2: re.compile(r"(?<![a-z0-9])(nms[_ -]?)?(tier[_ -]?2|t2)(?![a-z0-9])"),
    Tier.OTC: re.compile(r"(?<![a-z0-9])(?<!finra[_ -])otce?(?![a-z0-9])"),
}


class PlanStatus(StrEnum):
    PLANNED = "planned"
    MISSING_FILE = "missing_file"
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True, slots=True)
class PlannedWeek:
    week_ending: WeekEnding
    files: tuple[str, ...]
    matched_by: str | None  # "week_ending", "week_start" or "publication_date"

    @property
    def status(self) -> PlanStatus:
        if not self.files:
            return PlanStatus.MISSING_FILE
        return PlanStatus.PLANNED if len(self.files) == 1 else PlanStatus.AMBIGUOUS

    @property
    def file_column(self) -> str | None:
        """The file, or the candidates separated by ';' when ambiguous, or None."""
        return ";".join(self.files) if self.files else None


def parse_weeks(text: object) -> str:
    """Validate a ``weeks`` parameter and return it normalised (spaces removed).

    Items are Fridays (``2025-11-28``) or inclusive ranges of Fridays (``2025-11-28..2026-01-02``),
    separated by commas. Raises :class:`InvalidParameter` naming the nearest Friday of a day
    that is not one, for a range that ends before it starts, or beyond :data:`MAX_WEEKS` weeks.
    """
    items = [item.replace(" ", "") for item in str(text).split(",") if item.strip()]
    normalised = ",".join(items)
    expand_weeks(normalised)
    return normalised


def expand_weeks(text: str) -> list[WeekEnding]:
    """The distinct weeks a ``weeks`` parameter names, ascending."""
    weeks: set[WeekEnding] = set()
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise InvalidParameter("weeks names no week", hint="e.g. -p weeks=2025-11-28..2026-01-02,2026-01-16")
    for item in items:
        if _RANGE in item:
            first_text, _, last_text = item.partition(_RANGE)
            first, last = _friday(first_text), _friday(last_text)
            if last < first:
                raise InvalidParameter(f"the range {item} ends before it starts", hint=f"write it as {last}..{first}")
            span = (last.value - first.value).days // 7 + 1
            if span > MAX_WEEKS:
                raise _too_many(span)
            weeks.update(first.shift(n) for n in range(span))
        else:
            weeks.add(_friday(item))
        if len(weeks) > MAX_WEEKS:
            raise _too_many(len(weeks))
    return sorted(weeks)


def _friday(text: str) -> WeekEnding:
    try:
        return WeekEnding.parse(text)
    except SpineError as error:
        raise InvalidParameter(f"weeks: {error.message}", hint=error.hint, details=error.details) from None


def _too_many(count: int) -> InvalidParameter:
    return InvalidParameter(
        f"weeks names {count} weeks, more than {MAX_WEEKS} (five years) in one backfill",
        hint="split the backfill into several ranges of at most 260 weeks",
    )


def tiers_named(file_name: str) -> set[Tier]:
    """The tiers a file's name states (none for most names)."""
    name = file_name.rsplit("/", 1)[-1].lower()
    return {tier for tier, pattern in _TIER_PATTERNS.items() if pattern.search(name)}


def plan_backfill(weeks: Sequence[WeekEnding], tier: Tier, listing: Sequence[str]) -> list[PlannedWeek]:
    """For each week (ascending), the files of ``listing`` that hold it, and by which rule."""
    candidates = [path for path in listing if _for_tier(path, tier)]
    # Files named after a requested week's own dates are that week's, never another's publication match.
    claimed = {
        path for week in weeks for path in candidates if _holds(path, week.value) or _holds(path, week.week_start)
    }
    plan: list[PlannedWeek] = []
    for week in sorted(weeks):
        rules = (
            ("week_ending", [p for p in candidates if _holds(p, week.value)]),
            ("week_start", [p for p in candidates if _holds(p, week.week_start)]),
            (
                "publication_date",
                [p for p in candidates if p not in claimed and _holds(p, first_publication(week, tier), iso=False)],
            ),
        )
        found = next(((rule, files) for rule, files in rules if files), None)
        if found is None:
            plan.append(PlannedWeek(week, (), None))
        else:
            plan.append(PlannedWeek(week, tuple(sorted(found[1])), found[0]))
    return plan


def _for_tier(path: str, tier: Tier) -> bool:
    named = tiers_named(path)
    return not named or tier in named


def _holds(path: str, day: date, *, iso: bool = True) -> bool:
    forms = [day.strftime("%Y%m%d")] + ([day.isoformat()] if iso else [])
    return any(re.search(rf"(?<![0-9]){form}(?![0-9])", path) for form in forms)
