"""Exact decimal text: ratios, percentages and their rounding."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest

from spine_domains.finra_otc.derived.numbers import percent_change, ratio, ratios


def test_ratio_formats_fixed_decimals() -> None:
    assert ratio(1, 4, 12) == "0.250000000000"
    assert ratio(1, 3, 12) == "0.333333333333"
    assert ratio(2, 3, 4) == "0.6667"
    assert ratio(5, 5, 12) == "1.000000000000"
    assert ratio(7, 2, 4) == "3.5000"
    assert ratio(0, 9, 4) == "0.0000"
    assert ratio(-1, 3, 4) == "-0.3333"
    assert ratio(-1, 10**9, 4) == "0.0000"  # no negative zero


def test_ratio_rounds_half_away_from_zero() -> None:
    assert ratio(1, 8, 2) == "0.13"
    assert ratio(3, 8, 2) == "0.38"
    assert ratio(-1, 8, 2) == "-0.13"
    assert ratio(1, 2 * 10**12, 12) == "0.000000000001"


def test_ratio_is_exact_for_huge_integers() -> None:
    rng = random.Random(1)
    with localcontext() as context:
        context.prec = 100
        for _ in range(2_000):
            numerator, denominator = rng.randint(0, 2**63), rng.randint(1, 2**63)
            exact = (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("1e-12"), ROUND_HALF_UP)
            assert ratio(numerator, denominator, 12) == str(exact)


def test_ratios_match_ratio() -> None:
    rng = random.Random(2)
    total = rng.randint(10**9, 10**13)
    parts = [rng.randint(0, total) for _ in range(500)] + [0, total, total // 2]
    assert ratios(parts, total, 12) == [ratio(p, total, 12) for p in parts]


def test_bad_denominator() -> None:
    with pytest.raises(ValueError):
        ratio(1, 0, 4)
    with pytest.raises(ValueError):
        ratios([1], 0, 4)


def test_percent_change() -> None:
    assert percent_change(105, 100) == "5.0000"
    assert percent_change(95, 100) == "-5.0000"
    assert percent_change(1, 3) == "-66.6667"
    assert percent_change(5, 0) is None
    assert percent_change(0, 0) is None
