"""compute_tier_share (calc ``tier_volume_share``): each symbol's share of the tier's volume."""

from __future__ import annotations

from collections.abc import Iterable

from spine_core.framework.pipeline import CaptureRef
from spine_core.quality import QualityResult
from spine_domains.finra_otc.calcs import TIER_VOLUME_SHARE
from spine_domains.finra_otc.derived.base import DerivedRun, Row
from spine_domains.finra_otc.derived.normalized_input import NORMALIZED_ROLE, FromNormalized, normalized_rows
from spine_domains.finra_otc.derived.shares import ranked_shares, share_invariants, zero_tier_volume
from spine_domains.finra_otc.derived.vocabulary import VENUE

__all__ = ["ComputeTierShare", "TIER_SHARE_COLUMNS", "tier_share_rows", "tier_share_invariants"]

TIER_SHARE_COLUMNS = ("symbol", "total_shares", "tier_total_shares", "share", "rank")


def tier_share_rows(ref: CaptureRef, rows: Iterable[tuple[str | None, ...]]) -> list[Row]:
    """Rows by rank 1..N (volume desc, ties by symbol), from venue-level rows."""
    totals: dict[str, int] = {}
    get = totals.get
    for row in normalized_rows(ref, rows):
        symbol, _issue, _venue, _name, _kind, granularity, _code, shares, _trades, _line = row
        if granularity == VENUE:
            totals[symbol] = get(symbol, 0) + int(shares)
    tier_total = sum(totals.values())
    return [(symbol, shares, tier_total, share, rank) for rank, symbol, shares, share in ranked_shares(totals)]


def tier_share_invariants(rows: list[Row]) -> QualityResult:
    """Shares sum to 1 within 1e-4 (when the tier has volume) and ranks are 1..N."""
    ranks_ok = [r[4] for r in rows] == list(range(1, len(rows) + 1))
    return share_invariants(
        "tier_share_invariants",
        (r[3] for r in rows),
        rows[0][2] if rows else 0,
        rank_problem=None if ranks_ok else "ranks are not exactly 1..N",
        passed=f"{len(rows)} symbol shares {{}}; ranks 1..N",
        details={"symbols": len(rows)},
    )


class ComputeTierShare(FromNormalized):
    """Per symbol: share of the tier's off-exchange volume for the week, ranked 1..N."""

    name = "finra.otc_transparency.compute_tier_share"
    stage = "tier_share"
    description = (
        "Tier volume share per symbol: each symbol's share of the tier's venue-level volume "
        "(12 decimals, summing to 1), ranked 1..N by volume (ties by symbol)."
    )
    row_columns = TIER_SHARE_COLUMNS
    calc = TIER_VOLUME_SHARE

    def compute(self, run: DerivedRun) -> list[Row]:
        rows = tier_share_rows(run.captures[NORMALIZED_ROLE], run.rows(NORMALIZED_ROLE))
        tier_total = rows[0][2] if rows else 0
        if rows and not tier_total:
            run.check(zero_tier_volume(len(rows), "symbols"))
        run.check(tier_share_invariants(rows))
        run.details["tier_total_shares"] = tier_total
        return rows
