"""Invariants over random venue data (seeded), determinism and independence from row order."""

from __future__ import annotations

import random
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest

from spine_domains.finra_otc.derived.ats_share import ComputeAtsShare
from spine_domains.finra_otc.derived.concentration import ComputeSymbolConcentration
from spine_domains.finra_otc.derived.normalize import NormalizeWeek
from spine_domains.finra_otc.derived.symbol_summary import AggregateWeek
from spine_domains.finra_otc.derived.tier_share import ComputeTierShare
from spine_domains.finra_otc.derived.venue_share import ComputeVenueShare
from tests.unit.domain.derived.support import FakeReader, Run, ats, firm_total, non_ats, run, symbol_total

WEEK = "2025-11-14"
TIER = "NMS_TIER_1"
SEEDS = range(30)
TOLERANCE = Decimal("1e-4")
CALC_PIPELINES = (AggregateWeek, ComputeVenueShare, ComputeSymbolConcentration, ComputeTierShare, ComputeAtsShare)


def random_week(seed: int) -> list[tuple[object, ...]]:
    """A week of ingest rows: ATS venues, non-ATS firms, De Minimis, symbol and firm totals."""
    rng = random.Random(seed)
    mpids = [f"M{i:02d}" for i in range(rng.randint(1, 12))]
    crds = [str(100 + i) for i in range(rng.randint(0, 6))]
    rows: list[tuple[object, ...]] = []
    line = 1

    def volume() -> int:
        roll = rng.random()
        if roll < 0.05:
            return 0
        if roll < 0.1:
            return rng.randint(2**31, 2**40)  # beyond 32 bits
        if roll < 0.3:
            return rng.choice([100, 1_000, 5_000])  # equal volumes: ties
        return rng.randint(1, 10**7)

    for s in range(rng.randint(1, 40)):
        symbol = rng.choice(["", "."]) + f"S{s}" if rng.random() < 0.02 else f"S{s}"
        ats_total = non_total = 0
        for mpid in rng.sample(mpids, rng.randint(0, len(mpids))):
            line += 1 + (rng.random() < 0.1)  # sometimes a gap: a rejected line
            shares = volume()
            ats_total += shares
            # Now and then another issue name for the symbol, or another name for the venue:
            # the first one in line order must win, whatever the order rows arrive in.
            issue = "Other Name Inc" if rng.random() < 0.05 else f"Issue {symbol}"
            name = f"{mpid}  renamed" if rng.random() < 0.05 else f"{mpid} ATS"
            rows.append(ats(line, symbol, mpid, shares, rng.randint(0, 100), issue=issue, name=name))
        for crd in rng.sample(crds, rng.randint(0, len(crds))):
            line += 1
            shares = volume()
            non_total += shares
            rows.append(non_ats(line, symbol, shares, rng.randint(0, 100), crd=crd, name=f"Firm {crd}"))
        if rng.random() < 0.3:
            line += 1
            shares = volume()
            non_total += shares
            rows.append(non_ats(line, symbol, shares, 1, name="De Minimis Firms"))
        if rng.random() < 0.5:  # FINRA's symbol-level totals of the same volume
            line += 1
            rows.append(symbol_total(line, symbol, ats_total))
            line += 1
            rows.append(symbol_total(line, symbol, non_total or volume(), ats_side=False))
    for mpid in mpids[: rng.randint(0, len(mpids))]:  # firm-level totals
        line += 1
        rows.append(firm_total(line, volume(), mpid=mpid))
    return rows


def chain(rows: list[tuple[object, ...]], *, venue_version: str = "v2") -> dict[str, Run]:
    reader = FakeReader()
    reader.add_ingest(WEEK, TIER, rows)
    out = {"normalize": run(NormalizeWeek(), reader, week_ending=WEEK, tier=TIER)}
    for cls in CALC_PIPELINES:
        extra: dict[str, Any] = {"calc_version": venue_version} if cls is ComputeVenueShare else {}
        out[cls.stage] = run(cls(), reader, week_ending=WEEK, tier=TIER, **extra)
    return out


def venue_level_total(rows: list[tuple[object, ...]]) -> int:
    return sum(int(r[5]) for r in rows if str(r[8]).endswith("_W_SMBL_FIRM"))  # type: ignore[call-overload]


@pytest.mark.parametrize("seed", SEEDS)
def test_invariants(seed: int) -> None:
    rows = random_week(seed)
    runs = chain(rows)
    total = venue_level_total(rows)

    summary = runs["aggregate"].rows
    assert sum(r[2] for r in summary) == total, "symbol totals come from venue rows only, counted once"
    assert all(r[6] + r[7] == r[2] for r in summary)

    venues = runs["venue_share"].rows
    assert sum(r[3] for r in venues) == total
    if total:
        assert abs(sum((Decimal(r[6]) for r in venues), Decimal(0)) - 1) <= TOLERANCE
    assert [r[7] for r in venues] == list(range(1, len(venues) + 1)), "v2 ranks are 1..N"
    assert runs["venue_share"].check("venue_share_invariants").status == "PASS"

    concentration = runs["concentration"].rows
    by_symbol: dict[str, list[tuple[Any, ...]]] = {}
    for row in concentration:
        by_symbol.setdefault(row[0], []).append(row)
    for symbol_rows in by_symbol.values():
        hhi = Decimal(symbol_rows[0][7])
        assert Decimal(0) <= hhi <= Decimal(1)
        assert {r[7] for r in symbol_rows} == {symbol_rows[0][7]}
        assert [r[5] for r in symbol_rows] == list(range(1, len(symbol_rows) + 1))
        volume = sum(r[3] for r in symbol_rows)
        if volume:
            shares = [Decimal(r[4]) for r in symbol_rows]
            assert abs(sum(shares, Decimal(0)) - 1) <= TOLERANCE
            assert abs(sum((s * s for s in shares), Decimal(0)) - hhi) <= Decimal("1e-9")
            if len(symbol_rows) == 1:
                assert hhi == 1
    assert runs["concentration"].check("hhi_range").status == "PASS"

    tier = runs["tier_share"].rows
    if total:
        assert abs(sum((Decimal(r[3]) for r in tier), Decimal(0)) - 1) <= TOLERANCE
    assert [r[4] for r in tier] == list(range(1, len(tier) + 1))
    assert all(r[2] == total for r in tier)

    for row in runs["ats_share"].rows:
        assert row[1] + row[2] == row[3]
        assert row[4] is None or Decimal(0) <= Decimal(row[4]) <= Decimal(1)
        assert row[5] in ("venue", "symbol")


@pytest.mark.parametrize("seed", SEEDS)
def test_v1_ranks_are_dense(seed: int) -> None:
    venues = chain(random_week(seed), venue_version="v1")["venue_share"].rows
    if venues:
        assert venues[0][7] == 1
    for a, b in pairwise(venues):
        assert (b[7] == a[7]) == (b[3] == a[3])
        assert b[7] in (a[7], a[7] + 1)


@pytest.mark.parametrize("seed", range(10))
def test_same_input_twice_gives_identical_rows(seed: int) -> None:
    rows = random_week(seed)
    first, second = chain(rows), chain(rows)
    for stage in first:
        assert first[stage].rows == second[stage].rows, stage
        assert first[stage].text_rows() == second[stage].text_rows(), stage


@pytest.mark.parametrize("seed", range(10))
def test_shuffled_input_gives_identical_output(seed: int) -> None:
    rows = random_week(seed)
    shuffled = rows[:]
    random.Random(seed + 1_000).shuffle(shuffled)
    ordered, mixed = chain(rows), chain(shuffled)
    assert sorted(ordered["normalize"].rows) == sorted(mixed["normalize"].rows)
    for stage in ("aggregate", "venue_share", "concentration", "tier_share", "ats_share"):
        assert ordered[stage].rows == mixed[stage].rows, stage
