"""Venue share invariants hold on every group: shares sum to 1 within 1e-4 per week and tier,
ranks are consecutive 1..N, HHI lies in [0, 1]; tier shares sum to 1; ATS shares in [0, 1]."""

from __future__ import annotations

import pytest

from tests.fitness.conftest import Populated
from tests.fitness.helpers import db

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_venue_shares_sum_to_one_and_ranks_are_consecutive(populated: Populated) -> None:
    async def work(conn):  # type: ignore[no-untyped-def]
        return await conn.fetch(
            """SELECT v.capture_id, c.week_ending, c.tier, c.calc_version, sum(v.share) AS total,
                      array_agg(v.rank ORDER BY v.rank) AS ranks, count(*) AS venues
               FROM finra_otc.venue_share v JOIN finra_otc.captures c USING (capture_id)
               GROUP BY 1, 2, 3, 4"""
        )

    groups = db(populated, work)
    assert len(groups) >= 8, "every fixture and real week has venue shares"
    for group in groups:
        assert abs(float(group["total"]) - 1.0) <= 1e-4, dict(group)
        if group["calc_version"] != "v1":  # v1 (deprecated) shares ranks on ties
            assert list(group["ranks"]) == list(range(1, group["venues"] + 1)), dict(group)


def test_hhi_is_between_zero_and_one_and_symbol_shares_sum_to_one(populated: Populated) -> None:
    async def work(conn):  # type: ignore[no-untyped-def]
        return await conn.fetchrow(
            """SELECT count(*) AS symbols,
                      count(*) FILTER (WHERE hhi < 0 OR hhi > 1) AS hhi_out,
                      count(*) FILTER (WHERE abs(total - 1) > 1e-4 AND total > 0) AS sum_off,
                      count(*) FILTER (WHERE abs(hhi - squares) > 1e-6) AS hhi_wrong
               FROM (SELECT capture_id, symbol, max(hhi) AS hhi, sum(share) AS total, sum(share * share) AS squares
                     FROM finra_otc.symbol_venue_share GROUP BY 1, 2) s"""
        )

    row = db(populated, work)
    assert row["symbols"] > 1000
    assert (row["hhi_out"], row["sum_off"], row["hhi_wrong"]) == (0, 0, 0)


def test_tier_shares_sum_to_one_and_ats_shares_are_fractions(populated: Populated) -> None:
    async def work(conn):  # type: ignore[no-untyped-def]
        tiers = await conn.fetch("SELECT capture_id, sum(share) AS total FROM finra_otc.tier_share GROUP BY 1")
        ats = await conn.fetchval("SELECT count(*) FROM finra_otc.ats_share WHERE ats_share < 0 OR ats_share > 1")
        return tiers, ats

    tiers, ats_out = db(populated, work)
    assert tiers and all(abs(float(t["total"]) - 1) <= 1e-4 for t in tiers)
    assert ats_out == 0
