"""Which pipeline's rows go to which table of the FINRA data plane.

A table's columns are ``capture_id``, the partition values of :attr:`TableSpec.prefix` and the
rows' columns, which are the pipeline's own ``row_columns``: the domain defines each read
model's rows once, and this module only names the table they go to.
"""

from __future__ import annotations

from projections.captured_rows import Rollup, TableSpec
from spine_core.framework.pipeline import Pipeline
from spine_domains.finra_otc.derived.ats_share import ComputeAtsShare
from spine_domains.finra_otc.derived.concentration import ComputeSymbolConcentration
from spine_domains.finra_otc.derived.normalize import NormalizeWeek
from spine_domains.finra_otc.derived.per_day import ComputeVolumePerDay
from spine_domains.finra_otc.derived.rolling import ComputeRolling
from spine_domains.finra_otc.derived.symbol_summary import AggregateWeek
from spine_domains.finra_otc.derived.tier_share import ComputeTierShare
from spine_domains.finra_otc.derived.venue_share import ComputeVenueShare
from spine_domains.finra_otc.derived.week_over_week import ComputeWeekOverWeek
from spine_domains.finra_otc.pipelines import BackfillRange, IngestWeek

__all__ = ["TABLES", "INGEST_PIPELINE", "SYMBOL_TOTALS", "table_columns"]

INGEST_PIPELINE = IngestWeek.name
_WEEK = ("week_ending", "tier")
_CALC = ("week_ending", "tier", "calc_version")


#: Each symbol's totals over the venue-level rows of an ingest capture (what GET /v1/data/symbols
#: serves), computed once when the capture completes. Other summary types (per symbol, per firm)
#: are never summed with venue-level rows.
SYMBOL_TOTALS = Rollup(
    "symbol_totals",
    """INSERT INTO {schema}.symbol_totals (capture_id, symbol, issue_name, total_shares, total_trades, venues)
       SELECT capture_id, symbol, max(issue_name), sum(total_shares)::bigint, sum(total_trades)::bigint, count(*)
       FROM {schema}.venue_volume
       WHERE capture_id = $1 AND symbol IS NOT NULL AND summary_type_code LIKE '%\\_W\\_SMBL\\_FIRM'
       GROUP BY capture_id, symbol""",
)


def _spec(
    pipeline: type[Pipeline], table: str, prefix: tuple[str, ...], rollup: Rollup | None = None, analyze: bool = False
) -> TableSpec:
    return TableSpec(pipeline.name, table, prefix, frozenset(pipeline.row_columns), rollup, analyze)


def table_columns(spec: TableSpec) -> frozenset[str]:
    """Every column of the table: ``capture_id``, the partition prefix and the row columns."""
    return frozenset({"capture_id", *spec.prefix, *spec.columns})


TABLES: dict[str, TableSpec] = {
    spec.pipeline: spec
    for spec in (
        # The venue rows (up to millions a capture) are served by page and by symbol: their planner
        # statistics are refreshed as each capture completes.
        _spec(IngestWeek, "venue_volume", _WEEK, SYMBOL_TOTALS, analyze=True),
        _spec(NormalizeWeek, "normalized_venue_volume", _WEEK),
        _spec(AggregateWeek, "symbol_summary", _CALC, analyze=True),
        _spec(ComputeVenueShare, "venue_share", _CALC),
        _spec(ComputeSymbolConcentration, "symbol_venue_share", _CALC, analyze=True),
        _spec(ComputeTierShare, "tier_share", _CALC, analyze=True),
        _spec(ComputeAtsShare, "ats_share", _CALC, analyze=True),
        _spec(ComputeWeekOverWeek, "week_over_week", _CALC, analyze=True),
        _spec(ComputeRolling, "rolling", _CALC, analyze=True),
        _spec(ComputeVolumePerDay, "volume_per_day", _CALC, analyze=True),
        _spec(BackfillRange, "backfill_plan", ("tier",)),
    )
}
