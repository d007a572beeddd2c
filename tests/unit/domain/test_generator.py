"""The seeded generator of FINRA download files: realistic, exact, deterministic, parseable."""

from __future__ import annotations

import hashlib
import inspect
from datetime import date
from itertools import islice

import pytest

from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.generator import generate_lines, generate_text, publication_date
from spine_domains.finra_otc.tiers import Tier
from tests.unit.domain.support import DOWNLOAD_HEADER, assert_accounted, run_ingest

WEEK = WeekEnding.parse("2025-11-14")


def _rows(rows: int, tier: Tier = Tier.OTC, seed: int = 0) -> list[list[str]]:
    lines = list(generate_lines(rows, week_ending=WEEK, tier=tier, seed=seed))
    assert lines[0] == DOWNLOAD_HEADER
    return [line.split("|") for line in lines[1:]]


@pytest.mark.parametrize("rows", [0, 1, 2, 7, 100, 3_001])
@pytest.mark.parametrize("tier", list(Tier))
def test_exact_row_count_and_header(rows: int, tier: Tier) -> None:
    data = _rows(rows, tier)
    assert len(data) == rows
    assert all(len(fields) == 8 for fields in data)


def test_deterministic_per_seed() -> None:
    assert _rows(2_000, seed=5) == _rows(2_000, seed=5)
    assert _rows(2_000, seed=5) != _rows(2_000, seed=6)


@pytest.mark.parametrize(
    ("tier", "digest"),
    [(Tier.NMS_TIER_1, "2e222e26c50a66ed"), (Tier.NMS_TIER_2, "a0bcd6749088b5db"), (Tier.OTC, "038fe161f0fa81d1")],
)
def test_output_is_pinned(tier: Tier, digest: str) -> None:
    """Generated files are inputs of benchmarks and demos: a change of output must be deliberate."""
    text = generate_text(50_000, week_ending=WEEK, tier=tier, seed=3)
    assert hashlib.sha256(text.encode()).hexdigest()[:16] == digest


def test_a_universe_seed_makes_a_series_of_weeks() -> None:
    def week(seed: int, universe: int | None) -> list[list[str]]:
        lines = generate_lines(5_000, week_ending=WEEK, tier=Tier.NMS_TIER_1, seed=seed, universe_seed=universe)
        return [line.split("|") for line in islice(lines, 1, None)]

    one, two = week(11, universe=3), week(12, universe=3)
    # Same symbols, names and venues in the same order; volumes of their own.
    assert [(f[1], f[2], f[4]) for f in one] == [(f[1], f[2], f[4]) for f in two]
    assert sum(a[5] != b[5] for a, b in zip(one, two, strict=True)) > 0.9 * len(one)
    assert week(11, universe=3) == one
    assert [(f[1], f[4]) for f in week(11, universe=4)] != [(f[1], f[4]) for f in one]
    # Without a universe seed, the seed draws everything (files made before it are unchanged).
    assert [(f[1], f[4]) for f in week(11, None)] != [(f[1], f[4]) for f in week(12, None)]


@pytest.mark.parametrize("tier", list(Tier))
def test_keys_unique_and_sorted_like_finra_files(tier: Tier) -> None:
    keys = [(f[1], f[4]) for f in _rows(20_000, tier, seed=1)]
    assert len(set(keys)) == len(keys)
    assert keys == sorted(keys)


@pytest.mark.parametrize("tier", list(Tier))
def test_round_trips_through_the_parser_without_rejects(tier: Tier) -> None:
    lines = list(generate_lines(10_000, week_ending=WEEK, tier=tier, seed=2))
    result = run_ingest(lines, str(WEEK), tier.value, batch_lines=997)
    assert result.rejects == []
    assert len(result.rows) == 10_000
    assert result.summary["warnings"] == []
    assert_accounted(result, len(lines))


@pytest.mark.parametrize(
    ("tier", "published"), [(Tier.NMS_TIER_1, "2025-12-01"), (Tier.NMS_TIER_2, "2025-12-15"), (Tier.OTC, "2025-12-15")]
)
def test_tier_text_and_publication_monday(tier: Tier, published: str) -> None:
    assert publication_date(WEEK, tier) == published
    assert date.fromisoformat(published).weekday() == 0
    data = _rows(500, tier)
    assert {f[0] for f in data} == {tier.description}
    assert {f[7] for f in data} == {published}


def test_realistic_content() -> None:
    data = _rows(50_000, Tier.OTC, seed=0)
    symbols = {f[1] for f in data}
    assert all(1 <= len(s) <= 7 for s in symbols)
    plain = [s for s in symbols if s.isalpha()]
    assert all(s.isupper() and len(s) <= 5 for s in plain)
    punctuated = symbols - set(plain)
    assert any("." in s for s in punctuated) and any("$" in s for s in punctuated)
    names = [f[2] for f in data]
    assert any("," in n for n in names) and any("  " in n for n in names)
    assert all(f[3].startswith(f[4] + " ") for f in data), "participant names start with the MPID"
    assert {f[4] for f in data} >= {"OTCN", "OTCX", "ARCA"}
    shares = [int(f[5]) for f in data]
    trades = [int(f[6]) for f in data]
    assert min(shares) >= 1 and any(s > 2**31 for s in shares)
    assert all(1 <= t <= s for s, t in zip(shares, trades, strict=True))
    assert sorted(shares)[len(shares) // 2] < sorted(shares)[-len(shares) // 100]  # heavy tail


def test_nms_tiers_use_the_nms_venue_pool() -> None:
    mpids = {f[4] for f in _rows(5_000, Tier.NMS_TIER_1)}
    assert len(mpids) > 20 and "OTCN" not in mpids


def test_lazy_and_bounded() -> None:
    lines = generate_lines(50_000_000, week_ending=WEEK, tier=Tier.NMS_TIER_1, seed=0)
    assert inspect.isgenerator(lines)
    assert len(list(islice(lines, 1_001))) == 1_001  # without producing the other 49,999,000


def test_generate_text() -> None:
    text = generate_text(25, week_ending=WEEK, tier=Tier.OTC, seed=4)
    assert text.endswith("\n") and "\r" not in text
    assert text.split("\n")[:-1] == list(generate_lines(25, week_ending=WEEK, tier=Tier.OTC, seed=4))


def test_negative_rows() -> None:
    with pytest.raises(ValueError):
        list(generate_lines(-1, week_ending=WEEK, tier=Tier.OTC))
