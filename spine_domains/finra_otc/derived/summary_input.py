"""Reading ``aggregate_week`` captures: the per-symbol totals later calcs start from."""

from __future__ import annotations

from collections.abc import Iterable

from spine_core.framework.pipeline import CaptureRef
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.calcs import SYMBOL_SUMMARY
from spine_domains.finra_otc.derived.inputs import InputSpec, calc_partition, column_getter, run_command
from spine_domains.finra_otc.derived.symbol_summary import AggregateWeek
from spine_domains.finra_otc.tiers import Tier

__all__ = ["summary_spec", "symbol_totals"]


def summary_spec(role: str, week: WeekEnding, tier: Tier, *, required: bool = True) -> InputSpec:
    """The aggregate_week capture of a week at symbol_summary's current version."""
    return InputSpec(
        role,
        AggregateWeek.name,
        calc_partition(SYMBOL_SUMMARY, week, tier),
        run_command(AggregateWeek.name, week, tier),
        required=required,
    )


def symbol_totals(ref: CaptureRef, rows: Iterable[tuple[str | None, ...]]) -> dict[str, int]:
    """symbol -> total shares (a symbol listed twice is summed, which a summary never does)."""
    pick = column_getter(ref, ("symbol", "total_shares"))
    totals: dict[str, int] = {}
    get = totals.get
    for row in rows:
        symbol, shares = pick(row)
        totals[symbol] = get(symbol, 0) + int(shares)
    return totals
