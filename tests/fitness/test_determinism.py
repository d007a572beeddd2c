"""Determinism: the same inputs and calc version give the same outputs, whatever capture."""

from __future__ import annotations

import pytest

from tests.fitness.conftest import Populated
from tests.fitness.helpers import api

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

WEEK, TIER = "2026-01-02", "NMS_TIER_1"


@pytest.mark.parametrize(
    ("pipeline", "path"),
    [
        ("finra.otc_transparency.compute_venue_share", "/v1/data/venue-shares"),
        ("finra.otc_transparency.compute_symbol_concentration", "/v1/data/concentration"),
        ("finra.otc_transparency.compute_rolling", "/v1/data/rolling"),
    ],
)
def test_recomputing_gives_identical_rows(populated: Populated, pipeline: str, path: str) -> None:
    before = api(populated, path, week_ending=WEEK, tier=TIER, limit=100_000)
    again = populated.run(pipeline, {"week_ending": WEEK, "tier": TIER, "force": True})
    assert again["status"] == "completed" and again["capture_id"] != before["meta"]["capture_id"]
    after = api(populated, path, week_ending=WEEK, tier=TIER, limit=100_000)
    assert after["meta"]["capture_id"] == again["capture_id"]
    assert after["data"] == before["data"]


def test_an_unchanged_rerun_is_skipped(populated: Populated) -> None:
    result = populated.run("finra.otc_transparency.aggregate_week", {"week_ending": WEEK, "tier": TIER})
    assert result["status"] == "skipped" and "same inputs" in result["skip_reason"]
