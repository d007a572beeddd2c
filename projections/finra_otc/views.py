"""The calc read models the gateway serves, as data: one entry per endpoint."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CalcView", "CALC_VIEWS"]

_P = "finra.otc_transparency."


@dataclass(frozen=True, slots=True)
class CalcView:
    path: str
    pipeline: str
    table: str
    columns: tuple[str, ...]
    order_by: str
    summary: str
    cli: str


CALC_VIEWS: tuple[CalcView, ...] = (
    CalcView(
        "symbol-summary", _P + "aggregate_week", "symbol_summary",
        ("symbol", "issue_name", "total_shares", "total_trades", "venue_count", "avg_trade_size", "ats_shares", "non_ats_shares"),
        "total_shares DESC, symbol", "Symbol summary: volume, trades, venues, average trade size", "summary",
    ),
    CalcView(
        "venue-shares", _P + "compute_venue_share", "venue_share",
        ("rank", "venue_id", "venue_name", "venue_kind", "total_shares", "total_trades", "symbol_count", "share"),
        "rank, venue_id", "Venue market share of the tier, ranked", "venue-shares",
    ),
    CalcView(
        "concentration", _P + "compute_symbol_concentration", "symbol_venue_share",
        ("symbol", "hhi", "venue_count", "rank", "venue_id", "venue_kind", "total_shares", "share"),
        "hhi DESC, symbol, rank", "Per-symbol venue shares and HHI concentration", "concentration",
    ),
    CalcView(
        "tier-share", _P + "compute_tier_share", "tier_share",
        ("rank", "symbol", "total_shares", "tier_total_shares", "share"),
        "rank, symbol", "Each symbol's share of the tier's volume", "tier-share",
    ),
    CalcView(
        "ats-share", _P + "compute_ats_share", "ats_share",
        ("symbol", "ats_share", "ats_shares", "non_ats_shares", "total_shares", "basis"),
        "total_shares DESC, symbol", "ATS share of off-exchange volume, where both exist", "ats-share",
    ),
    CalcView(
        "week-over-week", _P + "compute_week_over_week", "week_over_week",
        ("symbol", "status", "total_shares", "prior_total_shares", "change_shares", "change_pct"),
        "abs(coalesce(change_shares, 0)) DESC, symbol", "Week-over-week change per symbol", "wow",
    ),
    CalcView(
        "rolling", _P + "compute_rolling", "rolling",
        ("symbol", "window", "weeks_present", "complete", "trend", "change_pct", "avg_shares", "min_shares", "max_shares",
         "first_shares", "last_shares"),
        "symbol", "Rolling statistics and trend over a window of weeks", "rolling",
    ),
    CalcView(
        "volume-per-day", _P + "compute_volume_per_day", "volume_per_day",
        ("symbol", "total_shares", "trading_days", "shares_per_day"),
        "total_shares DESC, symbol", "Volume per trading day (exchange calendar)", "per-day",
    ),
)  # fmt: skip
