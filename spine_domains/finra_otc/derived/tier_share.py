"""compute_tier_share (calc ``tier_volume_share``): each symbol's share of the tier's volume."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from spine_core.framework.pipeline import CaptureRef, PipelineInputs, PipelineOutput, StageSummary
from spine_core.quality import CheckStatus, QualityResult, Severity
from spine_domains.finra_otc.calcs import CALCS, TIER_VOLUME_SHARE
from spine_domains.finra_otc.derived.base import row_batches
from spine_domains.finra_otc.derived.normalized_input import NORMALIZED_ROLE, FromNormalized, normalized_rows
from spine_domains.finra_otc.derived.numbers import SHARE_PLACES, ratio
from spine_domains.finra_otc.derived.venue_share import SUM_TOLERANCE
from spine_domains.finra_otc.derived.vocabulary import VENUE

__all__ = ["ComputeTierShare", "TIER_SHARE_COLUMNS", "tier_share_rows", "tier_share_invariants"]

TIER_SHARE_COLUMNS = ("symbol", "total_shares", "tier_total_shares", "share", "rank")
_ZERO = ratio(0, 1, SHARE_PLACES)


def tier_share_rows(ref: CaptureRef, rows: Iterable[tuple[str | None, ...]]) -> list[tuple[Any, ...]]:
    """Rows by rank 1..N (volume desc, ties by symbol), from venue-level rows."""
    totals: dict[str, int] = {}
    get = totals.get
    for row in normalized_rows(ref, rows):
        symbol, _issue, _venue, _name, _kind, granularity, _code, shares, _trades, _line = row
        if granularity == VENUE:
            totals[symbol] = get(symbol, 0) + int(shares)
    tier_total = sum(totals.values())
    ordered = sorted([(-shares, symbol) for symbol, shares in totals.items()])
    return [
        (symbol, -negative, tier_total, ratio(-negative, tier_total, SHARE_PLACES) if tier_total else _ZERO, rank)
        for rank, (negative, symbol) in enumerate(ordered, start=1)
    ]


def tier_share_invariants(rows: list[tuple[Any, ...]]) -> QualityResult:
    """Shares sum to 1 within 1e-4 (when the tier has volume) and ranks are 1..N."""
    tier_total = rows[0][2] if rows else 0
    total = sum((Decimal(r[3]) for r in rows), Decimal(0))
    problems = []
    if tier_total and abs(total - 1) > SUM_TOLERANCE:
        problems.append(f"shares sum to {total}, not 1 within {SUM_TOLERANCE}")
    if [r[4] for r in rows] != list(range(1, len(rows) + 1)):
        problems.append("ranks are not exactly 1..N")
    what = "sum to 1 within 1e-4" if tier_total else "are all 0 (no volume: the sum check does not apply)"
    return QualityResult(
        check="tier_share_invariants",
        status=CheckStatus.FAIL if problems else CheckStatus.PASS,
        severity=Severity.ERROR if problems else Severity.INFO,
        message="; ".join(problems) or f"{len(rows)} symbol shares {what}; ranks 1..N",
        value=float(total),
        threshold=float(SUM_TOLERANCE),
        details={"share_sum": str(total), "symbols": len(rows)},
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
    calc_registry = CALCS

    def run(self, params: Mapping[str, Any], inputs: PipelineInputs) -> Iterator[PipelineOutput]:
        calc = self.served_calc(params)
        reader, captures = self.open_inputs(params, inputs)
        normalized = captures[NORMALIZED_ROLE]
        rows = tier_share_rows(normalized, reader.rows(normalized))
        tier_total = rows[0][2] if rows else 0
        yield from row_batches(rows)
        if rows and not tier_total:
            yield QualityResult(
                check="zero_tier_volume",
                status=CheckStatus.WARN,
                severity=Severity.WARN,
                message=f"the tier's {len(rows)} symbols report no volume: every share is 0",
                value=0.0,
            )
        yield tier_share_invariants(rows)
        yield StageSummary(
            self.run_details(
                params,
                captures,
                rows_out=len(rows),
                calc=calc,
                clock_from=NORMALIZED_ROLE,
                tier_total_shares=tier_total,
            )
        )
