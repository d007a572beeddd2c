"""compute_ats_share (calc ``ats_share``): the ATS share of each symbol's off-exchange volume.

A symbol gets a row only where both sides were reported. Venue-level rows are preferred (ATS
venues against non-ATS firms plus the De Minimis bucket); a symbol without venue rows on both
sides falls back to FINRA's symbol-level totals (``ALL_ATS`` against ``ALL_NON_ATS``). The two
granularities are never mixed for one symbol: they describe the same volume twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from spine_core.framework.pipeline import CaptureRef
from spine_core.quality import CheckStatus, QualityResult, Severity
from spine_domains.finra_otc.calcs import ATS_SHARE
from spine_domains.finra_otc.derived.base import DerivedRun, Row
from spine_domains.finra_otc.derived.normalized_input import NORMALIZED_ROLE, FromNormalized, normalized_rows
from spine_domains.finra_otc.derived.numbers import SHARE_PLACES, ratio
from spine_domains.finra_otc.derived.vocabulary import ATS, SYMBOL, VENUE

__all__ = ["ComputeAtsShare", "ATS_SHARE_COLUMNS", "AtsShareResult", "ats_share_rows"]

ATS_SHARE_COLUMNS = ("symbol", "ats_shares", "non_ats_shares", "total_shares", "ats_share", "basis")

# Slots of a symbol's sides: [venue ATS, venue non-ATS, symbol ATS, symbol non-ATS]; None = no row.
_SLOTS = {(VENUE, True): 0, (VENUE, False): 1, (SYMBOL, True): 2, (SYMBOL, False): 3}


class AtsShareResult:
    """Rows plus the coverage counts the summary and the quality check report."""

    def __init__(self) -> None:
        self.rows: list[tuple[Any, ...]] = []
        self.only_ats = 0
        self.only_non_ats = 0
        self.mixed = 0
        self.any_ats = False
        self.any_non_ats = False
        self.by_basis = {VENUE: 0, SYMBOL: 0}


def ats_share_rows(ref: CaptureRef, rows: Iterable[tuple[str | None, ...]]) -> AtsShareResult:
    """Rows by symbol, from venue-level sums where both kinds exist, else symbol-level totals."""
    sides: dict[str, list[int | None]] = {}
    current: str | None = None
    entry: list[int | None] = []
    for row in normalized_rows(ref, rows):
        symbol, _issue, _venue, _name, kind, granularity, _code, shares, _trades, _line = row
        slot = _SLOTS.get((granularity, kind == ATS))
        if slot is None:
            continue
        if symbol != current:  # rows come grouped by symbol: skip the look-up within a group
            found = sides.get(symbol)
            if found is None:
                found = sides[symbol] = [None, None, None, None]
            entry = found
            current = symbol
        previous = entry[slot]
        entry[slot] = int(shares) if previous is None else previous + int(shares)
    result = AtsShareResult()
    for symbol in sorted(sides):
        venue_ats, venue_non, symbol_ats, symbol_non = sides[symbol]
        has_ats = venue_ats is not None or symbol_ats is not None
        has_non = venue_non is not None or symbol_non is not None
        result.any_ats |= has_ats
        result.any_non_ats |= has_non
        if venue_ats is not None and venue_non is not None:
            ats, non, basis = venue_ats, venue_non, VENUE
        elif symbol_ats is not None and symbol_non is not None:
            ats, non, basis = symbol_ats, symbol_non, SYMBOL
        else:
            if has_ats and not has_non:
                result.only_ats += 1
            elif has_non and not has_ats:
                result.only_non_ats += 1
            else:  # both sides, but only across granularities (e.g. ATS venues and an ALL_NON_ATS total)
                result.mixed += 1
            continue
        total = ats + non
        share = ratio(ats, total, SHARE_PLACES) if total else None
        result.rows.append((symbol, ats, non, total, share, basis))
        result.by_basis[basis] += 1
    return result


def _coverage(result: AtsShareResult) -> QualityResult:
    counts = {
        "symbols_with_both_sides": len(result.rows),
        "symbols_ats_only": result.only_ats,
        "symbols_non_ats_only": result.only_non_ats,
        "symbols_sides_in_different_granularities": result.mixed,
    }
    if result.rows:
        return QualityResult(
            check="ats_share_coverage",
            status=CheckStatus.PASS,
            message=f"{len(result.rows)} symbol(s) have both ATS and non-ATS volume",
            value=float(len(result.rows)),
            details=counts,
        )
    if not result.any_non_ats and not result.any_ats:
        why = "the week has no venue-level or symbol-level volume at all"
    elif not result.any_non_ats:
        why = "the week lacks non-ATS data (only ATS volume was captured, e.g. a FINRA ATS download file)"
    elif not result.any_ats:
        why = "the week lacks ATS data (only non-ATS volume was captured)"
    else:
        why = "no symbol has ATS and non-ATS volume at the same granularity"
    return QualityResult(
        check="ats_share_coverage",
        status=CheckStatus.WARN,
        severity=Severity.INFO,
        message=f"no ATS share computed: {why}",
        value=0.0,
        details=counts,
    )


class ComputeAtsShare(FromNormalized):
    """Per symbol with both sides reported: ATS share of the symbol's off-exchange volume."""

    name = "finra.otc_transparency.compute_ats_share"
    stage = "ats_share"
    description = (
        "ATS share of off-exchange volume per symbol, where both ATS and non-ATS volume exist: "
        "from venue-level sums (basis venue) or else FINRA's symbol-level totals (basis symbol), "
        "never mixing the two."
    )
    row_columns = ATS_SHARE_COLUMNS
    calc = ATS_SHARE

    def compute(self, run: DerivedRun) -> list[Row]:
        result = ats_share_rows(run.captures[NORMALIZED_ROLE], run.rows(NORMALIZED_ROLE))
        run.check(_coverage(result))
        run.details.update(
            rows_by_basis=dict(result.by_basis),
            symbols_ats_only=result.only_ats,
            symbols_non_ats_only=result.only_non_ats,
            symbols_sides_in_different_granularities=result.mixed,
        )
        return result.rows
