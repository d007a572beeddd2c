"""Which pipeline's rows go to which table of the FINRA data plane."""

from __future__ import annotations

from projections.captured_rows import TableSpec

__all__ = ["TABLES", "INGEST_PIPELINE"]

_P = "finra.otc_transparency."
INGEST_PIPELINE = _P + "ingest_week"
_WEEK = ("week_ending", "tier")
_CALC = ("week_ending", "tier", "calc_version")


def _spec(pipeline: str, table: str, prefix: tuple[str, ...], *columns: str) -> TableSpec:
    return TableSpec(_P + pipeline, table, prefix, frozenset(columns))


TABLES: dict[str, TableSpec] = {
    spec.pipeline: spec
    for spec in (
        _spec(
            "ingest_week", "venue_volume", _WEEK,
            "line_no", "symbol", "issue_name", "mpid", "participant_name", "total_shares", "total_trades",
            "last_update_date", "summary_type_code", "firm_crd", "total_notional", "week_start_date",
        ),
        _spec(
            "normalize_week", "normalized_venue_volume", _WEEK,
            "symbol", "issue_name", "venue_id", "venue_name", "venue_kind", "granularity", "summary_type_code",
            "total_shares", "total_trades", "source_line",
        ),
        _spec(
            "aggregate_week", "symbol_summary", _CALC,
            "symbol", "issue_name", "total_shares", "total_trades", "venue_count", "avg_trade_size", "ats_shares",
            "non_ats_shares",
        ),
        _spec(
            "compute_venue_share", "venue_share", _CALC,
            "venue_id", "venue_name", "venue_kind", "total_shares", "total_trades", "symbol_count", "share", "rank",
        ),
        _spec(
            "compute_symbol_concentration", "symbol_venue_share", _CALC,
            "symbol", "venue_id", "venue_kind", "total_shares", "share", "rank", "venue_count", "hhi",
        ),
        _spec("compute_tier_share", "tier_share", _CALC, "symbol", "total_shares", "tier_total_shares", "share", "rank"),
        _spec(
            "compute_ats_share", "ats_share", _CALC,
            "symbol", "ats_shares", "non_ats_shares", "total_shares", "ats_share", "basis",
        ),
        _spec(
            "compute_week_over_week", "week_over_week", _CALC,
            "symbol", "total_shares", "prior_total_shares", "change_shares", "change_pct", "status",
        ),
        _spec(
            "compute_rolling", "rolling", _CALC,
            "symbol", "window", "weeks_present", "avg_shares", "min_shares", "max_shares", "first_shares",
            "last_shares", "change_pct", "trend", "complete",
        ),
        _spec(
            "compute_volume_per_day", "volume_per_day", _CALC,
            "symbol", "total_shares", "trading_days", "shares_per_day",
        ),
        _spec("backfill_range", "backfill_plan", ("tier",), "week_ending", "file", "status"),
    )
}  # fmt: skip
