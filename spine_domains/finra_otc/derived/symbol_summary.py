"""aggregate_week (calc ``symbol_summary``): per symbol volume, trades, venues and trade size.

Only venue-level rows are summed: symbol-level totals describe the same volume again, and
summing both would double it. The issue name is the first non-empty one in ingest line order
(lowest source line). A symbol nearly always has one name, which needs no line at all; only
symbols seen with two different names are resolved by a second read of the capture, so the
result never depends on the order rows arrive in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from spine_core.framework.pipeline import CaptureRef
from spine_core.quality import CheckStatus, QualityResult, Severity
from spine_domains.finra_otc.calcs import SYMBOL_SUMMARY
from spine_domains.finra_otc.derived.base import DerivedRun, Row
from spine_domains.finra_otc.derived.inputs import INGEST_FILE_PLACEHOLDER, INGEST_PIPELINE, run_command, week_partition
from spine_domains.finra_otc.derived.normalized_input import (
    NORMALIZED_ROLE,
    FromNormalized,
    first_names,
    normalized_rows,
)
from spine_domains.finra_otc.derived.numbers import STAT_PLACES, ratio
from spine_domains.finra_otc.derived.shares import listed
from spine_domains.finra_otc.derived.vocabulary import ATS, VENUE
from spine_domains.finra_otc.tiers import Tier

__all__ = ["AggregateWeek", "SUMMARY_COLUMNS", "summarize_symbols", "missing_tiers"]

SUMMARY_COLUMNS = (
    "symbol",
    "issue_name",
    "total_shares",
    "total_trades",
    "venue_count",
    "avg_trade_size",
    "ats_shares",
    "non_ats_shares",
)


def _merge(
    acc: dict[str, list[Any]],
    conflicts: set[str],
    symbol: str,
    run: tuple[int, int, int, dict[str, None], str | None],
) -> None:
    """Add one run of a symbol's consecutive rows to its totals."""
    entry = acc.get(symbol)
    if entry is None:
        acc[symbol] = list(run)
        return
    shares, trades, ats, venues, issue = run
    entry[0] += shares
    entry[1] += trades
    entry[2] += ats
    entry[3].update(venues)
    if issue != entry[4]:
        if not entry[4]:
            entry[4] = issue
        elif issue:
            conflicts.add(symbol)


def summarize_symbols(
    ref: CaptureRef, read: Callable[[], Iterable[tuple[str | None, ...]]]
) -> tuple[list[tuple[Any, ...]], int]:
    """Summary rows (total shares desc, then symbol) and the number of symbol-level rows skipped.

    ``read`` returns the normalized rows; it is called a second time only when a symbol has
    two different issue names.
    """
    # symbol -> [shares, trades, ATS shares, {venue id: None}, issue name]
    acc: dict[str, list[Any]] = {}
    conflicts: set[str] = set()
    skipped = 0
    # Normalized rows come grouped by symbol: a run of one symbol's rows is summed in local
    # variables and merged into ``acc`` when the symbol changes (any order stays correct,
    # since a symbol seen again is merged into its earlier totals).
    current: str | None = None
    shares_sum = trades_sum = ats_sum = 0
    venues: dict[str, None] = {}
    issue_name: str | None = None
    for row in normalized_rows(ref, read()):
        symbol, issue, venue_id, _name, kind, granularity, _code, shares, trades, _line = row
        if granularity != VENUE:
            skipped += 1
            continue
        if symbol != current:
            if current is not None:
                _merge(acc, conflicts, current, (shares_sum, trades_sum, ats_sum, venues, issue_name))
            current = symbol
            shares_sum = trades_sum = ats_sum = 0
            venues = {}
            issue_name = None
        volume = int(shares)
        shares_sum += volume
        trades_sum += int(trades)
        if kind == ATS:
            ats_sum += volume
        venues[venue_id] = None
        if issue != issue_name:
            if not issue_name:
                issue_name = issue
            elif issue:
                conflicts.add(symbol)
    if current is not None:
        _merge(acc, conflicts, current, (shares_sum, trades_sum, ats_sum, venues, issue_name))
    names = first_names(normalized_rows(ref, read()), conflicts, 0, 1) if conflicts else {}
    out = [
        (
            symbol,
            names.get(symbol, issue) or None,
            shares,
            trades,
            len(venue_ids),
            ratio(shares, trades, STAT_PLACES) if trades else None,
            ats,
            shares - ats,
        )
        for symbol, (shares, trades, ats, venue_ids, issue) in acc.items()
    ]
    out.sort(key=lambda r: (-r[2], r[0]))
    return out, skipped


class AggregateWeek(FromNormalized):
    """Per symbol: off-exchange volume, trades, venue count, average trade size, ATS / non-ATS split."""

    name = "finra.otc_transparency.aggregate_week"
    stage = "aggregate"
    description = (
        "Summarize a normalized week per symbol from venue-level rows: total shares and trades, "
        "venue count, average trade size and the ATS / non-ATS split, largest volume first."
    )
    row_columns = SUMMARY_COLUMNS
    calc = SYMBOL_SUMMARY

    def compute(self, run: DerivedRun) -> list[Row]:
        rows, skipped = summarize_symbols(run.captures[NORMALIZED_ROLE], lambda: run.rows(NORMALIZED_ROLE))
        zero = [r[0] for r in rows if r[2] == 0]
        run.check(
            QualityResult(
                check="zero_volume_symbols",
                status=CheckStatus.WARN if zero else CheckStatus.PASS,
                severity=Severity.WARN if zero else Severity.INFO,
                message=f"{len(zero)} symbol(s) have no volume: {listed(zero)}" if zero else "every symbol has volume",
                value=float(len(zero)),
                details={"symbols": zero[:100]},
            )
        )
        run.check(missing_tiers(run))
        run.details.update(symbol_level_rows_skipped=skipped, total_shares=sum(r[2] for r in rows))
        return rows


def missing_tiers(run: DerivedRun) -> QualityResult:
    """Whether the other tiers of the week were ingested (a week is not always loaded for every tier)."""
    week, tier = run.week, run.tier
    missing = [
        other
        for other in Tier
        if other is not tier and run.reader.current(INGEST_PIPELINE, week_partition(week, other)) is None
    ]
    if not missing:
        return QualityResult(
            check="missing_tier",
            status=CheckStatus.PASS,
            message=f"every tier of week {week} has an ingest capture",
            value=0.0,
        )
    names = [str(t) for t in missing]
    return QualityResult(
        check="missing_tier",
        status=CheckStatus.WARN,
        severity=Severity.INFO,
        message=f"week {week} has no ingest capture for tier(s) {', '.join(names)}",
        value=float(len(missing)),
        details={
            "week_ending": str(week),
            "missing_tiers": names,
            "commands": [run_command(INGEST_PIPELINE, week, t, file=INGEST_FILE_PLACEHOLDER) for t in missing],
        },
    )
