"""compute_venue_share (calc ``venue_share``): each venue's share of the tier's volume, ranked.

v1 (deprecated) gives equal volumes an equal, dense rank, so ranks repeat and do not run 1..N;
v2 ranks 1..N, ties broken by venue id. Shares are exact ratios rounded once to 12 decimals:
their sum is within N * 5e-13 of 1, far inside the 1e-4 invariant. A venue's name is the one
on its lowest source line (a second read of the capture settles the rare venue seen under two
names).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from itertools import pairwise
from typing import Any

from spine_core.framework.pipeline import CaptureRef, PipelineInputs, PipelineOutput, StageSummary
from spine_core.quality import CheckStatus, QualityResult, Severity
from spine_domains.finra_otc.calcs import CALCS, VENUE_SHARE
from spine_domains.finra_otc.derived.base import row_batches
from spine_domains.finra_otc.derived.normalized_input import (
    NORMALIZED_ROLE,
    FromNormalized,
    first_names,
    normalized_rows,
)
from spine_domains.finra_otc.derived.numbers import SHARE_PLACES, ratio
from spine_domains.finra_otc.derived.vocabulary import VENUE

__all__ = [
    "ComputeVenueShare",
    "VENUE_SHARE_COLUMNS",
    "SUM_TOLERANCE",
    "VenueTotal",
    "venue_totals",
    "venue_share_rows",
]

VENUE_SHARE_COLUMNS = (
    "venue_id",
    "venue_name",
    "venue_kind",
    "total_shares",
    "total_trades",
    "symbol_count",
    "share",
    "rank",
)
#: How far from 1 the shares of a tier may sum.
SUM_TOLERANCE = Decimal("0.0001")
_ZERO_SHARE = ratio(0, 1, SHARE_PLACES)

#: venue id -> (name, kind, shares, trades, distinct symbols)
VenueTotal = tuple[str, str, int, int, int]


def venue_totals(ref: CaptureRef, read: Callable[[], Iterable[tuple[str | None, ...]]]) -> dict[str, VenueTotal]:
    """Per venue id, from venue-level rows: name, kind, shares, trades and distinct symbols."""
    # venue id -> [name, kind, shares, trades, symbols]
    acc: dict[str, list[Any]] = {}
    conflicts: set[str] = set()
    for row in normalized_rows(ref, read()):
        symbol, _issue, venue_id, name, kind, granularity, _code, shares, trades, _line = row
        if granularity != VENUE:
            continue
        entry = acc.get(venue_id)
        if entry is None:
            entry = acc[venue_id] = [name, kind, 0, 0, []]
        entry[2] += int(shares)
        entry[3] += int(trades)
        entry[4].append(symbol)
        if name != entry[0]:
            conflicts.add(venue_id)
    names = first_names(normalized_rows(ref, read()), conflicts, 2, 3) if conflicts else {}
    return {
        venue_id: (names.get(venue_id, name), kind, shares, trades, len(set(symbols)))
        for venue_id, (name, kind, shares, trades, symbols) in acc.items()
    }


def venue_share_rows(totals: Mapping[str, VenueTotal], version: str) -> list[tuple[Any, ...]]:
    """Rows in rank order, then venue id; v1 dense ranks, v2 ranks 1..N."""
    tier_total = sum(entry[2] for entry in totals.values())
    ordered = sorted(totals.items(), key=lambda item: (-item[1][2], item[0]))
    out: list[tuple[Any, ...]] = []
    rank = 0
    previous: int | None = None
    for position, (venue_id, (name, kind, shares, trades, symbols)) in enumerate(ordered, start=1):
        if version == "v1":
            if shares != previous:
                rank += 1
                previous = shares
        else:
            rank = position
        share = ratio(shares, tier_total, SHARE_PLACES) if tier_total else _ZERO_SHARE
        out.append((venue_id, name, kind, shares, trades, symbols, share, rank))
    return out


def venue_share_invariants(rows: list[tuple[Any, ...]], version: str) -> QualityResult:
    """Shares sum to 1 within 1e-4 (when the tier has volume); v2 ranks are 1..N, v1 a dense ranking."""
    tier_total = sum(r[3] for r in rows)
    problems: list[str] = []
    total = sum((Decimal(r[6]) for r in rows), Decimal(0))
    if tier_total and abs(total - 1) > SUM_TOLERANCE:
        problems.append(f"shares sum to {total}, not 1 within {SUM_TOLERANCE}")
    ranks = [r[7] for r in rows]
    if version == "v1":
        dense = all((b[7] == a[7] and b[3] == a[3]) or (b[7] == a[7] + 1 and b[3] < a[3]) for a, b in pairwise(rows))
        if rows and (ranks[0] != 1 or not dense):
            problems.append("ranks are not a dense ranking by shares")
    elif ranks != list(range(1, len(rows) + 1)):
        problems.append("ranks are not exactly 1..N")
    details: dict[str, Any] = {"share_sum": str(total), "venues": len(rows), "version": version}
    if problems:
        return QualityResult(
            check="venue_share_invariants",
            status=CheckStatus.FAIL,
            severity=Severity.ERROR,
            message="; ".join(problems),
            value=float(total),
            threshold=float(SUM_TOLERANCE),
            details=details,
        )
    what = "sum to 1 within 1e-4" if tier_total else "are all 0 (no volume: the sum check does not apply)"
    ranking = "dense ranks" if version == "v1" else "ranks 1..N"
    return QualityResult(
        check="venue_share_invariants",
        status=CheckStatus.PASS,
        message=f"{len(rows)} venue shares {what}; {ranking}",
        value=float(total),
        threshold=float(SUM_TOLERANCE),
        details=details,
    )


class ComputeVenueShare(FromNormalized):
    """Each venue's share of the tier's venue-level volume for the week, ranked."""

    name = "finra.otc_transparency.compute_venue_share"
    stage = "venue_share"
    description = (
        "Venue market share per week and tier: each venue's share of the tier's venue-level volume "
        "(12 decimals, summing to 1) and its rank (v2: 1..N, ties by venue id; v1, deprecated: dense)."
    )
    row_columns = VENUE_SHARE_COLUMNS
    calc = VENUE_SHARE
    calc_registry = CALCS

    def run(self, params: Mapping[str, Any], inputs: PipelineInputs) -> Iterator[PipelineOutput]:
        calc = self.served_calc(params)
        reader, captures = self.open_inputs(params, inputs)
        normalized = captures[NORMALIZED_ROLE]
        rows = venue_share_rows(venue_totals(normalized, lambda: reader.rows(normalized)), calc.version)
        tier_total = sum(r[3] for r in rows)
        yield from row_batches(rows)
        if rows and not tier_total:
            yield QualityResult(
                check="zero_tier_volume",
                status=CheckStatus.WARN,
                severity=Severity.WARN,
                message=f"the tier's {len(rows)} venues report no volume: every share is 0",
                value=0.0,
            )
        yield venue_share_invariants(rows, calc.version)
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
