"""The calc read models the gateway serves, as data: one entry per endpoint.

A view names its pipeline and says only how it shows the rows: the table and the columns come
from :data:`~projections.finra_otc.tables.TABLES` and the pipeline's ``row_columns``; ``lead``
lists the columns shown first, the others follow in the pipeline's order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from projections.finra_otc.tables import TABLES
from spine_core.framework.pipeline import Pipeline
from spine_domains.finra_otc.derived.ats_share import ComputeAtsShare
from spine_domains.finra_otc.derived.concentration import ComputeSymbolConcentration
from spine_domains.finra_otc.derived.per_day import ComputeVolumePerDay
from spine_domains.finra_otc.derived.rolling import ComputeRolling
from spine_domains.finra_otc.derived.symbol_summary import AggregateWeek
from spine_domains.finra_otc.derived.tier_share import ComputeTierShare
from spine_domains.finra_otc.derived.venue_share import ComputeVenueShare
from spine_domains.finra_otc.derived.week_over_week import ComputeWeekOverWeek
from spine_domains.finra_otc.pipelines import IngestWeek

__all__ = ["CalcView", "CALC_VIEWS", "VENUE_ROW_COLUMNS", "shown_columns"]

#: The ingest columns the venue rows endpoint serves: every row column but the API-only
#: notional and the week start (the same for every row of a week).
VENUE_ROW_COLUMNS: tuple[str, ...] = tuple(
    c for c in IngestWeek.row_columns if c not in ("total_notional", "week_start_date")
)


@dataclass(frozen=True, slots=True)
class CalcView:
    """One calc endpoint: its path, the pipeline and table it reads, and how it shows the rows."""

    path: str
    pipeline: str
    table: str
    columns: tuple[str, ...]
    order_by: str
    summary: str
    cli: str


def shown_columns(lead: Sequence[str], columns: Sequence[str]) -> tuple[str, ...]:
    """``lead``, then the other ``columns`` in their order; a lead column must be one of them."""
    unknown = [c for c in lead if c not in columns]
    if unknown:
        raise ValueError(f"lead columns {', '.join(unknown)} are not among {', '.join(columns)}")
    return (*lead, *(c for c in columns if c not in lead))


def _view(
    pipeline: type[Pipeline], path: str, order_by: str, summary: str, cli: str, lead: Sequence[str] = ()
) -> CalcView:
    table = TABLES[pipeline.name].table
    return CalcView(path, pipeline.name, table, shown_columns(lead, pipeline.row_columns), order_by, summary, cli)


CALC_VIEWS: tuple[CalcView, ...] = (
    _view(
        AggregateWeek, "symbol-summary", "total_shares DESC, symbol",
        "Symbol summary: volume, trades, venues, average trade size", "summary",
    ),
    _view(
        ComputeVenueShare, "venue-shares", "rank, venue_id",
        "Venue market share of the tier, ranked", "venue-shares", lead=("rank",),
    ),
    _view(
        ComputeSymbolConcentration, "concentration", "hhi DESC, symbol, rank",
        "Per-symbol venue shares and HHI concentration", "concentration",
        lead=("symbol", "hhi", "venue_count", "rank"),
    ),
    _view(
        ComputeTierShare, "tier-share", "rank, symbol",
        "Each symbol's share of the tier's volume", "tier-share", lead=("rank",),
    ),
    _view(
        ComputeAtsShare, "ats-share", "total_shares DESC, symbol",
        "ATS share of off-exchange volume, where both exist", "ats-share", lead=("symbol", "ats_share"),
    ),
    _view(
        ComputeWeekOverWeek, "week-over-week", "abs(coalesce(change_shares, 0)) DESC, symbol",
        "Week-over-week change per symbol", "wow", lead=("symbol", "status"),
    ),
    _view(
        ComputeRolling, "rolling", "symbol",
        "Rolling statistics and trend over a window of weeks", "rolling",
        lead=("symbol", "window", "weeks_present", "complete", "trend", "change_pct"),
    ),
    _view(
        ComputeVolumePerDay, "volume-per-day", "total_shares DESC, symbol",
        "Volume per trading day (exchange calendar)", "per-day",
    ),
)  # fmt: skip
