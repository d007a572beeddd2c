"""compute_volume_per_day (calc ``volume_per_trading_day``): shares per trading day of the week.

Trading days are the week's Monday to Friday less the exchange's holidays, read from the
exchange calendar captures of every year the week touches (a week can span New Year). A
missing calendar year fails loud with the command that loads it; a week with no trading day
yields no rows and a warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spine_core.framework.params import ParamSpec
from spine_core.quality import CheckStatus, QualityResult, Severity
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.calcs import VOLUME_PER_TRADING_DAY
from spine_domains.finra_otc.derived.base import TIER_PARAM, WEEK_PARAM, DerivedPipeline, DerivedRun, Row
from spine_domains.finra_otc.derived.inputs import InputSpec, run_command
from spine_domains.finra_otc.derived.numbers import STAT_PLACES, ratio
from spine_domains.finra_otc.derived.summary_input import summary_spec, symbol_totals
from spine_domains.reference.exchange_calendar.calendar import (
    CALENDAR_PIPELINE,
    DEFAULT_EXCHANGE,
    holidays_from_rows,
    trading_days,
    years_between,
)

__all__ = ["ComputeVolumePerDay", "PER_DAY_COLUMNS", "HOLIDAYS_FILE_PLACEHOLDER", "calendar_role", "calendar_spec"]

PER_DAY_COLUMNS = ("symbol", "total_shares", "trading_days", "shares_per_day")
HOLIDAYS_FILE_PLACEHOLDER = "<holidays file>"


def _exchange(value: object) -> str:
    text = str(value).strip().upper()
    if not text:
        raise ValueError("expected an exchange code such as XNYS")
    return text


EXCHANGE_PARAM = ParamSpec.custom(
    "exchange",
    "exchange (a MIC such as XNYS)",
    _exchange,
    default=DEFAULT_EXCHANGE,
    help=f"the exchange whose holidays close the market (default {DEFAULT_EXCHANGE})",
)


def calendar_role(year: int) -> str:
    return f"calendar-{year}"


def calendar_spec(exchange: str, year: int) -> InputSpec:
    """The exchange calendar capture of one year."""
    command = run_command(
        CALENDAR_PIPELINE, params={"exchange": exchange, "year": year}, file=HOLIDAYS_FILE_PLACEHOLDER
    )
    return InputSpec(calendar_role(year), CALENDAR_PIPELINE, {"exchange": exchange, "year": str(year)}, command)


def _week_years(week: WeekEnding) -> list[int]:
    return years_between(week.week_start, week.value)


class ComputeVolumePerDay(DerivedPipeline):
    """Per symbol: the week's shares divided by the exchange's trading days in that week."""

    name = "finra.otc_transparency.compute_volume_per_day"
    stage = "per_day"
    description = (
        "Volume per trading day per symbol: total shares over the week's trading days (Monday to "
        "Friday less the exchange's holidays, from the exchange calendar captures)."
    )
    partition_by = ("week_ending", "tier", "exchange")
    params = (WEEK_PARAM, TIER_PARAM, EXCHANGE_PARAM)
    row_columns = PER_DAY_COLUMNS
    calc = VOLUME_PER_TRADING_DAY
    clock_role = "summary"

    def input_specs(self, params: Mapping[str, Any]) -> list[InputSpec]:
        week, tier = self.week_and_tier(params)
        exchange = _exchange(params["exchange"])
        return [summary_spec("summary", week, tier), *(calendar_spec(exchange, y) for y in _week_years(week))]

    def compute(self, run: DerivedRun) -> list[Row]:
        week = run.week
        exchange = _exchange(run.params["exchange"])
        holidays = set()
        for year in _week_years(week):
            holidays |= holidays_from_rows(run.rows(calendar_role(year)))
        days = trading_days(week.week_start, week.value, holidays)
        closed = sorted(str(d) for d in holidays if week.week_start <= d <= week.value)
        rows: list[Row] = []
        if days:
            totals = symbol_totals(run.captures["summary"], run.rows("summary"))
            rows = [
                (symbol, shares, days, ratio(shares, days, STAT_PLACES))
                for symbol, shares in sorted(totals.items(), key=lambda item: (-item[1], item[0]))
            ]
        run.check(
            QualityResult(
                check="trading_days",
                status=CheckStatus.PASS if days else CheckStatus.WARN,
                severity=Severity.INFO if days else Severity.WARN,
                message=(
                    f"{days} trading day(s) on {exchange} in week {week}"
                    + (f" (closed {', '.join(closed)})" if closed else "")
                    if days
                    else f"week {week} has no trading day on {exchange} (closed {', '.join(closed)}): no rows"
                ),
                value=float(days),
                details={"exchange": exchange, "trading_days": days, "holidays": closed},
            )
        )
        run.details.update(exchange=exchange, trading_days=days, holidays=closed)
        return rows
