"""compute_symbol_concentration (calc ``symbol_concentration``): venue shares and HHI per symbol.

The HHI is the sum of the squared venue shares of a symbol, computed exactly as
``sum(shares_i ** 2) / total ** 2`` and rounded once, so it is always within [0, 1] and is
exactly 1 for a symbol traded on one venue. A symbol without volume has no shares to square:
its HHI is 0 and a warning says so.

This calc writes one row per input row, so its output is produced as it is consumed rather
than held: the per-symbol venue totals (small dicts of ints, which the garbage collector does
not track) are the only state kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any

from spine_core.framework.pipeline import CaptureRef
from spine_core.quality import CheckStatus, QualityResult, Severity
from spine_domains.finra_otc.calcs import SYMBOL_CONCENTRATION
from spine_domains.finra_otc.derived.base import DerivedRun, Row
from spine_domains.finra_otc.derived.normalized_input import NORMALIZED_ROLE, FromNormalized, normalized_rows
from spine_domains.finra_otc.derived.numbers import SHARE_PLACES, ratio, ratios
from spine_domains.finra_otc.derived.shares import listed
from spine_domains.finra_otc.derived.vocabulary import VENUE

__all__ = ["ComputeSymbolConcentration", "CONCENTRATION_COLUMNS", "Concentration"]

CONCENTRATION_COLUMNS = ("symbol", "venue_id", "venue_kind", "total_shares", "share", "rank", "venue_count", "hhi")
_ZERO = ratio(0, 1, SHARE_PLACES)


class Concentration:
    """Venue totals per symbol (read once, at construction), then the rows on demand."""

    def __init__(self, ref: CaptureRef, rows: Iterable[tuple[str | None, ...]]) -> None:
        # symbol -> venue id -> shares (a venue listed twice for a symbol is summed)
        self._by_symbol: dict[str, dict[str, int]] = {}
        self._kinds: dict[str, str] = {}
        #: Symbols without volume (HHI 0) and with an HHI outside [0, 1], known once rows() is consumed.
        self.zero_volume: list[str] = []
        self.hhi_outside: list[str] = []
        by_symbol = self._by_symbol
        kinds = self._kinds
        current: str | None = None
        venues: dict[str, int] = {}
        for row in normalized_rows(ref, rows):
            symbol, _issue, venue_id, _name, kind, granularity, _code, shares, _trades, _line = row
            if granularity != VENUE:
                continue
            if symbol != current:  # rows come grouped by symbol: skip the look-up within a group
                found = by_symbol.get(symbol)
                if found is None:
                    found = by_symbol[symbol] = {}
                venues = found
                current = symbol
            venues[venue_id] = venues.get(venue_id, 0) + int(shares)
            kinds[venue_id] = kind

    @property
    def symbols(self) -> int:
        return len(self._by_symbol)

    def rows(self) -> Iterator[list[tuple[Any, ...]]]:
        """The rows by symbol, then rank (shares desc, ties by venue id), one list per symbol."""
        kinds = self._kinds
        for symbol in sorted(self._by_symbol):
            # (-shares, venue id): native tuple order is shares desc, then venue id.
            ordered = sorted([(-shares, venue_id) for venue_id, shares in self._by_symbol[symbol].items()])
            count = len(ordered)
            total = -sum([negative for negative, _venue in ordered])
            if total:
                squares = sum([negative * negative for negative, _venue in ordered])
                if not 0 <= squares <= total * total:  # cannot happen; the check proves the output
                    self.hhi_outside.append(symbol)
                hhi = ratio(squares, total * total, SHARE_PLACES)
                shares = ratios([-negative for negative, _venue in ordered], total, SHARE_PLACES)
            else:
                hhi = _ZERO
                shares = [_ZERO] * count
                self.zero_volume.append(symbol)
            yield [
                (symbol, venue_id, kinds[venue_id], -negative, share, rank, count, hhi)
                for rank, ((negative, venue_id), share) in enumerate(zip(ordered, shares, strict=True), start=1)
            ]


class ComputeSymbolConcentration(FromNormalized):
    """Per symbol: each venue's share of the symbol's volume, its rank, and the symbol's HHI."""

    name = "finra.otc_transparency.compute_symbol_concentration"
    stage = "concentration"
    description = (
        "Concentration of each symbol's off-exchange volume: every venue's share of the symbol "
        "(12 decimals), its rank 1..n (ties by venue id) and the HHI (sum of squared shares, in [0, 1])."
    )
    row_columns = CONCENTRATION_COLUMNS
    calc = SYMBOL_CONCENTRATION

    def compute(self, run: DerivedRun) -> Iterator[Row]:
        # A generator: the rows stream out, and the checks are known once they have.
        result = Concentration(run.captures[NORMALIZED_ROLE], run.rows(NORMALIZED_ROLE))
        yield from chain.from_iterable(result.rows())
        zero, outside = result.zero_volume, result.hhi_outside
        if zero:
            run.check(
                QualityResult(
                    check="zero_volume_symbols",
                    status=CheckStatus.WARN,
                    severity=Severity.WARN,
                    message=f"{len(zero)} symbol(s) have no volume (HHI 0): {listed(zero)}",
                    value=float(len(zero)),
                    details={"symbols": zero[:100]},
                )
            )
        hhi_message = f"HHI outside [0, 1] for {', '.join(outside[:10])}" if outside else "every HHI is within [0, 1]"
        run.check(
            QualityResult(
                check="hhi_range",
                status=CheckStatus.FAIL if outside else CheckStatus.PASS,
                severity=Severity.ERROR if outside else Severity.INFO,
                message=hhi_message,
                value=float(len(outside)),
                details={"symbols": outside[:100]} if outside else {},
            )
        )
        run.details["symbols"] = result.symbols
