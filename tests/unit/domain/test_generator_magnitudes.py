"""Generated weeks have real magnitudes: per-row and per-symbol volumes, trade sizes, venues.

Ranges are about 3x either side of real weeks. OTC: the real download files in
``shared/data/finra_otc/real_finra_weekly`` (5,328 rows, median row 4,000 shares, largest row
249.7 million, median symbol 5,224, largest 259 million, 2,826 shares a trade). Tier 1: FINRA's
per-symbol ATS totals of 2025-07-21 (``real/dherz18_weekly_2025-07-21.csv``: 2,424 symbols,
median 507 thousand shares, p99 25 million, largest 94.5 million). Tier 2 has no real file
here: FINRA's Tier 2 ATS volume is a fraction of Tier 1's, so its per-symbol median is taken an
order of magnitude below Tier 1's (about 50 thousand). NMS ATS trades average 150-300 shares.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.generator import generate_lines
from spine_domains.finra_otc.tiers import Tier
from tests.shared_data import finra_data

WEEK = WeekEnding.parse("2025-11-14")
SEEDS = (1, 7)


@dataclass(frozen=True)
class Magnitudes:
    row_median: int
    row_max: int
    symbol_median: int
    symbol_p99: int
    symbol_max: int
    venues_per_symbol: float
    shares_per_trade: float


def _quantile(values: list[int], q: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _magnitudes(rows: Iterable[tuple[str, int, int]]) -> Magnitudes:
    """From (symbol, shares, trades) rows of one week."""
    per_symbol: dict[str, int] = defaultdict(int)
    shares: list[int] = []
    trades = 0
    for symbol, quantity, count in rows:
        per_symbol[symbol] += quantity
        shares.append(quantity)
        trades += count
    totals = list(per_symbol.values())
    return Magnitudes(
        row_median=_quantile(shares, 0.5),
        row_max=max(shares),
        symbol_median=_quantile(totals, 0.5),
        symbol_p99=_quantile(totals, 0.99),
        symbol_max=max(totals),
        venues_per_symbol=len(shares) / len(totals),
        shares_per_trade=sum(shares) / trades,
    )


def _parse(lines: Iterable[str]) -> list[tuple[str, int, int]]:
    rows = []
    for line in lines:
        fields = line.split("|")
        rows.append((fields[1], int(fields[5]), int(fields[6])))
    return rows


def _generated(rows: int, tier: Tier, seed: int) -> list[tuple[str, int, int]]:
    lines = generate_lines(rows, week_ending=WEEK, tier=tier, seed=seed)
    next(lines)
    return _parse(lines)


def _without_subpenny(rows: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """OTC rows less the rare sub-penny stocks (billions of shares a week, as real ones trade)."""
    subpenny = {symbol for symbol, shares, _ in rows if shares > 2**31}
    symbols = {symbol for symbol, _, _ in rows}
    assert len(subpenny) <= len(symbols) // 16_384 + 1, "sub-penny stocks are one symbol in 16,384"
    return [row for row in rows if row[0] not in subpenny]


def _assert_within(name: str, value: float, low: float, high: float) -> None:
    assert low <= value <= high, f"{name} = {value:,.0f}, expected {low:,.0f} to {high:,.0f}"


@pytest.mark.parametrize("seed", SEEDS)
def test_tier_1_week(seed: int) -> None:
    week = _magnitudes(_generated(30_000, Tier.NMS_TIER_1, seed))
    _assert_within("symbol median", week.symbol_median, 170_000, 1_500_000)
    _assert_within("symbol p99", week.symbol_p99, 8_000_000, 75_000_000)
    _assert_within("symbol max", week.symbol_max, 30_000_000, 285_000_000)
    _assert_within("row max", week.row_max, 3_000_000, 285_000_000)
    _assert_within("shares per trade", week.shares_per_trade, 150, 300)
    _assert_within("venues per symbol", week.venues_per_symbol, 8, 20)


@pytest.mark.parametrize("seed", SEEDS)
def test_tier_2_week(seed: int) -> None:
    week = _magnitudes(_generated(30_000, Tier.NMS_TIER_2, seed))
    _assert_within("symbol median", week.symbol_median, 17_000, 150_000)
    _assert_within("symbol p99", week.symbol_p99, 500_000, 8_000_000)
    _assert_within("symbol max", week.symbol_max, 3_000_000, 95_000_000)
    _assert_within("shares per trade", week.shares_per_trade, 150, 300)
    _assert_within("venues per symbol", week.venues_per_symbol, 4, 12)


@pytest.mark.parametrize("seed", SEEDS)
def test_otc_week(seed: int) -> None:
    week = _magnitudes(_without_subpenny(_generated(5_000, Tier.OTC, seed)))
    _assert_within("row median", week.row_median, 1_300, 12_000)
    _assert_within("row max", week.row_max, 29_000_000, 750_000_000)
    _assert_within("symbol median", week.symbol_median, 1_700, 20_000)
    _assert_within("symbol p99", week.symbol_p99, 1_500_000, 15_000_000)
    _assert_within("symbol max", week.symbol_max, 29_000_000, 777_000_000)
    _assert_within("shares per trade", week.shares_per_trade, 630, 8_500)
    _assert_within("venues per symbol", week.venues_per_symbol, 1.3, 2.3)


@pytest.mark.parametrize("tier", [Tier.NMS_TIER_1, Tier.OTC])
def test_largest_symbol_does_not_grow_with_the_file(tier: Tier) -> None:
    rows = _generated(200_000, tier, seed=2)
    week = _magnitudes(_without_subpenny(rows) if tier is Tier.OTC else rows)
    _assert_within("symbol max", week.symbol_max, 1_000_000, 777_000_000)
    if tier is Tier.OTC:
        assert any(shares > 2**31 for _, shares, _ in rows), "a large OTC file holds a sub-penny stock"
    else:
        assert week.row_max < 2**31


def _real_otc_weeks() -> list[Path]:
    return sorted(finra_data("real_finra_weekly").glob("*.csv"))


@pytest.mark.parametrize("seed", SEEDS)
def test_otc_week_near_the_real_files(seed: int) -> None:
    """Within 3x of each real OTC week's figures, read from the shared data when it is there."""
    generated = _magnitudes(_without_subpenny(_generated(5_000, Tier.OTC, seed)))
    reals = [_magnitudes(_parse(path.read_text().splitlines()[1:])) for path in _real_otc_weeks()]
    assert reals, "no real OTC week in the shared data"
    for field in ("row_median", "symbol_median", "symbol_p99", "symbol_max", "shares_per_trade"):
        real = [getattr(week, field) for week in reals]
        _assert_within(field, getattr(generated, field), min(real) / 3, max(real) * 3)
