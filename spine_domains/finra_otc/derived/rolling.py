"""compute_rolling (calc ``rolling``): per-symbol statistics over a window of weeks.

The window is a parameter and is honoured: week-0 (the run's week, required) and the
``window - 1`` weeks before it, each read when captured and skipped when not. A short history
is not an error: rows are computed from the weeks that exist, and ``insufficient_history``
lists the missing weeks. Trends compare the last week present with the first, exactly (no
rounding at the ±5% edge).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spine_core.errors import InvalidParameter
from spine_core.framework.params import ParamSpec
from spine_core.quality import CheckStatus, QualityResult, Severity
from spine_domains.finra_otc.calcs import ROLLING
from spine_domains.finra_otc.derived.base import TIER_PARAM, WEEK_PARAM, DerivedPipeline, DerivedRun, Row
from spine_domains.finra_otc.derived.inputs import InputSpec
from spine_domains.finra_otc.derived.numbers import STAT_PLACES, percent_change, ratio
from spine_domains.finra_otc.derived.summary_input import summary_spec, symbol_totals

__all__ = [
    "ComputeRolling",
    "ROLLING_COLUMNS",
    "DEFAULT_WINDOW",
    "MAX_WINDOW",
    "TREND_PERCENT",
    "rolling_rows",
    "trend",
    "week_role",
]

ROLLING_COLUMNS = (
    "symbol",
    "window",
    "weeks_present",
    "avg_shares",
    "min_shares",
    "max_shares",
    "first_shares",
    "last_shares",
    "change_pct",
    "trend",
    "complete",
)
DEFAULT_WINDOW = 6
MAX_WINDOW = 52
#: A change of at least this many percent (either way) is a trend.
TREND_PERCENT = 5
UP = "UP"
DOWN = "DOWN"
FLAT = "FLAT"

WINDOW_PARAM = ParamSpec.integer(
    "window", default=DEFAULT_WINDOW, minimum=1, help=f"weeks in the window, ending with week_ending (1..{MAX_WINDOW})"
)


def week_role(offset: int) -> str:
    """The input role of the week ``offset`` weeks before the run's week (``week-0`` is the week itself)."""
    return f"week-{offset}"


def trend(first: int, last: int) -> str:
    """UP at a change of +5% or more, DOWN at -5% or less, else FLAT (also when ``first`` is 0)."""
    if first <= 0:
        return FLAT
    change = (last - first) * 100
    if change >= TREND_PERCENT * first:
        return UP
    if change <= -TREND_PERCENT * first:
        return DOWN
    return FLAT


def rolling_rows(weeks: list[dict[str, int]], window: int) -> list[tuple[Any, ...]]:
    """Rows by symbol from the per-symbol totals of the weeks present, oldest week first."""
    series: dict[str, list[int]] = {}
    for totals in weeks:
        for symbol, shares in totals.items():
            values = series.get(symbol)
            if values is None:
                series[symbol] = [shares]
            else:
                values.append(shares)
    out: list[tuple[Any, ...]] = []
    for symbol in sorted(series):
        values = series[symbol]
        present = len(values)
        first, last = values[0], values[-1]
        out.append(
            (
                symbol,
                window,
                present,
                ratio(sum(values), present, STAT_PLACES),
                min(values),
                max(values),
                first,
                last,
                percent_change(last, first),
                trend(first, last),
                "true" if present == window else "false",
            )
        )
    return out


class ComputeRolling(DerivedPipeline):
    """Per symbol over the ``window`` weeks ending with the week: average, range, change and trend."""

    name = "finra.otc_transparency.compute_rolling"
    stage = "rolling"
    description = (
        "Rolling statistics per symbol over a window of weeks (parameter window, default 6): "
        "average, min, max, first and last volume, change and trend (UP/DOWN at ±5%). Missing "
        "weeks are skipped and reported, not fatal."
    )
    partition_by = ("week_ending", "tier", "window")
    params = (WEEK_PARAM, TIER_PARAM, WINDOW_PARAM)
    row_columns = ROLLING_COLUMNS
    calc = ROLLING
    clock_role = week_role(0)

    def parse_params(self, raw: Mapping[str, object]) -> dict[str, Any]:
        params = super().parse_params(raw)
        if params["window"] > MAX_WINDOW:
            raise InvalidParameter(
                f"parameter 'window' must be at most {MAX_WINDOW}, got {params['window']}",
                hint=f"use a window of 1 to {MAX_WINDOW} weeks",
                details={"parameter": "window"},
            )
        return params

    def input_specs(self, params: Mapping[str, Any]) -> list[InputSpec]:
        week, tier = self.week_and_tier(params)
        window = int(params["window"])
        return [
            summary_spec(week_role(offset), week.shift(-offset), tier, required=offset == 0) for offset in range(window)
        ]

    def compute(self, run: DerivedRun) -> list[Row]:
        window = int(run.params["window"])
        weeks: list[dict[str, int]] = []
        used: list[str] = []
        missing: list[str] = []
        for offset in reversed(range(window)):  # oldest first
            ref = run.captures.get(week_role(offset))
            day = str(run.week.shift(-offset))
            if ref is None:
                missing.append(day)
                continue
            weeks.append(symbol_totals(ref, run.reader.rows(ref)))
            used.append(day)
        details = {"window": window, "missing_weeks": missing, "weeks_present": used}
        if missing:
            run.check(
                QualityResult(
                    check="insufficient_history",
                    status=CheckStatus.WARN,
                    severity=Severity.WARN,
                    message=f"{len(missing)} of {window} weeks have no aggregate_week capture for {run.tier}: "
                    f"{', '.join(missing)}; statistics use the {len(used)} week(s) present",
                    value=float(len(missing)),
                    threshold=float(window),
                    details=details,
                )
            )
        else:
            run.check(
                QualityResult(
                    check="insufficient_history",
                    status=CheckStatus.PASS,
                    message=f"all {window} weeks of the window are present",
                    value=0.0,
                    threshold=float(window),
                    details=details,
                )
            )
        run.details.update(window=window, weeks_present=used, missing_weeks=missing)
        return rolling_rows(weeks, window)
