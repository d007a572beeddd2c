"""The two real FINRA OTC weeks, each ingested with one command through every stage, leave venue
shares, symbol summaries, HHI and week-over-week queryable, with the three clocks."""

from __future__ import annotations

import pytest

from tests.fitness.conftest import REAL_WEEKS, Populated
from tests.fitness.helpers import api

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TIER = "OTC"


@pytest.mark.parametrize("week", sorted(REAL_WEEKS))
def test_every_analytic_of_a_real_week_is_queryable(populated: Populated, week: str) -> None:
    run = populated.runs[f"real {week}"]
    assert {s["status"] for s in run["stages"]} == {"completed"}
    assert len(run["stages"]) == 10

    shares = api(populated, "/v1/data/venue-shares", week_ending=week, tier=TIER, limit=1000)
    assert shares["data"] and abs(sum(r["share"] for r in shares["data"]) - 1) <= 1e-4
    meta = shares["meta"]
    # The three clocks: the business week, FINRA's publication date, our capture time.
    assert meta["week_ending"] == week and meta["source_updated"] and meta["captured_at"]
    assert meta["calc"] == {"name": "venue_share", "version": "v2"}
    assert meta["inputs"] and meta["inputs"][0]["role"] == "normalized"

    summary = api(populated, "/v1/data/symbol-summary", week_ending=week, tier=TIER, limit=100_000)
    venues = api(populated, "/v1/data/venue-volume", week_ending=week, tier=TIER, limit=1)["meta"]["total"]
    assert sum(r["venue_count"] for r in summary["data"]) == venues

    concentration = api(
        populated, "/v1/data/concentration", week_ending=week, tier=TIER, symbol=summary["data"][0]["symbol"]
    )
    assert concentration["data"] and all(0 <= r["hhi"] <= 1 for r in concentration["data"])

    wow = api(populated, "/v1/data/week-over-week", week_ending=week, tier=TIER, limit=100_000)
    assert len(wow["data"]) >= len(summary["data"])


def test_week_over_week_of_the_second_week_compares_with_the_first(populated: Populated) -> None:
    first, second = sorted(REAL_WEEKS)
    rows = api(populated, "/v1/data/week-over-week", week_ending=second, tier=TIER, limit=100_000)["data"]
    statuses = {r["status"] for r in rows}
    assert "NO_PRIOR" not in statuses and {"CHANGED", "NEW", "DROPPED"} & statuses
    prior = {
        r["symbol"]: r["total_shares"]
        for r in api(populated, "/v1/data/symbol-summary", week_ending=first, tier=TIER, limit=100_000)["data"]
    }
    changed = next(r for r in rows if r["status"] == "CHANGED")
    assert changed["prior_total_shares"] == prior[changed["symbol"]]
    assert changed["change_shares"] == changed["total_shares"] - changed["prior_total_shares"]


def test_lineage_leads_from_a_calc_back_to_the_source_file(populated: Populated) -> None:
    week = sorted(REAL_WEEKS)[0]
    capture = api(populated, "/v1/data/venue-shares", week_ending=week, tier=TIER)["meta"]["capture_id"]
    chain = api(populated, f"/v1/lineage/{capture}")["data"]
    pipelines = [c["pipeline"] for c in chain]
    assert pipelines[0].endswith("compute_venue_share") and pipelines[-1].endswith("ingest_week")
    assert chain[-1]["source"]["name"].endswith(REAL_WEEKS[week])
