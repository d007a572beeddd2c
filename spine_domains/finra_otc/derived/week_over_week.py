"""compute_week_over_week (calc ``week_over_week``): each symbol's volume against the prior week.

Without a prior week the run still completes: every row says NO_PRIOR and a warning names the
missing week and the command that captures it (a partial result, not a crash).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spine_core.quality import CheckStatus, QualityResult, Severity
from spine_domains.finra_otc.calcs import WEEK_OVER_WEEK
from spine_domains.finra_otc.derived.base import DerivedPipeline, DerivedRun, Row
from spine_domains.finra_otc.derived.inputs import InputSpec, run_command
from spine_domains.finra_otc.derived.numbers import percent_change
from spine_domains.finra_otc.derived.summary_input import summary_spec, symbol_totals
from spine_domains.finra_otc.derived.symbol_summary import AggregateWeek

__all__ = ["ComputeWeekOverWeek", "WOW_COLUMNS", "NEW", "DROPPED", "CHANGED", "UNCHANGED", "NO_PRIOR", "wow_rows"]

WOW_COLUMNS = ("symbol", "total_shares", "prior_total_shares", "change_shares", "change_pct", "status")
NEW = "NEW"
DROPPED = "DROPPED"
CHANGED = "CHANGED"
UNCHANGED = "UNCHANGED"
NO_PRIOR = "NO_PRIOR"


def wow_rows(current: Mapping[str, int], prior: Mapping[str, int] | None) -> list[tuple[Any, ...]]:
    """Rows by total shares desc, then symbol; symbols only in the prior week come as DROPPED with 0."""
    out: list[tuple[Any, ...]] = []
    if prior is None:
        out = [(symbol, shares, None, None, None, NO_PRIOR) for symbol, shares in current.items()]
    else:
        for symbol in current.keys() | prior.keys():
            shares = current.get(symbol)
            before = prior.get(symbol)
            if before is None:
                out.append((symbol, shares, None, None, None, NEW))
            elif shares is None:
                out.append((symbol, 0, before, -before, percent_change(0, before), DROPPED))
            else:
                status = UNCHANGED if shares == before else CHANGED
                out.append((symbol, shares, before, shares - before, percent_change(shares, before), status))
    out.sort(key=lambda r: (-r[1], r[0]))
    return out


class ComputeWeekOverWeek(DerivedPipeline):
    """Per symbol: total shares against the prior week (NEW, DROPPED, CHANGED, UNCHANGED)."""

    name = "finra.otc_transparency.compute_week_over_week"
    stage = "wow"
    description = (
        "Week-over-week change per symbol: total shares of the week against the prior week "
        "(change in shares and percent). Without a prior week every row is NO_PRIOR and a "
        "warning names the week to load."
    )
    row_columns = WOW_COLUMNS
    calc = WEEK_OVER_WEEK
    clock_role = "current"

    def input_specs(self, params: Mapping[str, Any]) -> list[InputSpec]:
        week, tier = self.week_and_tier(params)
        return [summary_spec("current", week, tier), summary_spec("prior", week.shift(-1), tier, required=False)]

    def compute(self, run: DerivedRun) -> list[Row]:
        prior_week = run.week.shift(-1)
        current = symbol_totals(run.captures["current"], run.rows("current"))
        prior_ref = run.captures.get("prior")
        prior = symbol_totals(prior_ref, run.rows("prior")) if prior_ref is not None else None
        rows = wow_rows(current, prior)
        if prior_ref is None:
            command = run_command(AggregateWeek.name, prior_week, run.tier)
            run.check(
                QualityResult(
                    check="prior_week",
                    status=CheckStatus.WARN,
                    severity=Severity.WARN,
                    message=f"no aggregate_week capture of the prior week {prior_week} for {run.tier}: "
                    f"rows are NO_PRIOR (run: {command})",
                    details={"missing_week": str(prior_week), "command": command},
                )
            )
        else:
            run.check(
                QualityResult(
                    check="prior_week",
                    status=CheckStatus.PASS,
                    message=f"compared with week {prior_week}",
                    details={"prior_week": str(prior_week)},
                )
            )
        statuses: dict[str, int] = {}
        for row in rows:
            statuses[row[5]] = statuses.get(row[5], 0) + 1
        run.details.update(prior_week=str(prior_week), rows_by_status=dict(sorted(statuses.items())))
        return rows
