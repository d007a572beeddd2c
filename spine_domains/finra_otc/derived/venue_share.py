"""compute_venue_share (calc ``venue_share``): each venue's share of the tier's volume, ranked.

v1 (deprecated) gives equal volumes an equal, dense rank, so ranks repeat and do not run 1..N;
v2 ranks 1..N, ties broken by venue id. Shares are exact ratios rounded once to 12 decimals:
their sum is within N * 5e-13 of 1, far inside the 1e-4 invariant. A venue's name is the one
on its lowest source line (a second read of the capture settles the rare venue seen under two
names).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from itertools import pairwise
from typing import Any

from spine_core.framework.pipeline import CaptureRef
from spine_core.quality import QualityResult
from spine_domains.finra_otc.calcs import VENUE_SHARE
from spine_domains.finra_otc.derived.base import DerivedRun, Row
from spine_domains.finra_otc.derived.normalized_input import (
    NORMALIZED_ROLE,
    FromNormalized,
    first_names,
    normalized_rows,
)
from spine_domains.finra_otc.derived.shares import SUM_TOLERANCE, ranked_shares, share_invariants, zero_tier_volume
from spine_domains.finra_otc.derived.vocabulary import VENUE

__all__ = [
    "ComputeVenueShare",
    "VENUE_SHARE_COLUMNS",
    "SUM_TOLERANCE",
    "VenueTotal",
    "venue_totals",
    "venue_share_rows",
    "venue_share_invariants",
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


def venue_share_rows(totals: Mapping[str, VenueTotal], version: str) -> list[Row]:
    """Rows in rank order, then venue id; v1 dense ranks, v2 ranks 1..N."""
    out: list[Row] = []
    rank = 0
    previous: int | None = None
    for position, venue_id, shares, share in ranked_shares({venue_id: entry[2] for venue_id, entry in totals.items()}):
        name, kind, _shares, trades, symbols = totals[venue_id]
        if version == "v1":
            if shares != previous:
                rank += 1
                previous = shares
        else:
            rank = position
        out.append((venue_id, name, kind, shares, trades, symbols, share, rank))
    return out


def venue_share_invariants(rows: list[Row], version: str) -> QualityResult:
    """Shares sum to 1 within 1e-4 (when the tier has volume); v2 ranks are 1..N, v1 a dense ranking."""
    ranks = [r[7] for r in rows]
    rank_problem: str | None = None
    if version == "v1":
        dense = all((b[7] == a[7] and b[3] == a[3]) or (b[7] == a[7] + 1 and b[3] < a[3]) for a, b in pairwise(rows))
        if rows and (ranks[0] != 1 or not dense):
            rank_problem = "ranks are not a dense ranking by shares"
    elif ranks != list(range(1, len(rows) + 1)):
        rank_problem = "ranks are not exactly 1..N"
    ranking = "dense ranks" if version == "v1" else "ranks 1..N"
    return share_invariants(
        "venue_share_invariants",
        (r[6] for r in rows),
        sum(r[3] for r in rows),
        rank_problem=rank_problem,
        passed=f"{len(rows)} venue shares {{}}; {ranking}",
        details={"venues": len(rows), "version": version},
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

    def compute(self, run: DerivedRun) -> list[Row]:
        normalized = run.captures[NORMALIZED_ROLE]
        rows = venue_share_rows(venue_totals(normalized, lambda: run.rows(NORMALIZED_ROLE)), run.version)
        tier_total = sum(r[3] for r in rows)
        if rows and not tier_total:
            run.check(zero_tier_volume(len(rows), "venues"))
        run.check(venue_share_invariants(rows, run.version))
        run.details["tier_total_shares"] = tier_total
        return rows
